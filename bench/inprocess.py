"""The in-process figures, run by bench/run.py after the HTTP timings, as
`python -m bench.inprocess DATASET.json OUT.json`, with the server's settings
(config.settings.production) against the same bench database:

- the SQL query count of each measured page, through Django's test Client with the same
  users and session cookies as the HTTP benchmark (CaptureQueriesContext);
- schedule_generation: tracker.services.enrolment_create for fresh clients (about 70
  sessions each), timed, and its query count;
- reminder_dispatch_10k: one dispatcher pass when the 10,000 reminder clients' session
  reminders are due, with tracker.tasks.enqueue_delivery replaced by a no-op (no broker);
- the database, cache and connection settings the server ran with.

`python -m bench.inprocess --dispatch DATASET.json OUT.json` is reminder_dispatch_100k instead,
in a process of its own against the 100k database: one pass that really publishes each task
to the Redis broker (CELERY_BROKER_URL), then the queue's length is checked and it is purged.

Queries of a pass are counted by an execute wrapper (counted, not kept: keeping 100,000 rows'
worth of SQL would be measured as the pass's memory). Memory: the process's RSS just before the
pass and its peak during it (the kernel's high-water mark, reset before the pass).
"""

import datetime as dt
import sys
import time
from collections import Counter

import django

from bench import common


def _client(session_key: str | None):
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    if session_key:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


def _repeated(queries, at_least: int = 5) -> list[dict]:
    """SQL statements run `at_least` times or more in one request (an N+1 shows up here)."""
    counts = Counter(q["sql"] for q in queries)
    return [{"times": n, "sql": sql[:300]} for sql, n in counts.most_common() if n >= at_least]


def page_queries(data: dict) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pt = _client(data["pt_session"])
    her = _client(data["client_session"])
    anonymous = _client(None)
    client_id = data["measured_client_id"]
    spare = data["unlogged_past_sessions"][-1]  # not used by the HTTP benchmark
    log_data = {
        "status": "completed",
        "performed_on": spare["date"],
        "minutes": "60",
        "rpe": "13",
    }
    pages = {
        "trivial": (anonymous, "get", "/exercises/zz-no-such-exercise/", None, 404),
        "pt_dashboard": (pt, "get", "/home/", None, 200),
        "client_page": (pt, "get", f"/pt/clients/{client_id}/", None, 200),
        "client_home": (her, "get", "/home/", None, 200),
        "progress": (her, "get", "/me/progress/", None, 200),
        "log_session": (her, "post", f"/me/sessions/{spare['id']}/log/", log_data, 302),
    }
    out = {}
    for name, (client, method, path, body, expected) in pages.items():
        warm_path = f"/me/sessions/{spare['id']}/log/" if method == "post" else path
        client.get(warm_path, secure=True)  # warm per-process caches, as the server's warm-up
        with CaptureQueriesContext(connection) as ctx:
            if method == "post":
                response = client.post(path, body, secure=True)
            else:
                response = client.get(path, secure=True)
        if response.status_code != expected:
            raise SystemExit(
                f"in-process {name}: {method.upper()} {path} answered "
                f"{response.status_code}, expected {expected}"
            )
        if method == "post" and "/stop/" in response.get("Location", ""):
            raise SystemExit(f"in-process {name}: the log was recorded with a warning sign")
        out[name] = {
            "queries": len(ctx.captured_queries),
            "status": response.status_code,
            "repeated_sql": _repeated(ctx.captured_queries),
        }
    return out


def schedule_generation(today: dt.date) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tracker import services
    from tracker.models import ScheduledSession, ScreeningQuestion
    from users.models import User

    answers = {key: False for key in ScreeningQuestion.objects.values_list("key", flat=True)}
    due = today + dt.timedelta(days=280 - 7 * common.ENROLMENT_WEEK)
    total = common.ENROLMENT_WARMUP + common.ENROLMENT_RUNS + 1
    clients = []
    for i in range(total):
        client = User.objects.create(
            email=f"bench-enrol-{i:03d}@prenafit.test",
            full_name=f"Enrolment Client {i:03d}",
            time_zone=common.TIME_ZONE,
            password="!bench-no-password",  # noqa: S106 - an unusable password
        )
        services.pregnancy_save(client=client, due_date=due, lmp_date=None, today=today)
        services.screening_submit(client=client, answers=answers, today=today)
        clients.append(client)

    def enrol(client):
        return services.enrolment_create(
            client=client,
            weekdays=[0, 2, 4],
            start_time=dt.time(18, 0),
            time_zone=common.TIME_ZONE,
            today=today,
        )

    seconds = []
    for i, client in enumerate(clients[:-1]):
        started = time.perf_counter()
        enrol(client)
        elapsed = time.perf_counter() - started
        if i >= common.ENROLMENT_WARMUP:
            seconds.append(elapsed)
    with CaptureQueriesContext(connection) as ctx:
        enrol(clients[-1])
    sessions = [ScheduledSession.objects.filter(client=c).count() for c in clients]
    return {
        **common.summary_ms(seconds),
        "queries": len(ctx.captured_queries),
        "sessions_per_enrolment": sorted(set(sessions)),
        "repeated_sql": _repeated(ctx.captured_queries, at_least=2),
    }


