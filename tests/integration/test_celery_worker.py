"""Reminders through a real Celery worker on a real Redis (test databases 14 and 15).

transaction=True: the worker thread must see committed rows. In CI a missing Redis fails
the run; locally these tests skip with the reason. The clock is pinned (tests/clock.py): the
worker runs in this process, so it sees the pinned clock too, and each test starts with an
empty broker (the `worker` fixture)."""

import datetime as dt
import threading
import zoneinfo
from contextlib import contextmanager

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.clock import MONDAY_BEFORE_EIGHT, WEDNESDAY_MORNING, pin
from tests.conftest import succeeded, wait_for
from tests.factories import (
    AdminFactory,
    ClientFactory,
    PTFactory,
    build_program_version,
    enrolled_client,
)
from tracker import services
from tracker.models import (
    Delivery,
    NotificationSettings,
    PregnancyProfile,
    ReminderKind,
    Screening,
)
from tracker.reminders.delivery import claim
from tracker.reminders.dispatch import reminders_dispatch
from tracker.reminders.timing import local_datetime, to_utc, upcoming_due
from tracker.selectors import local_today
from tracker.tasks import deliver, dispatch_reminders

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pin(WEDNESDAY_MORNING),
]

UTC = dt.UTC
SESSION_SUBJECT = "[Prenafit] Your Prenafit session is coming up"


@pytest.fixture
def setup(worker, reference_data):
    mail.outbox.clear()
    return build_program_version(slug="aparicio2023", prescriptions_per_block=1)


def sent(kind=None):
    return Delivery.objects.filter(status="sent", **({"kind": kind} if kind else {}))


def emails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def urgent_emails_to(user):
    return [m for m in emails_to(user) if m.subject.startswith("[Prenafit] Urgent")]


def session_soon(user, minutes_ahead: int):
    """Move her next session to today, starting `minutes_ahead` minutes from now (local)."""
    local_now = timezone.now().astimezone(zoneinfo.ZoneInfo(user.enrolment.time_zone))
    start = (local_now + dt.timedelta(minutes=minutes_ahead)).replace(second=0, microsecond=0)
    session = user.scheduled_sessions.order_by("date").first()
    session.date, session.start_time = start.date(), start.time()
    session.save(update_fields=["date", "start_time"])
    return session


@pytest.mark.parametrize(
    "moment",
    [
        pytest.param(WEDNESDAY_MORNING, id="wednesday-1100-madrid"),
        # The moment this test once failed at: she enrolled after 09:00, and the baseline
        # check-in reminder, due at 09:00 that day, went out with the session's.
        pytest.param(dt.datetime(2027, 3, 10, 14, 43, tzinfo=UTC), id="wednesday-1543-madrid"),
        pytest.param(MONDAY_BEFORE_EIGHT, id="monday-0745-madrid"),
    ],
)
def test_the_dispatch_task_runs_on_the_worker_and_the_reminder_arrives_once(
    setup, time_machine, moment
):
    time_machine.move_to(moment)
    user = ClientFactory(time_zone="Europe/Madrid")
    enrolled_client(today=local_today(user), client=user, version=setup)
    session = session_soon(user, 30)  # 60 minute lead: due half an hour ago

    dispatch_reminders.delay()

    wait_for(lambda: sent(ReminderKind.SESSION_UPCOMING).exists())
    (email,) = emails_to(user)
    assert email.subject == SESSION_SUBJECT
    assert f"at {session.start_time:%H:%M}" in email.body  # the time, never the content
    rows = list(Delivery.objects.order_by("pk").values_list("pk", "status"))
    second = dispatch_reminders.delay()  # a second beat tick changes nothing
    wait_for(lambda: succeeded(second))
    assert list(Delivery.objects.order_by("pk").values_list("pk", "status")) == rows
    assert [m.subject for m in emails_to(user)] == [SESSION_SUBJECT]


