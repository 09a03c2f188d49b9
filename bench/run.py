"""`make bench`: build a dataset in a separate database, start one gunicorn process against
it, time real HTTP requests, count each page's SQL queries in-process, time schedule
generation and a 10,000-client reminder sweep, then a 100,000-client sweep that really
publishes its tasks (PostgreSQL and Redis), print a table and write bench/results.json. See
bench/README.md.

The database is BENCH_DATABASE_URL, else DATABASE_URL (e.g.
postgres://postgres@127.0.0.1:5432/prenafit_bench), created when missing, migrated and then
flushed (refused if it holds a user the bench did not make); with neither set, a fresh SQLite
file, bench/bench.sqlite3. Never the dev db.sqlite3.
"""

import contextlib
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

RESULTS = common.BENCH_DIR / "results.json"
SQLITE_FILE = common.BENCH_DIR / "bench.sqlite3"
TRIVIAL_PATH = "/exercises/zz-no-such-exercise/"
TRIVIAL_WHY = (
    "trivial = GET /exercises/zz-no-such-exercise/ as an anonymous visitor: a 404 through "
    "the whole middleware stack, URL resolution and one indexed query, with Django's built-in "
    "404 page (the project has no 404 template). /healthz is not trivial (it connects to the "
    "broker) and every real page renders the site layout."
)
TARGETS = [  # (figure, limit, what) from SPEC section 10 and issue 19
    ("pt_dashboard", 4.0, "ratio"),
    ("client_home", 3.0, "ratio"),
    ("progress", 3.0, "ratio"),
    ("client_page", 3.0, "ratio"),
    ("log_session", 3.0, "ratio"),
    ("schedule_generation", 50.0, "median_ms"),
    ("reminder_dispatch_100k", 60.0, "seconds"),
]
# The bench's own users: anyone else in a database means it is not the bench's to flush.
BENCH_EMAIL_DOMAIN = "@prenafit.test"
USER_TABLE = "users_user"  # users.User (AUTH_USER_MODEL)
# A server's own databases, never a bench's.
SYSTEM_DATABASES = {"postgres", "template0", "template1"}
# Persistent connections in the bench's server (and its in-process step), on any database.
CONN_MAX_AGE = 600


class BenchError(Exception):
    pass


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# --- the database and the child processes -----------------------------------------------


def database_url() -> tuple[str, bool, str]:
    """(url, is_the_default_sqlite_file, where the url came from)."""
    for name in ("BENCH_DATABASE_URL", "DATABASE_URL"):
        url = os.environ.get(name, "").strip()
        if url:
            check_not_precious(url, name)
            return url, False, name
    return f"sqlite:///{SQLITE_FILE}", True, "default"


def check_not_precious(url: str, where: str) -> None:
    """Refuse the dev database db.sqlite3 and a PostgreSQL server's own databases."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        if Path(parts.path).name == "db.sqlite3":
            raise BenchError(f"{where} points at the dev database db.sqlite3: refusing")
    elif database_name(url) in SYSTEM_DATABASES:
        raise BenchError(f"{where} names the server's database {database_name(url)!r}: refusing")


def is_postgres(url: str) -> bool:
    return urllib.parse.urlsplit(url).scheme in ("postgres", "postgresql", "pgsql", "psql")


def database_name(url: str) -> str:
    return urllib.parse.unquote(urllib.parse.urlsplit(url).path.lstrip("/"))


def redacted(url: str) -> str:
    """The URL without its password."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{parts.path}"


def pg_connect(url: str, dbname: str | None = None):
    """A psycopg connection to the server of `url` (to `dbname` instead of its database)."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "localhost",
        port=parts.port or 5432,
        user=urllib.parse.unquote(parts.username or "") or None,
        password=urllib.parse.unquote(parts.password or "") or None,
        dbname=dbname or database_name(url),
        connect_timeout=5,
        autocommit=True,
    )


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database of `url` when it does not exist, from the server's
    `postgres` database. True when it was created. (SQLite: migrate creates the file.)"""
    if not is_postgres(url):
        return False
    from psycopg import sql

    name = database_name(url)
    with pg_connect(url, "postgres") as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if found:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    say(f"created the database {name!r}")
    return True