def reminder_dispatch(now: dt.datetime, publish: bool = False) -> dict:
    """One reminders_dispatch pass at `now`, timed, with its queries counted per batch and
    the process's memory around it. publish=False replaces tracker.tasks.enqueue_delivery
    by a no-op (every publish succeeds); True publishes through the configured broker."""
    from django.db import connection
    from django.db.models import Count

    from tracker import tasks
    from tracker.models import Delivery, ReminderKind
    from tracker.reminders import dispatch

    original_batches = dispatch._batches
    original_enqueue = tasks.enqueue_delivery
    queries = 0
    # The queries of each batch: reading it, then processing it (recording the found
    # reminders, or publishing and marking the rows) until the next batch is asked for.
    per_batch: dict[str, list[int]] = {"find": [], "enqueue": []}
    batches: list[int] = []  # the size of each batch

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    def counted_batches(queryset, size=None):
        stage = "enqueue" if queryset.model is Delivery else "find"
        mark = queries
        for rows in original_batches(queryset, size):
            batches.append(len(rows))
            yield rows
            per_batch[stage].append(queries - mark)
            mark = queries

    if not publish:
        tasks.enqueue_delivery = lambda delivery_id: True  # no broker: every publish succeeds
    dispatch._batches = counted_batches
    connection.ensure_connection()
    rss_before = common.rss_mb()
    peak_reset = common.reset_peak_rss()
    try:
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            result = dispatch.reminders_dispatch(now=now)
            elapsed = time.perf_counter() - started
    finally:
        dispatch._batches = original_batches
        tasks.enqueue_delivery = original_enqueue
    peak = common.peak_rss_mb()
    by_kind = dict(Delivery.objects.values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    reminder_upcoming = Delivery.objects.filter(
        kind=ReminderKind.SESSION_UPCOMING,
        recipient__email__startswith="bench-reminder-",
        status=Delivery.Status.PENDING,
    ).count()
    return {
        "seconds": elapsed,
        "queries": queries,
        "batches": len(batches),
        "batch_size": dispatch.BATCH,
        "largest_batch": max(batches, default=0),
        "max_queries_per_batch": max(per_batch["find"] + per_batch["enqueue"], default=0),
        "max_queries_per_find_batch": max(per_batch["find"], default=0),
        "max_queries_per_enqueue_batch": max(per_batch["enqueue"], default=0),
        "created": result.created,
        "skipped": result.skipped,
        "enqueued": result.enqueued,
        "enqueue_failed": result.enqueue_failed,
        "published": "broker" if publish else "no-op",
        "deliveries_by_kind": by_kind,
        "reminder_clients_upcoming": reminder_upcoming,
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak,
        "peak_rss_is": "peak during the pass" if peak_reset else "peak over the process's life",
    }


def server_settings() -> dict:
    """What the server ran with (the same settings and environment as this process): the
    database engine and version (PostgreSQL: a few server settings), its connection settings
    and the cache backend."""
    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    cache = settings.CACHES["default"]
    out = {
        "engine": connection.vendor,
        "conn_max_age": db.get("CONN_MAX_AGE"),
        "conn_health_checks": db.get("CONN_HEALTH_CHECKS"),
        "cache_backend": cache["BACKEND"],
        "cache_location": _redacted(str(cache.get("LOCATION", ""))),
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in ("server_version", "max_connections", "shared_buffers"):
                cursor.execute(f"SHOW {name}")
                out[name] = cursor.fetchone()[0]
            cursor.execute("SHOW synchronous_commit")
            out["synchronous_commit"] = cursor.fetchone()[0]
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            out["server_version"] = cursor.fetchone()[0]
            cursor.execute("PRAGMA journal_mode")
            out["journal_mode"] = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous")
            out["synchronous"] = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(
                cursor.fetchone()[0], "?"
            )
        else:
            out["server_version"] = ".".join(map(str, connection.get_database_version()))
    return out


def _redacted(url: str) -> str:
    """A URL without its password."""
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    if not parts.password:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username or ''}@{host}"))


def dispatch_100k(dataset_path: str, out_path: str) -> None:
    """reminder_dispatch_100k: one pass that publishes every task to the broker; then the
    broker's queue must hold exactly the tasks enqueued. The queue is purged afterwards (no
    worker consumes it)."""
    django.setup()
    import redis
    from django.conf import settings

    from config.celery import app

    data = common.read_json(dataset_path)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2)
    queue = app.conf.task_default_queue
    waiting_before = broker.llen(queue)
    if waiting_before:
        raise SystemExit(f"the broker's queue {queue!r} already holds {waiting_before} messages")
    out = reminder_dispatch(dt.datetime.fromisoformat(data["dispatch_now"]), publish=True)
    out["queue"] = queue
    out["queue_length_after"] = broker.llen(queue)
    out["purged"] = app.control.purge()
    out["queue_length_after_purge"] = broker.llen(queue)
    out["server"] = server_settings()
    common.write_json(out_path, out)


def main(dataset_path: str, out_path: str) -> None:
    django.setup()
    from tracker.models import SessionLog

    data = common.read_json(dataset_path)
    today = dt.date.fromisoformat(data["today"])
    out = {
        "logs_of_measured_client_after_posts": SessionLog.objects.filter(
            client_id=data["measured_client_id"]
        ).count(),
        "pages": page_queries(data),
        "schedule_generation": schedule_generation(today),
        "reminder_dispatch": reminder_dispatch(dt.datetime.fromisoformat(data["dispatch_now"])),
        "server": server_settings(),
    }
    common.write_json(out_path, out)


if __name__ == "__main__":
    if sys.argv[1] == "--dispatch":
        dispatch_100k(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1], sys.argv[2])
