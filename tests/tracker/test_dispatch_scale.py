"""The dispatcher at scale (issue 19): its queries are per batch and its memory is bounded
by the batch size, never by the number of clients; the tasks of a batch are published
together, and a batch the broker did not take waits, whole, for the next pass. `make bench`
measures the same with 10,000 and 100,000 clients (reminder_dispatch_10k and _100k)."""

import datetime as dt
import gc
import tracemalloc
from contextlib import contextmanager

import pytest

from tests.clock import pin
from tests.factories import build_program_version
from tracker.models import (
    Delivery,
    Enrolment,
    NotificationSettings,
    PregnancyProfile,
    PushSubscription,
    ReminderKind,
    ScheduledSession,
)
from tracker.reminders import dispatch
from tracker.reminders.dispatch import reminders_dispatch
from tracker.reminders.timing import session_start
from users.models import User

NOW = dt.datetime(2027, 3, 24, 3, 0, tzinfo=dt.UTC)  # Wednesday, 04:00 in Madrid
TODAY = NOW.date()
SESSION_DAY = TODAY + dt.timedelta(days=1)
START = dt.time(12, 0)
# Half an hour before tomorrow's 12:00 sessions: each one's 60-minute reminder is due.
DUE_NOW = session_start(SESSION_DAY, START, "Europe/Madrid") - dt.timedelta(minutes=30)

pytestmark = [pytest.mark.django_db, pin(NOW)]


@pytest.fixture
def version():
    return build_program_version(slug="aparicio2023", prescriptions_per_block=1)


def reminder_clients(version, n: int, first: int = 0) -> list[User]:
    """`n` clients at week 25, each with one session tomorrow at 12:00 in Madrid, built in
    bulk as bench/dataset.py does (no schedule of 70 sessions each)."""
    phase = version.phases.order_by("order").first()
    template = phase.templates.order_by("order").first()
    due = TODAY + dt.timedelta(days=280 - 7 * 25)
    users = User.objects.bulk_create(
        User(
            email=f"scale-{i}@example.test",
            full_name=f"Scale {i}",
            time_zone="Europe/Madrid",
            password="!unusable",  # noqa: S106
        )
        for i in range(first, first + n)
    )
    PregnancyProfile.objects.bulk_create(PregnancyProfile(client=u, due_date=due) for u in users)
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(
            client=u,
            program_version=version,
            weekdays=[0, 2, 4],
            start_time=START,
            time_zone="Europe/Madrid",
        )
        for u in users
    )
    ScheduledSession.objects.bulk_create(
        ScheduledSession(
            enrolment=e,
            client_id=e.client_id,
            date=SESSION_DAY,
            start_time=START,
            gestational_week=25,
            version=version,
            phase=phase,
            template=template,
        )
        for e in enrolments
    )
    return users


@contextmanager
def queries_per_batch():
    """The queries of each batch the dispatcher reads: the read itself, then processing it
    (recording what was found, or publishing and marking) until it asks for the next one.
    Yields {"find": [...], "enqueue": [...]}, one count per batch (as bench/inprocess.py)."""
    from django.db import connection

    counts = {"find": [], "enqueue": []}
    total = 0
    original = dispatch._batches

    def count(execute, sql, params, many, context):
        nonlocal total
        total += 1
        return execute(sql, params, many, context)

    def counted(queryset, size=None):
        stage = "enqueue" if queryset.model is Delivery else "find"
        mark = total
        for rows in original(queryset, size):
            yield rows
            counts[stage].append(total - mark)
            mark = total

    dispatch._batches = counted
    try:
        with connection.execute_wrapper(count):
            yield counts
    finally:
        dispatch._batches = original


def test_each_batch_costs_a_bounded_number_of_queries_whatever_the_number_of_clients(
    version, monkeypatch, settings, no_broker
):
    """At most 4 queries per batch found (read, her settings, insert, and push devices when
    push is on) and 2 per batch enqueued (read, mark), with 3 rows a batch as with 1,000."""
    monkeypatch.setattr(dispatch, "BATCH", 3)
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = "public", "private"
    users = reminder_clients(version, 20)
    for user in users[::4]:  # some want it by push too, on a device
        NotificationSettings.objects.create(user=user, session_upcoming_push=True)
        PushSubscription.objects.create(
            user=user, endpoint=f"https://push.example.test/{user.pk}", p256dh="k", auth="a"
        )

    with queries_per_batch() as counts:
        result = reminders_dispatch(now=DUE_NOW)

    assert result.created == 20 + 5  # a main row each, and a push row for five of them
    assert result.enqueued == 25 and len(no_broker) == 25
    assert max(counts["find"]) == 4  # the push devices' query runs: push is on
    assert counts["enqueue"] == [2] * 9  # 25 rows, 3 a batch


