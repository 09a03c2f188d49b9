"""The in-process figures, run by bench/run.py after the HTTP timings, as
`python -m bench.inprocess DATASET.json OUT.json`, with the server's settings
(config.settings.production) against the same bench database:

- the SQL query count of each measured page, through Django's test Client with the same
  users and session cookies as the HTTP benchmark (CaptureQueriesContext);
- schedule_generation: tracker.services.enrolment_create for fresh clients (about 70
  sessions each), timed, and its query count;
- reminder_dispatch_10k: one dispatcher pass when the 10,000 reminder clients' session
  reminders are due, with tracker.tasks.enqueue_delivery replaced by a no-op (no broker).
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


def reminder_dispatch(now: dt.datetime) -> dict:
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from tracker import tasks
    from tracker.models import Delivery, ReminderKind
    from tracker.reminders import dispatch

    original_batches = dispatch._batches
    marks: list[int] = []  # the query count each time a batch is handed out, and at the end
    batches = []  # the size of each batch
    ctx = CaptureQueriesContext(connection)

    def counted_batches(queryset, size=dispatch.BATCH):
        for rows in original_batches(queryset, size):
            marks.append(len(ctx.captured_queries))
            batches.append(len(rows))
            yield rows

    tasks.enqueue_delivery = lambda delivery_id: True  # no broker: every publish succeeds
    dispatch._batches = counted_batches
    try:
        with ctx:
            started = time.perf_counter()
            result = dispatch.reminders_dispatch(now=now)
            elapsed = time.perf_counter() - started
            marks.append(len(ctx.captured_queries))
    finally:
        dispatch._batches = original_batches
    # Queries from handing out one batch to handing out the next (or the end): processing
    # that batch (record, enqueue) and reading the next one.
    per_batch = [b - a for a, b in zip(marks, marks[1:], strict=False)]
    by_kind = dict(Delivery.objects.values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    reminder_upcoming = Delivery.objects.filter(
        kind=ReminderKind.SESSION_UPCOMING,
        recipient__email__startswith="bench-reminder-",
        status=Delivery.Status.PENDING,
    ).count()
    return {
        "seconds": elapsed,
        "queries": len(ctx.captured_queries),
        "batches": len(batches),
        "largest_batch": max(batches, default=0),
        "max_queries_per_batch": max(per_batch, default=0),
        "created": result.created,
        "skipped": result.skipped,
        "enqueued": result.enqueued,
        "enqueue_failed": result.enqueue_failed,
        "deliveries_by_kind": by_kind,
        "reminder_clients_upcoming": reminder_upcoming,
    }


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
    }
    common.write_json(out_path, out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