@pin(dt.datetime(2027, 3, 10, 6, 0, tzinfo=UTC))  # 07:00 in Madrid, before the 09:00 check-in
def test_each_kind_is_delivered_once(setup):
    pt = PTFactory(time_zone="Europe/Madrid")
    missed = ClientFactory(time_zone="Europe/Madrid")
    today = local_today(missed)
    enrolled_client(
        today=today,
        client=missed,
        version=setup,
        pt=pt,
        start=today - dt.timedelta(days=3),
    )
    yesterday = missed.scheduled_sessions.filter(date__lt=today).order_by("-date").first()
    # Upcoming: a session later today for another client.
    upcoming = ClientFactory(time_zone="Europe/Madrid")
    enrolled_client(today=local_today(upcoming), client=upcoming, version=setup, pt=pt)
    session_soon(upcoming, 45)
    # The 26-week re-screen: she reaches 25+4 today (asked at 09:00 her time).
    rescreen = ClientFactory(time_zone="Europe/Madrid")
    enrolled_client(today=today, client=rescreen, version=setup, week=25)
    PregnancyProfile.objects.filter(client=rescreen).update(
        due_date=today + dt.timedelta(days=280 - (7 * 25 + 4))
    )
    # Her whole screen was weeks ago (one answered from 25+4 on would count as the re-screen).
    Screening.objects.filter(client=rescreen).update(
        submitted_at=timezone.now() - dt.timedelta(weeks=6)
    )
    admin = AdminFactory(time_zone="Europe/Madrid")
    # The PT alert goes out from on_commit, through the worker.
    alert = services.alert_raise(client=missed, kind="warning_sign")
    wait_for(lambda: sent(ReminderKind.PT_ALERT).exists())

    # Dispatcher passes: now (the session reminder), the next morning of the missed session,
    # 09:01 today (the baseline check-in), and the PT's Monday digest time.
    reminders_dispatch(now=timezone.now())
    morning = to_utc(
        local_datetime(yesterday.date + dt.timedelta(days=1), dt.time(7, 31), "Europe/Madrid")
    )
    reminders_dispatch(now=morning)
    reminders_dispatch(now=to_utc(local_datetime(today, dt.time(9, 1), "Europe/Madrid")))
    monday = today - dt.timedelta(days=today.weekday())
    reminders_dispatch(now=to_utc(local_datetime(monday, dt.time(8, 1), "Europe/Madrid")))
    # 24 hours later her PT has not acknowledged the alert: the admins hear of it.
    reminders_dispatch(now=alert.created_at + dt.timedelta(hours=24, minutes=1))

    kinds = set(ReminderKind.values)
    try:
        wait_for(lambda: kinds <= set(sent().values_list("kind", flat=True)))
    except AssertionError:
        raise AssertionError(
            list(Delivery.objects.values_list("kind", "status", "skip_reason", "last_error"))
        ) from None
    for delivery in Delivery.objects.exclude(status="skipped"):
        matching = [
            m
            for m in mail.outbox
            if m.to == [delivery.recipient.email] and m.subject.startswith("[Prenafit]")
        ]
        assert matching, delivery
    pt_mail = emails_to(pt)
    assert len(urgent_emails_to(pt)) == 1
    assert len(urgent_emails_to(admin)) == 1
    assert sum("weekly" in m.subject for m in pt_mail) == 1
    # Nothing was sent twice.
    keys = [(d.recipient_id, d.kind, d.object_key) for d in sent()]
    assert len(keys) == len(set(keys))


def test_two_dispatchers_at_once_give_one_email_per_message(setup):
    users = []
    for _ in range(5):
        user = ClientFactory(time_zone="Europe/Madrid")
        enrolled_client(today=local_today(user), client=user, version=setup)
        NotificationSettings.objects.create(user=user, session_missed=False, assessment_due=False)
        session_soon(user, 20)
        users.append(user)
    now = timezone.now()
    errors = []

    def run():
        try:
            reminders_dispatch(now=now)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            from django.db import connection

            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    wait_for(lambda: sent(ReminderKind.SESSION_UPCOMING).count() == 5)
    for user in users:
        assert len(emails_to(user)) == 1


def test_a_worker_killed_between_claim_and_send_still_gives_one_email(setup):
    user = ClientFactory(time_zone="Europe/Madrid")
    enrolled_client(today=local_today(user), client=user, version=setup)
    NotificationSettings.objects.create(user=user, session_missed=False, assessment_due=False)
    session = session_soon(user, 30)
    due = upcoming_due(
        day=session.date, start=session.start_time, tz="Europe/Madrid", mode="before",
        lead_minutes=60, digest_time=dt.time(7, 30),
    )  # fmt: skip
    row = Delivery.objects.create(
        recipient=user,
        kind=ReminderKind.SESSION_UPCOMING,
        object_key=f"session:{session.pk}",
        due_at=due,
    )
    # A worker claimed it eleven minutes ago and died before sending.
    assert claim(row.pk, timezone.now() - dt.timedelta(minutes=11))
    # The broker redelivers the unacknowledged task, and the dispatcher re-enqueues the row.
    deliver.delay(row.pk)
    reminders_dispatch(now=timezone.now())

    wait_for(lambda: sent().filter(pk=row.pk).exists())
    deliver.delay(row.pk)  # one more duplicate task for good measure
    wait_for(lambda: Delivery.objects.get(pk=row.pk).attempts >= 2)
    assert len(emails_to(user)) == 1


@contextmanager
def broker_down(app):
    """Point the app's publisher at a closed port (the worker keeps its own connection)."""
    from tests.conftest import point_broker

    saved = app.conf.broker_url
    point_broker(app, "redis://127.0.0.1:1/0")
    try:
        yield
    finally:
        point_broker(app, saved)