def refuse_foreign_users(url: str) -> None:
    """The bench flushes its database: refuse one holding any user it did not create (an
    e-mail address outside @prenafit.test)."""
    query = (
        f"SELECT COUNT(*) FROM {USER_TABLE} "  # noqa: S608 - a constant table name
        f"WHERE LOWER(email) NOT LIKE '%{BENCH_EMAIL_DOMAIN}'"
    )
    if is_postgres(url):
        with pg_connect(url) as conn:
            if conn.execute("SELECT to_regclass(%s)", [USER_TABLE]).fetchone()[0] is None:
                return
            foreign = conn.execute(query).fetchone()[0]
    elif urllib.parse.urlsplit(url).scheme.startswith("sqlite"):
        import sqlite3

        path = Path(urllib.parse.urlsplit(url).path)
        if not path.exists():
            return
        with contextlib.closing(sqlite3.connect(path)) as conn:
            table = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
            if conn.execute(table, [USER_TABLE]).fetchone() is None:
                return
            foreign = conn.execute(query).fetchone()[0]
    else:
        raise BenchError(f"{redacted(url)}: the bench runs on SQLite or PostgreSQL only")
    if foreign:
        raise BenchError(
            f"{redacted(url)} holds {foreign} user(s) the bench did not create (e-mail outside "
            f"{BENCH_EMAIL_DOMAIN}); the bench flushes its database: refusing. Point "
            "DATABASE_URL (or BENCH_DATABASE_URL) at a database of its own, e.g. "
            "postgres://postgres@127.0.0.1:5432/prenafit_bench (created when missing)."
        )


def redis_url() -> str:
    """The bench's Redis database (flushed): BENCH_REDIS_URL, never database 0."""
    url = os.environ.get("BENCH_REDIS_URL", "").strip() or common.REDIS_URL
    db = urllib.parse.urlsplit(url).path.strip("/") or "0"
    if db == "0":
        raise BenchError(f"BENCH_REDIS_URL {url}: the bench flushes it, so not database 0")
    return url


def redis_flush(url: str) -> None:
    """Empty the bench's Redis database; a RedisError or OSError if it does not answer."""
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10).flushdb()


def child_env(db_url: str, secret_key: str, static_root: Path, cache_url: str = "") -> dict:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": db_url,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PRENAFIT_REQUIRE_STAFF_MFA": "false",
            "ACCOUNT_EMAIL_VERIFICATION": "none",
            "SECURE_SSL_REDIRECT": "false",
            # One key for every process: sessions made by the dataset step are valid in the
            # server and in the in-process step.
            "SECRET_KEY": secret_key,
            "STATIC_ROOT": str(static_root),
            # Nothing measured publishes a task (the 10k dispatcher's publish is replaced by
            # a no-op); an in-memory broker keeps the settings from creating .broker/.
            "CELERY_BROKER_URL": "memory://localhost/",
            # The cache: Redis (the bench's database) as in production when the database is
            # PostgreSQL; empty on SQLite, so the local-memory cache (the development settings
            # would otherwise pick a Redis answering on localhost, database 0).
            "REDIS_URL": cache_url,
            # Persistent database connections, health-checked (read by the settings).
            "CONN_MAX_AGE": str(CONN_MAX_AGE),
            "CONN_HEALTH_CHECKS": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def run_child(args: list[str], env: dict, settings: str, what: str) -> None:
    started = time.perf_counter()
    command = [sys.executable, *args]
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command,
        cwd=common.ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": settings},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(
            f"{what} failed (exit {done.returncode}): {' '.join(args)}\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
        )
    say(f"{what}: {time.perf_counter() - started:.1f} s")