# Batches of 100 rows for 200 and then 800 clients. Python's peak during a pass also holds
# some bounded caches that fill a little with every query (CPython's attribute cache keeps
# the names Django's compiler builds), about 10% more for 4 times the batches here; a pass
# keeping every candidate it found comes to about 60% more.
MEMORY_BATCH, N = 100, 200
BOUND = 1.3


def peak_of_a_pass() -> tuple[int, int]:
    """Python's peak allocation during one pass (tracemalloc), and the rows it created."""
    Delivery.objects.all().delete()
    gc.collect()
    tracemalloc.start()
    try:
        result = reminders_dispatch(now=DUE_NOW)
        return tracemalloc.get_traced_memory()[1], result.created
    finally:
        tracemalloc.stop()


def test_the_memory_of_a_pass_does_not_grow_with_the_number_of_clients(version, monkeypatch):
    """The peak with 4N clients stays close to that with N: a pass holds one batch of rows at
    a time, never a list of every candidate or row."""
    monkeypatch.setattr(dispatch, "BATCH", MEMORY_BATCH)
    monkeypatch.setattr("tracker.tasks.enqueue_delivery", lambda pk: True)  # keeps nothing

    reminder_clients(version, N)
    peak_of_a_pass()  # the first pass compiles queries and fills caches: not counted
    small, created_small = peak_of_a_pass()
    reminder_clients(version, 3 * N, first=N)
    large, created_large = peak_of_a_pass()

    assert (created_small, created_large) == (N, 4 * N)
    assert large < BOUND * small, (small, large)


def test_the_memory_check_sees_a_pass_that_keeps_its_rows(version, monkeypatch):
    """The check above is not vacuous: the same pass keeping each batch it records grows
    with the number of clients past its bound."""
    monkeypatch.setattr(dispatch, "BATCH", MEMORY_BATCH)
    monkeypatch.setattr("tracker.tasks.enqueue_delivery", lambda pk: True)
    kept = []
    record = dispatch._record

    def record_and_keep(batch, stamp):
        kept.append(batch)
        return record(batch, stamp)

    monkeypatch.setattr(dispatch, "_record", record_and_keep)

    reminder_clients(version, N)
    peak_of_a_pass()
    kept.clear()
    small, _ = peak_of_a_pass()
    kept.clear()
    reminder_clients(version, 3 * N, first=N)
    large, _ = peak_of_a_pass()
    assert large >= BOUND * small, (small, large)


def test_a_batch_the_broker_did_not_take_stays_pending_for_the_next_pass(
    version, monkeypatch, no_broker
):
    """The tasks of a batch go out together when its block ends; if the broker refuses them
    then, none of the batch counts as enqueued, and the next pass publishes it again."""
    from tracker import tasks

    monkeypatch.setattr(dispatch, "BATCH", 4)
    reminder_clients(version, 10)

    class Refused(tasks.Publishing):
        def __exit__(self, *exc_info):
            super().__exit__(*exc_info)
            self.failed = True  # as when the pipeline's final send fails

    monkeypatch.setattr(tasks, "publishing", Refused)
    result = reminders_dispatch(now=DUE_NOW)
    assert (result.created, result.enqueued, result.enqueue_failed) == (10, 0, 4)
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING)
    assert pending.count() == 10 and not pending.filter(enqueued_at__isnull=False).exists()

    monkeypatch.undo()  # the broker is back (no_broker stays: it records what is published)
    monkeypatch.setattr("tracker.tasks.enqueue_delivery", lambda pk: no_broker.append(pk) or True)
    result = reminders_dispatch(now=DUE_NOW + dt.timedelta(minutes=5))
    assert (result.created, result.enqueued, result.enqueue_failed) == (0, 10, 0)
    assert not pending.filter(enqueued_at__isnull=True).exists()


def test_with_the_broker_down_the_pass_ends_and_every_row_waits(version, monkeypatch):
    """The real enqueue_delivery and publishing() against a closed port: no exception, the
    first refusal stops the pass's publishing, every row stays pending and unenqueued."""
    from config.celery import app
    from tests.conftest import point_broker

    reminder_clients(version, 5)
    saved = app.conf.broker_url
    point_broker(app, "redis://127.0.0.1:1/0")
    try:
        result = reminders_dispatch(now=DUE_NOW)
    finally:
        point_broker(app, saved)
    assert (result.created, result.enqueued, result.enqueue_failed) == (5, 0, 5)
    rows = Delivery.objects.filter(kind=ReminderKind.SESSION_UPCOMING)
    assert rows.filter(status=Delivery.Status.PENDING, enqueued_at__isnull=True).count() == 5