@pytest.mark.parametrize(
    "moment",
    [
        pytest.param(WEDNESDAY_MORNING, id="wednesday-1100-madrid"),
        # Monday 08:45 in Madrid: her weekly digest (due at 08:00) rightly goes out in the same
        # pass. This test once counted it as a second alert.
        pytest.param(dt.datetime(2027, 1, 4, 7, 45, tzinfo=UTC), id="monday-0845-madrid"),
    ],
)
def test_with_redis_down_logging_works_and_the_pt_alert_goes_out_when_it_is_back(
    setup, client, celery_app_on_redis, time_machine, moment
):
    time_machine.move_to(moment)
    pt = PTFactory()
    user = ClientFactory()
    today = local_today(user)
    enrolment = enrolled_client(
        today=today, client=user, version=setup, pt=pt, start=today - dt.timedelta(days=7)
    )
    session = enrolment.sessions.filter(date__lt=today).first()
    client.force_login(user)

    with broker_down(celery_app_on_redis):
        response = client.post(
            reverse("tracker:session_log", args=[session.pk]),
            {
                "status": "completed",
                "performed_on": session.date.isoformat(),
                "minutes": "40",
                "rpe": "13",
                "warning_signs": ["dizziness"],
            },
        )
    assert response.status_code == 302 and "/stop/" in response["Location"]
    row = Delivery.objects.get(kind=ReminderKind.PT_ALERT)
    assert row.status == "pending" and row.enqueued_at is None
    assert not emails_to(pt)

    reminders_dispatch(now=timezone.now())  # Redis is back: the next run catches up

    wait_for(lambda: sent(ReminderKind.PT_ALERT).exists())
    wait_for(lambda: not Delivery.objects.filter(status__in=["pending", "claimed"]).exists())
    assert len(urgent_emails_to(pt)) == 1


def test_a_hold_placed_after_a_reminder_was_queued_stops_it_on_the_worker(setup, monkeypatch):
    """SAFETY.md section 1: the delivery task re-checks her state before sending."""
    user = ClientFactory(time_zone="Europe/Madrid")  # no PT: no alert e-mail either
    enrolled_client(today=local_today(user), client=user, version=setup)
    NotificationSettings.objects.create(user=user, session_missed=False, assessment_due=False)
    session_soon(user, 30)  # 60 minute lead: due half an hour ago

    def enqueue_in_two_seconds(delivery_id):
        # The task waits in the broker while the hold is placed (a worker busy elsewhere).
        deliver.apply_async(args=[delivery_id], countdown=2, retry=False)
        return True

    monkeypatch.setattr("tracker.tasks.enqueue_delivery", enqueue_in_two_seconds)
    reminders_dispatch(now=timezone.now())
    row = Delivery.objects.get(recipient=user, kind=ReminderKind.SESSION_UPCOMING)
    assert row.status == "pending" and row.enqueued_at is not None

    result = services.hold_open(
        client=user, signs=["vaginal_bleeding"], by=user, alert_kind="warning_sign"
    )
    assert result.pt is None
    row.refresh_from_db()
    assert row.status == "pending"  # still queued when the hold opened

    wait_for(lambda: Delivery.objects.get(pk=row.pk).status == "skipped")
    row.refresh_from_db()
    assert row.skip_reason == "the program is not active (held)"
    assert row.attempts == 1
    assert not emails_to(user) and not mail.outbox


def test_the_worker_writes_each_reminder_in_its_readers_language(setup):
    """Issue 18: the worker has no request and no language of its own: each e-mail is written
    in its recipient's language (dates included), whichever language the last task used."""
    from django.utils import translation
    from django.utils.formats import date_format
    from django.utils.translation import gettext

    from tests.i18n.english import english_left, visible_text

    spanish = ClientFactory(time_zone="Europe/Madrid", language="es")
    english = ClientFactory(time_zone="Europe/Madrid", language="en")
    sessions = {}
    for user in (spanish, english):
        enrolled_client(today=local_today(user), client=user, version=setup)
        sessions[user.pk] = session_soon(user, 30)

    dispatch_reminders.delay()

    wait_for(lambda: sent(ReminderKind.SESSION_UPCOMING).count() == 2)
    (en_mail,) = emails_to(english)
    (es_mail,) = emails_to(spanish)
    assert en_mail.subject == SESSION_SUBJECT
    with translation.override("es"):
        title = gettext("Your Prenafit session is coming up")
        day = date_format(sessions[spanish.pk].date, gettext("l j F"))
    assert title != "Your Prenafit session is coming up"
    assert es_mail.subject == f"[Prenafit] {title}"
    assert english_left(es_mail.subject + " " + es_mail.body) == []
    html = next(body for body, kind in es_mail.alternatives if kind == "text/html")
    assert english_left(visible_text(html)) == []
    assert day in es_mail.body  # "miércoles, 10 de marzo"