def prepare_database(env: dict, fresh_sqlite: bool, what: str = "") -> None:
    """Create (PostgreSQL), refuse a database with users not the bench's, migrate, flush,
    load the program."""
    url = env["DATABASE_URL"]
    if fresh_sqlite:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    else:
        import sqlite3

        import psycopg

        try:
            ensure_database(url)
            refuse_foreign_users(url)
        except (psycopg.Error, sqlite3.Error, OSError) as exc:
            raise BenchError(f"{redacted(url)}: {exc}") from exc
    local = "config.settings.local"
    run_child(["manage.py", "migrate", "--noinput", "-v", "0"], env, local, f"{what}migrate")
    if not fresh_sqlite:
        run_child(["manage.py", "flush", "--noinput", "-v", "0"], env, local, f"{what}flush")
    load = ["manage.py", "load_program", common.PROGRAM, "--publish"]
    run_child(load, env, local, f"{what}load_program")


# --- the server ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One gunicorn process (one sync worker, one thread) on a free loopback port."""

    def __init__(self, env: dict, log_path: Path):
        self.port = free_port()
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--workers",
                "1",
                "--threads",
                "1",
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            cwd=common.ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.production"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_tail(self) -> str:
        self.log.flush()
        return self.log_path.read_text()[-4000:]

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                status, *_ = request(self.port, "GET", TRIVIAL_PATH)
            except OSError:
                time.sleep(0.2)
                continue
            if status != 404:
                raise BenchError(f"GET {TRIVIAL_PATH} answered {status}:\n{self.log_tail()}")
            return
        raise BenchError(f"gunicorn did not answer within {timeout} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn's graceful shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # the group we started
                self.process.wait(timeout=5)
        self.log.close()


# --- HTTP ------------------------------------------------------------------------------------


def request(
    port: int,
    method: str,
    path: str,
    cookies: dict | None = None,
    form: dict | None = None,
    extra: dict | None = None,
) -> tuple[int, dict, str, float]:
    """One request on a new loopback connection (gunicorn's sync worker closes each one).
    Returns status, headers, body and the client-side wall time in seconds. The request is
    marked as HTTPS (X-Forwarded-Proto, trusted by the production settings) so the secure
    session and CSRF cookies apply as behind the real proxy."""
    headers = {"X-Forwarded-Proto": "https", "Connection": "close", "Accept": "text/html"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers.update(extra or {})
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        elapsed = time.perf_counter() - started
        headers = dict(response.getheaders())
        headers["Set-Cookie"] = response.msg.get_all("Set-Cookie") or []  # each cookie
        return response.status, headers, text, elapsed
    finally:
        connection.close()


def expect(status: int, expected: int, what: str, body: str, headers: dict) -> None:
    if status != expected:
        location = headers.get("Location", "")
        raise BenchError(
            f"{what} answered {status} (expected {expected}) {location}\n{body[:1500]}"
        )


def time_log_session(port: int, data: dict) -> list[float]:
    """POST the log form once per unlogged past session of the measured client (a different
    session each time); the first WARMUP are not counted."""
    cookies = {"sessionid": data["client_session"]}
    sessions = data["unlogged_past_sessions"][: common.WARMUP + common.MEASURED]
    form_path = f"/me/sessions/{sessions[0]['id']}/log/"
    status, headers, body, _ = request(port, "GET", form_path, cookies)
    expect(status, 200, f"GET {form_path}", body, headers)
    jar = SimpleCookie()
    for cookie in headers["Set-Cookie"]:
        jar.load(cookie)
    if "csrftoken" not in jar:
        raise BenchError(f"GET {form_path} set no csrftoken cookie: {headers}")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not match:
        raise BenchError(f"GET {form_path}: no csrfmiddlewaretoken in the form")
    cookies["csrftoken"] = jar["csrftoken"].value
    origin = f"https://127.0.0.1:{port}"
    seconds = []
    for i, session in enumerate(sessions):
        path = f"/me/sessions/{session['id']}/log/"
        form = {
            "csrfmiddlewaretoken": match.group(1),
            "status": "completed",
            "performed_on": session["date"],
            "minutes": "60",
            "rpe": "13",
        }
        extra = {"Origin": origin, "Referer": origin + path}
        status, headers, body, elapsed = request(port, "POST", path, cookies, form, extra)
        expect(status, 302, f"POST {path}", body, headers)
        if not headers.get("Location", "").endswith("/home/"):
            raise BenchError(f"POST {path} redirected to {headers.get('Location')}, not home")
        if i >= common.WARMUP:
            seconds.append(elapsed)
    return seconds


def time_pages(port: int, data: dict) -> dict[str, list[float]]:
    """GET each page WARMUP + MEASURED times, round-robin (every round hits each page once,
    so a slow spell of the machine affects all pages alike)."""
    pt = {"sessionid": data["pt_session"]}
    her = {"sessionid": data["client_session"]}
    client_id = data["measured_client_id"]
    pages = {
        # name: (cookies, path, expected status, a text the page must contain)
        "trivial": (None, TRIVIAL_PATH, 404, "Not Found"),
        "pt_dashboard": (pt, "/home/", 200, "Bench Client 0"),
        "client_page": (pt, f"/pt/clients/{client_id}/", 200, "Bench Client 000</h1>"),
        "client_home": (her, "/home/", 200, "Hello, Bench"),
        "progress": (her, "/me/progress/", 200, "Your progress"),
    }
    seconds: dict[str, list[float]] = {name: [] for name in pages}
    for round_ in range(common.WARMUP + common.MEASURED):
        for name, (cookies, path, expected, marker) in pages.items():
            status, headers, body, elapsed = request(port, "GET", path, cookies)
            expect(status, expected, f"{name}: GET {path}", body, headers)
            if round_ == 0 and marker not in body:
                raise BenchError(f"{name}: GET {path} does not contain {marker!r}")
            if round_ >= common.WARMUP:
                seconds[name].append(elapsed)
    return seconds


# --- the report ------------------------------------------------------------------------------


# --- reminder_dispatch_100k ------------------------------------------------------------------


def dispatch_100k(workdir: Path, secret_key: str, main_url: str) -> dict:
    """reminder_dispatch_100k, in a PostgreSQL database of its own (BENCH_100K_DATABASE_URL,
    else prenafit_bench_100k on 127.0.0.1) with the bench's Redis database as the broker:
    build 100,000 reminder clients, run one pass that publishes every task, check the queue
    holds them all, purge it. {"skipped_because": why} when PostgreSQL or Redis cannot be
    reached."""
    import psycopg
    import redis

    where = "BENCH_100K_DATABASE_URL"
    url = os.environ.get(where, "").strip() or common.DISPATCH_DATABASE_URL
    check_not_precious(url, where)
    if not is_postgres(url):
        return {"skipped_because": f"{where} {redacted(url)} is not a PostgreSQL database"}
    if redacted(url) == redacted(main_url):
        raise BenchError(f"{where} is the main bench database {redacted(url)}: use another")
    cache = redis_url()
    try:
        redis_flush(cache)
    except (redis.RedisError, OSError) as exc:
        return {"skipped_because": f"Redis {redacted(cache)} does not answer ({exc})"}
    try:
        ensure_database(url)
    except psycopg.OperationalError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return {"skipped_because": f"PostgreSQL {redacted(url)} cannot be reached ({first_line})"}
    say(f"reminder_dispatch_100k: {redacted(url)}, broker {redacted(cache)}")
    env = child_env(url, secret_key, workdir / "static", cache_url=cache)
    prepare_database(env, fresh_sqlite=False, what="100k: ")
    dataset_json = workdir / "dataset-100k.json"
    build = ["-m", "bench.dataset", "--dispatch", str(common.N_DISPATCH_CLIENTS), str(dataset_json)]
    run_child(build, env, "config.settings.local", "100k: dataset")
    data = common.read_json(dataset_json)
    redis_flush(cache)  # an empty queue before the pass
    out_json = workdir / "dispatch-100k.json"
    run_child(
        ["-m", "bench.inprocess", "--dispatch", str(dataset_json), str(out_json)],
        {**env, "CELERY_BROKER_URL": cache},
        "config.settings.production",
        "100k: dispatcher pass",
    )
    out = common.read_json(out_json)
    redis_flush(cache)
    n = common.N_DISPATCH_CLIENTS
    problems = []
    if out["reminder_clients_upcoming"] != n or out["created"] != n:
        problems.append(f"created {out['created']} deliveries for {n} clients")
    if out["enqueued"] != out["created"] or out["enqueue_failed"]:
        problems.append(f"enqueued {out['enqueued']}, {out['enqueue_failed']} not enqueued")
    if out["queue_length_after"] != out["enqueued"]:
        problems.append(
            f"the queue {out['queue']!r} held {out['queue_length_after']} messages after the "
            f"pass, for {out['enqueued']} enqueued"
        )
    if out["queue_length_after_purge"]:
        problems.append(f"{out['queue_length_after_purge']} messages left after the purge")
    if problems:
        raise BenchError("reminder_dispatch_100k: " + "; ".join(problems))
    return {
        **out,
        "database": redacted(url),
        "broker": redacted(cache),
        "dispatch_now": data["dispatch_now"],
        "dataset": data["counts"],
        "build_seconds": data["build_seconds"],
    }


# --- the report ------------------------------------------------------------------------------


def dispatch_row(name: str, sweep: dict) -> dict:
    """A dispatcher pass as a figure: its time (also as median and p95 of one sample, beside
    the other figures), what it did, its queries and the process's memory."""
    if "skipped_because" in sweep:
        return {
            "name": name,
            "kind": "in-process",
            "skipped_because": sweep["skipped_because"],
            "median_ms": None,
            "p95_ms": None,
            "samples": 0,
            "queries": None,
            "ratio": None,
            "seconds": None,
        }
    total_ms = round(sweep["seconds"] * 1000, 1)
    return {
        "name": name,
        "kind": "in-process",
        "median_ms": total_ms,
        "p95_ms": total_ms,
        "samples": 1,
        "queries": sweep["queries"],
        "ratio": None,
        "seconds": round(sweep["seconds"], 2),
        "created": sweep["created"],
        "enqueued": sweep["enqueued"],
        "published": sweep["published"],
        "batch_size": sweep["batch_size"],
        "max_queries_per_batch": sweep["max_queries_per_batch"],
        "max_queries_per_find_batch": sweep["max_queries_per_find_batch"],
        "max_queries_per_enqueue_batch": sweep["max_queries_per_enqueue_batch"],
        "rss_before_mb": sweep["rss_before_mb"],
        "peak_rss_mb": sweep["peak_rss_mb"],
    }


def figures(http_seconds: dict, inproc: dict, sweep_100k: dict) -> list[dict]:
    rows = []
    for name, seconds in http_seconds.items():
        rows.append(
            {
                "name": name,
                "kind": "http",
                **common.summary_ms(seconds),
                "queries": inproc["pages"][name]["queries"],
            }
        )
    trivial = next(r for r in rows if r["name"] == "trivial")["median_ms"]
    for row in rows:
        row["ratio"] = round(row["median_ms"] / trivial, 2)
    enrol = inproc["schedule_generation"]
    rows.append(
        {
            "name": "schedule_generation",
            "kind": "in-process",
            "median_ms": enrol["median_ms"],
            "p95_ms": enrol["p95_ms"],
            "samples": enrol["samples"],
            "queries": enrol["queries"],
            "ratio": None,
        }
    )
    rows.append(dispatch_row("reminder_dispatch_10k", inproc["reminder_dispatch"]))
    rows.append(dispatch_row("reminder_dispatch_100k", sweep_100k))
    return rows


def print_table(rows: list[dict]) -> None:
    def number(value, width: int, digits: int = 1) -> str:
        return f"{'-':>{width}}" if value is None else f"{value:>{width}.{digits}f}"

    print()
    print(f"{'name':<24}{'median (ms)':>12}{'p95 (ms)':>12}{'queries':>9}{'ratio':>8}")
    print("-" * 65)
    for r in rows:
        if r.get("skipped_because"):
            print(f"{r['name']:<24}{'skipped':>12}")
            continue
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.1f}x"
        print(
            f"{r['name']:<24}{number(r['median_ms'], 12)}{number(r['p95_ms'], 12)}"
            f"{r['queries']:>9}{ratio:>8}"
        )
    print()


def check_targets(rows: list[dict]) -> list[dict]:
    by_name = {r["name"]: r for r in rows}
    results = []
    for name, limit, what in TARGETS:
        row = by_name[name]
        value = row.get(what)
        if value is None:
            text = f"{name} under {limit:g} s: skipped ({row.get('skipped_because', 'no figure')})"
            results.append({"target": text, "value": None, "limit": limit, "holds": None})
            continue
        if what == "ratio":
            text = f"{name} within {limit:g}x of trivial: {value:.1f}x"
        elif what == "seconds":
            text = f"{name} under {limit:g} s: {value:.1f} s"
        else:
            text = f"{name} median under {limit:g} ms: {value:.1f} ms"
        results.append({"target": text, "value": value, "limit": limit, "holds": value < limit})
    return results


def server_text(server: dict) -> str:
    """The database, its connection settings and the cache, as the server ran with them."""
    if server["engine"] == "postgresql":
        engine = (
            f"PostgreSQL {server['server_version']} (max_connections {server['max_connections']}"
            f", shared_buffers {server['shared_buffers']}, synchronous_commit "
            f"{server['synchronous_commit']})"
        )
    elif server["engine"] == "sqlite":
        engine = (
            f"SQLite {server['server_version']} (journal_mode {server['journal_mode']}, "
            f"synchronous {server.get('synchronous', '?')})"
        )
    else:
        engine = f"{server['engine']} {server['server_version']}"
    cache = server["cache_backend"].rsplit(".", 1)[-1]
    if server["cache_location"]:
        cache = f"{cache} at {server['cache_location']}"
    return (
        f"{engine}; CONN_MAX_AGE={server['conn_max_age']}, "
        f"CONN_HEALTH_CHECKS={server['conn_health_checks']}; cache {cache}"
    )


def dispatch_note(name: str, sweep: dict, clients: int) -> str:
    if "skipped_because" in sweep:
        return f"{name}: skipped: {sweep['skipped_because']}."
    published = (
        f"published to {sweep['broker']} through Celery, the queue then held "
        f"{sweep['queue_length_after']} messages (purged)"
        if sweep["published"] == "broker"
        else "the publish is a no-op"
    )
    where = f" in {sweep['database']}" if sweep.get("database") else ""
    return (
        f"{name}: one pass{where} at {sweep['dispatch_now']} for {clients} reminder clients "
        f"took {sweep['seconds']:.1f} s: created {sweep['created']} deliveries "
        f"({sweep['skipped']} skipped), enqueued {sweep['enqueued']} ({published}); "
        f"{sweep['reminder_clients_upcoming']} are the reminder clients' upcoming-session "
        f"reminders. {sweep['queries']} queries over {sweep['batches']} batches of up to "
        f"{sweep['batch_size']} rows: at most {sweep['max_queries_per_find_batch']} per batch "
        f"found and recorded (its read included), {sweep['max_queries_per_enqueue_batch']} per "
        f"batch enqueued. Memory (RSS): {sweep['rss_before_mb']} MB before the pass, peak "
        f"{sweep['peak_rss_mb']} MB ({sweep['peak_rss_is']})."
    )


def print_notes(
    data: dict,
    inproc: dict,
    sweep_100k: dict,
    targets: list[dict],
    db_label: str,
    machine: dict,
) -> None:
    print("Targets (SPEC section 10, issue 19):")
    for t in targets:
        state = "skip  " if t["holds"] is None else "holds " if t["holds"] else "MISSED"
        print(f"  {state}  {t['target']}")
    print()
    sweep = {**inproc["reminder_dispatch"], "dispatch_now": data["dispatch_now"]}
    enrol = inproc["schedule_generation"]
    counts = data["counts"]
    notes = [
        f"Server: one gunicorn process (1 sync worker, 1 thread) with the production settings "
        f"(config.settings.production with a temporary STATIC_ROOT) on {db_label}: "
        f"{server_text(inproc['server'])}.",
        f"Machine: {machine['cpus']} CPUs; 1-minute load average "
        f"{machine['load_1min_before_http']} before the HTTP timings and "
        f"{machine['load_1min_after_http']} after. Other work on the machine skews the figures.",
        f"HTTP figures: client-side wall time of each request on loopback (a new connection "
        f"per request, as gunicorn's sync worker closes each), {common.MEASURED} measured "
        f"after {common.WARMUP} warm-up; GET pages round-robin, after the log_session POSTs. "
        "Queries: counted in-process with Django's test Client and CaptureQueriesContext, "
        "same users and session cookies.",
        TRIVIAL_WHY,
        f"Dataset: 1 PT with {counts['pt_clients']} linked clients at weeks 20-38 "
        f"({counts['pt_client_sessions']} sessions, {counts['pt_client_logs']} logs, "
        f"{counts['pt_client_assessments']} assessments) and {common.N_REMINDER_CLIENTS} "
        f"unlinked reminder clients: {counts['users']} users and "
        f"{counts['scheduled_sessions']} sessions in all, built in {data['build_seconds']} s.",
        f"Measured client (week {common.MEASURED_CLIENT_WEEK}): "
        f"{counts['measured_client_sessions']} sessions, "
        f"{counts['measured_client_past_sessions']} of them past, "
        f"{inproc['logs_of_measured_client_after_posts']} logs once the POSTs are done.",
        f"schedule_generation: enrolment_create for {enrol['samples']} fresh clients at "
        f"{common.ENROLMENT_WEEK}+0 ({'/'.join(map(str, enrol['sessions_per_enrolment']))} "
        f"sessions each) after {common.ENROLMENT_WARMUP} warm-up runs.",
        dispatch_note("reminder_dispatch_10k", sweep, common.N_REMINDER_CLIENTS),
        dispatch_note("reminder_dispatch_100k", sweep_100k, common.N_DISPATCH_CLIENTS),
    ]
    if "skipped_because" not in sweep_100k:
        notes.append(
            f"reminder_dispatch_100k dataset: {sweep_100k['dataset']['users']} users, "
            f"{sweep_100k['dataset']['scheduled_sessions']} sessions, built (untimed) in "
            f"{sweep_100k['build_seconds']} s; the pass runs with "
            f"{server_text(sweep_100k['server'])}."
        )
    for name, page in inproc["pages"].items():
        for rep in page["repeated_sql"]:
            notes.append(f"{name}: one statement ran {rep['times']} times: {rep['sql'][:160]}")
    print("Notes:")
    for note in notes:
        print(textwrap.fill(note, width=100, initial_indent="  - ", subsequent_indent="    "))
    print()


def main() -> int:
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="prenafit-bench-"))
    server = None
    try:
        db_url, fresh_sqlite, source = database_url()
        db_label = "SQLite bench/bench.sqlite3" if fresh_sqlite else redacted(db_url)
        cache_url = ""
        if is_postgres(db_url):
            import redis

            # As in production: Redis is the server's cache (the bench's own database).
            cache_url = redis_url()
            try:
                redis_flush(cache_url)
            except (redis.RedisError, OSError) as exc:
                raise BenchError(
                    f"Redis {redacted(cache_url)} (the server's cache on PostgreSQL) does not "
                    f"answer: {exc}"
                ) from exc
        secret_key = secrets.token_urlsafe(50)
        env = child_env(db_url, secret_key, workdir / "static", cache_url=cache_url)
        say(f"database: {db_label} (from {source})")
        prepare_database(env, fresh_sqlite)
        dataset_json = workdir / "dataset.json"
        run_child(
            ["-m", "bench.dataset", str(dataset_json)], env, "config.settings.local", "dataset"
        )
        data = common.read_json(dataset_json)
        run_child(
            ["manage.py", "collectstatic", "--noinput", "-v", "0"],
            env,
            "config.settings.production",
            "collectstatic",
        )

        server = Server(env, workdir / "gunicorn.log")
        server.wait_ready()
        say(f"gunicorn on 127.0.0.1:{server.port} (pid {server.process.pid})")
        t = time.perf_counter()
        load_before = os.getloadavg()[0]
        http_seconds = {"log_session": time_log_session(server.port, data)}
        http_seconds = {**time_pages(server.port, data), **http_seconds}
        machine = {
            "cpus": os.cpu_count(),
            "load_1min_before_http": round(load_before, 2),
            "load_1min_after_http": round(os.getloadavg()[0], 2),
        }
        say(f"HTTP timings: {time.perf_counter() - t:.1f} s")
        server.stop()
        server = None

        inproc_json = workdir / "inprocess.json"
        run_child(
            ["-m", "bench.inprocess", str(dataset_json), str(inproc_json)],
            env,
            "config.settings.production",
            "in-process figures",
        )
        inproc = common.read_json(inproc_json)
        sweep = inproc["reminder_dispatch"]
        if sweep["reminder_clients_upcoming"] < common.N_REMINDER_CLIENTS:
            raise BenchError(
                f"the dispatcher created {sweep['reminder_clients_upcoming']} upcoming-session "
                f"reminders for the {common.N_REMINDER_CLIENTS} reminder clients"
            )
        if sweep["created"] < common.N_REMINDER_CLIENTS:
            raise BenchError(f"the dispatcher created only {sweep['created']} deliveries")

        sweep_100k = dispatch_100k(workdir, secret_key, db_url)
        if "skipped_because" in sweep_100k:
            say(f"reminder_dispatch_100k skipped: {sweep_100k['skipped_because']}")

        rows = figures(http_seconds, inproc, sweep_100k)
        targets = check_targets(rows)
        print_table(rows)
        print_notes(data, inproc, sweep_100k, targets, db_label, machine)
        total = time.perf_counter() - started
        common.write_json(
            RESULTS,
            {
                "figures": rows,
                "targets": targets,
                "trivial": TRIVIAL_WHY,
                "database": db_label,
                "database_from": source,
                "server": {
                    **inproc["server"],
                    "gunicorn": "1 sync worker, 1 thread",
                    "settings": "config.settings.production",
                },
                "machine": machine,
                "dataset": data["counts"],
                "page_queries": inproc["pages"],
                "schedule_generation": inproc["schedule_generation"],
                "reminder_dispatch": sweep,
                "reminder_dispatch_100k": sweep_100k,
                "total_seconds": round(total, 1),
            },
        )
        say(f"wrote {RESULTS.relative_to(common.ROOT)}; total {total:.0f} s")
        return 0
    except BenchError as exc:
        print(f"[bench] FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
