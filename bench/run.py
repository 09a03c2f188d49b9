"""`make bench`: build a dataset in a separate database, start one gunicorn process against
it, time real HTTP requests, count each page's SQL queries in-process, time schedule
generation and a 10,000-client reminder sweep, then print a table and write
bench/results.json. See bench/README.md.

The database is a fresh SQLite file, bench/bench.sqlite3 (never the dev db.sqlite3), or the
database named by BENCH_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/bench), which
is migrated and then flushed.
"""

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
TARGETS = [  # (figure, limit, what) from SPEC section 10
    ("pt_dashboard", 5.0, "ratio"),
    ("client_home", 3.0, "ratio"),
    ("progress", 3.0, "ratio"),
    ("client_page", 3.0, "ratio"),
    ("schedule_generation", 50.0, "median_ms"),
]


class BenchError(Exception):
    pass


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# --- the database and the child processes -----------------------------------------------


def database_url() -> tuple[str, bool]:
    """(url, is_the_default_sqlite_file)."""
    url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{SQLITE_FILE}", True
    if url.startswith("sqlite") and url.rstrip("/").endswith("/db.sqlite3"):
        raise BenchError("BENCH_DATABASE_URL points at the dev database db.sqlite3: refusing")
    return url, False


def redacted(url: str) -> str:
    """The URL without its password."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{parts.path}"


def child_env(db_url: str, secret_key: str, static_root: Path) -> dict:
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
            # Nothing measured publishes a task (the dispatcher's publish is replaced by a
            # no-op); an in-memory broker keeps the settings from creating .broker/.
            "CELERY_BROKER_URL": "memory://localhost/",
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


def prepare_database(env: dict, fresh_sqlite: bool) -> None:
    if fresh_sqlite:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{SQLITE_FILE}{suffix}").unlink(missing_ok=True)
    local = "config.settings.local"
    run_child(["manage.py", "migrate", "--noinput", "-v", "0"], env, local, "migrate")
    if not fresh_sqlite:
        run_child(["manage.py", "flush", "--noinput", "-v", "0"], env, local, "flush")
    load = ["manage.py", "load_program", common.PROGRAM, "--publish"]
    run_child(load, env, local, "load_program")


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


def figures(http_seconds: dict, inproc: dict) -> list[dict]:
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
    sweep = inproc["reminder_dispatch"]
    total_ms = round(sweep["seconds"] * 1000, 1)
    rows.append(
        {
            "name": "reminder_dispatch_10k",
            "kind": "in-process",
            "median_ms": total_ms,
            "p95_ms": total_ms,
            "samples": 1,
            "queries": sweep["queries"],
            "ratio": None,
        }
    )
    return rows


def print_table(rows: list[dict]) -> None:
    print()
    print(f"{'name':<24}{'median (ms)':>12}{'p95 (ms)':>12}{'queries':>9}{'ratio':>8}")
    print("-" * 65)
    for r in rows:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.1f}x"
        print(
            f"{r['name']:<24}{r['median_ms']:>12.1f}{r['p95_ms']:>12.1f}{r['queries']:>9}{ratio:>8}"
        )
    print()


def check_targets(rows: list[dict]) -> list[dict]:
    by_name = {r["name"]: r for r in rows}
    results = []
    for name, limit, what in TARGETS:
        value = by_name[name][what]
        if what == "ratio":
            text = f"{name} within {limit:g}x of trivial: {value:.1f}x"
        else:
            text = f"{name} median under {limit:g} ms: {value:.1f} ms"
        results.append({"target": text, "value": value, "limit": limit, "holds": value < limit})
    return results


def print_notes(
    data: dict, inproc: dict, targets: list[dict], db_label: str, machine: dict
) -> None:
    print("Targets (SPEC section 10):")
    for t in targets:
        print(f"  {'holds ' if t['holds'] else 'MISSED'}  {t['target']}")
    print()
    sweep = inproc["reminder_dispatch"]
    enrol = inproc["schedule_generation"]
    counts = data["counts"]
    notes = [
        f"Server: one gunicorn process (1 sync worker, 1 thread) with the production settings "
        f"(config.settings.production with a temporary STATIC_ROOT) on {db_label}.",
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
        f"reminder_dispatch_10k: one pass at {data['dispatch_now']} created "
        f"{sweep['created']} deliveries ({sweep['skipped']} skipped), enqueued "
        f"{sweep['enqueued']} (the publish is a no-op); "
        f"{sweep['reminder_clients_upcoming']} are the reminder clients' upcoming-session "
        f"reminders. {sweep['queries']} queries over {sweep['batches']} batches of up to "
        f"{sweep['largest_batch']} rows: at most {sweep['max_queries_per_batch']} per batch.",
    ]
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
        db_url, fresh_sqlite = database_url()
        db_label = "SQLite bench/bench.sqlite3" if fresh_sqlite else redacted(db_url)
        env = child_env(db_url, secrets.token_urlsafe(50), workdir / "static")
        say(f"database: {db_label}")
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

        rows = figures(http_seconds, inproc)
        targets = check_targets(rows)
        print_table(rows)
        print_notes(data, inproc, targets, db_label, machine)
        total = time.perf_counter() - started
        common.write_json(
            RESULTS,
            {
                "figures": rows,
                "targets": targets,
                "trivial": TRIVIAL_WHY,
                "database": db_label,
                "machine": machine,
                "dataset": data["counts"],
                "page_queries": inproc["pages"],
                "schedule_generation": inproc["schedule_generation"],
                "reminder_dispatch": sweep,
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
