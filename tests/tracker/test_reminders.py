"""Dispatcher and delivery services, without a worker (the worker tests are in
tests/integration). The clock is pinned to a Wednesday early morning in Madrid; each
dispatcher pass is given its own `now`."""

import datetime as dt
import io
import json

import pytest
from django.core import mail
from django.core.management import call_command

from tests.clock import pin
from tests.factories import ClientFactory, PTFactory, build_program_version, enrolled_client
from tracker import services
from tracker.models import Delivery, Notification, NotificationSettings, ReminderKind, SessionLog
from tracker.reminders import delivery as delivery_service
from tracker.reminders.delivery import claim, delivery_send, read_unsubscribe_token
from tracker.reminders.dispatch import reminders_dispatch
from tracker.reminders.timing import local_datetime, session_start, to_utc


def utc(*parts) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


# Wednesday 24 March 2027, 04:00 in Madrid, before the spring change: her clients enrol now.
NOW = utc(2027, 3, 24, 3, 0)
TODAY = NOW.date()

pytestmark = [pytest.mark.django_db, pin(NOW), pytest.mark.usefixtures("no_broker")]


@pytest.fixture
def version():
    return build_program_version(slug="aparicio2023", prescriptions_per_block=1)


def madrid_client(version, start_time=dt.time(7, 0), **prefs):
    user = ClientFactory(time_zone="Europe/Madrid")
    enrolment = enrolled_client(today=TODAY, client=user, version=version)
    enrolment.start_time = start_time
    enrolment.time_zone = "Europe/Madrid"
    enrolment.save()
    enrolment.sessions.update(start_time=start_time)
    if prefs:
        NotificationSettings.objects.create(user=user, **prefs)
    return user, enrolment


def test_an_upcoming_session_is_due_at_the_lead_time_and_recorded_once(version, no_broker):
    user, enrolment = madrid_client(version)
    session = enrolment.sessions.filter(date__gt=TODAY).order_by("date").first()
    due = to_utc(local_datetime(session.date, dt.time(6, 0), "Europe/Madrid"))

    rows = Delivery.objects.filter(recipient=user, kind=ReminderKind.SESSION_UPCOMING)
    reminders_dispatch(now=due - dt.timedelta(minutes=1))
    assert not rows.exists()
    reminders_dispatch(now=due + dt.timedelta(minutes=2))
    reminders_dispatch(now=due + dt.timedelta(minutes=7))

    row = rows.get()
    assert (row.object_key, row.due_at, row.status) == (f"session:{session.pk}", due, "pending")
    assert no_broker.count(row.pk) == 1  # enqueued once; the second run sees it enqueued


def test_a_late_dispatcher_skips_reminders_for_sessions_already_over_and_says_why(version):
    user, enrolment = madrid_client(version)
    session = enrolment.sessions.filter(date__gt=TODAY).order_by("date").first()
    late = session_start(session.date, session.start_time, "Europe/Madrid") + dt.timedelta(hours=3)

    reminders_dispatch(now=late)

    row = Delivery.objects.get(recipient=user, kind=ReminderKind.SESSION_UPCOMING)
    assert row.status == "skipped" and "already started" in row.skip_reason


def test_missed_sessions_are_reminded_the_next_morning_unless_logged(version):
    user, enrolment = madrid_client(version, digest_time=dt.time(7, 30))
    first, second = enrolment.sessions.filter(date__gt=TODAY).order_by("date")[:2]
    SessionLog.objects.create(
        client=user, session=first, status="completed", performed_on=first.date, minutes=60, rpe=12
    )
    missed = Delivery.objects.filter(recipient=user, kind=ReminderKind.SESSION_MISSED)

    day_after_first = local_datetime(first.date + dt.timedelta(days=1), dt.time(8), "Europe/Madrid")
    reminders_dispatch(now=to_utc(day_after_first))
    assert not missed.exists()  # she logged it

    morning = local_datetime(second.date + dt.timedelta(days=1), dt.time(7, 30), "Europe/Madrid")
    reminders_dispatch(now=to_utc(morning) - dt.timedelta(minutes=1))
    assert not missed.exists()  # not yet
    reminders_dispatch(now=to_utc(morning) + dt.timedelta(minutes=1))
    rows = list(missed.values_list("object_key", "due_at"))
    assert rows == [(f"session:{second.pk}", to_utc(morning))]


def test_turned_off_kinds_and_quiet_hours_are_respected(version):
    off, _ = madrid_client(version, session_upcoming=False, session_missed=False)
    quiet, enrolment = madrid_client(
        version, start_time=dt.time(6, 30), quiet_start=dt.time(22), quiet_end=dt.time(7)
    )
    session = enrolment.sessions.filter(date__gt=TODAY).order_by("date").first()
    five_thirty = to_utc(local_datetime(session.date, dt.time(5, 31), "Europe/Madrid"))
    seven = to_utc(local_datetime(session.date, dt.time(7, 1), "Europe/Madrid"))

    reminders_dispatch(now=five_thirty)
    assert not Delivery.objects.filter(recipient=quiet, kind="session_upcoming").exists()
    reminders_dispatch(now=seven)
    assert not Delivery.objects.filter(recipient=off).exists()
    # 05:30 falls in her quiet hours: the reminder is due at 07:00, after her session began.
    row = Delivery.objects.get(recipient=quiet, kind="session_upcoming")
    assert row.due_at == to_utc(local_datetime(session.date, dt.time(7), "Europe/Madrid"))


@pytest.mark.parametrize(
    ("enrols_at", "reminded_at"),
    [
        # 07:30 in Madrid: this morning's 09:00 is still ahead.
        (utc(2027, 3, 24, 6, 30), utc(2027, 3, 24, 8)),
        # 15:43 in Madrid: the page asks her now; the e-mail waits for tomorrow's 09:00.
        (utc(2027, 3, 24, 14, 43), utc(2027, 3, 25, 8)),
        # 00:30 on the 24th in Madrid (the 23rd in UTC): 09:00 on her 24th, not on the 23rd.
        (utc(2027, 3, 23, 23, 30), utc(2027, 3, 24, 8)),
    ],
)
def test_the_baseline_check_in_reminder_is_never_due_before_she_enrolled(
    version, time_machine, enrols_at, reminded_at
):
    time_machine.move_to(enrols_at)
    user, _ = madrid_client(version)
    baseline = Delivery.objects.filter(recipient=user, kind=ReminderKind.ASSESSMENT_DUE)

    reminders_dispatch(now=enrols_at + dt.timedelta(minutes=5))  # the next beat pass
    reminders_dispatch(now=reminded_at - dt.timedelta(minutes=1))
    assert not baseline.exists()
    reminders_dispatch(now=reminded_at + dt.timedelta(minutes=1))
    row = baseline.get()
    assert (row.object_key, row.due_at) == ("assessment:baseline", reminded_at)


def test_dry_run_prints_json_lines_and_records_nothing(version):
    user, enrolment = madrid_client(version)
    session = enrolment.sessions.filter(date__gt=TODAY).order_by("date").first()
    now = (
        to_utc(local_datetime(session.date, dt.time(6, 1), "Europe/Madrid"))
        .isoformat()
        .replace("+00:00", "Z")
    )
    out = io.StringIO()

    call_command("dispatch_reminders", "--now", now, "--dry-run", stdout=out)

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    (line,) = [entry for entry in lines if entry["kind"] == "session_upcoming"]
    assert line["recipient"] == user.pk and line["time_zone"] == "Europe/Madrid"
    assert line["due_local"].startswith(f"{session.date.isoformat()}T06:00:00")
    assert line["due_utc"].endswith("Z")
    assert not Delivery.objects.exists()


def test_the_dispatcher_query_count_does_not_grow_with_clients(
    version, django_assert_max_num_queries
):
    users = [madrid_client(version)[0] for _ in range(3)]
    session = users[0].scheduled_sessions.filter(date__gt=TODAY).order_by("date").first()
    now = to_utc(local_datetime(session.date, dt.time(6, 1), "Europe/Madrid"))
    with django_assert_max_num_queries(40) as few:
        reminders_dispatch(now=now)
    baseline = len(few.captured_queries)
    Delivery.objects.all().delete()
    for _ in range(30):
        madrid_client(version)
    with django_assert_max_num_queries(baseline):
        result = reminders_dispatch(now=now)
    assert result.created >= 33


def _pending(user, kind=ReminderKind.SESSION_UPCOMING, key=None, due=None):
    session = user.scheduled_sessions.filter(date__gt=TODAY).order_by("date").first()
    return Delivery.objects.create(
        recipient=user,
        kind=kind,
        object_key=key or f"session:{session.pk}",
        due_at=due or dt.datetime(2027, 3, 24, 5, tzinfo=dt.UTC),
    )


def test_delivery_is_claimed_once_sends_one_email_with_content_and_unsubscribe(version):
    user, _ = madrid_client(version)
    row = _pending(user)
    now = dt.datetime(2027, 3, 24, 5, 1, tzinfo=dt.UTC)

    assert delivery_send(row.pk, now=now) == "sent"
    assert delivery_send(row.pk, now=now) == "not-claimed"

    (email,) = mail.outbox
    assert email.to == [user.email]
    # Her session's day and time, never its content (the link opens it, behind log-in).
    assert "at 07:00" in email.body and "Warm-up" not in email.body
    html = email.alternatives[0][0]
    assert "Stop this kind of email" in html
    token = email.extra_headers["List-Unsubscribe"].split("/unsubscribe/")[1].rstrip("/>")
    assert read_unsubscribe_token(token) == (user.pk, "session_upcoming")
    assert Notification.objects.filter(recipient=user, delivery=row).count() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 1)


def test_a_claim_lost_by_a_dead_worker_is_taken_again_after_the_timeout(version):
    user, _ = madrid_client(version)
    row = _pending(user)
    t0 = dt.datetime(2027, 3, 24, 5, 1, tzinfo=dt.UTC)
    assert claim(row.pk, t0)  # a worker claims, then dies before sending
    assert delivery_send(row.pk, now=t0 + dt.timedelta(minutes=2)) == "not-claimed"
    assert delivery_send(row.pk, now=t0 + dt.timedelta(minutes=11)) == "sent"
    assert len(mail.outbox) == 1


def test_a_session_logged_before_the_reminder_goes_out_is_skipped(version):
    user, _ = madrid_client(version)
    row = _pending(user)
    session = user.scheduled_sessions.get(pk=int(row.object_key.split(":")[1]))
    SessionLog.objects.create(
        client=user, session=session, status="completed", performed_on=TODAY, minutes=60, rpe=13
    )
    assert delivery_send(row.pk, now=dt.datetime(2027, 3, 24, 5, 1, tzinfo=dt.UTC)) == "skipped"
    row.refresh_from_db()
    assert row.skip_reason == "the session is already logged" and not mail.outbox


def test_failures_are_retried_and_end_as_failed_after_the_last_try(version, monkeypatch):
    user, _ = madrid_client(version)
    row = _pending(user)

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(delivery_service, "_send_email", broken)
    now = dt.datetime(2027, 3, 24, 5, 1, tzinfo=dt.UTC)
    for attempt in range(1, delivery_service.MAX_ATTEMPTS):
        with pytest.raises(ConnectionRefusedError):
            delivery_send(row.pk, now=now)
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("pending", attempt)
    assert delivery_send(row.pk, now=now) == "failed"
    row.refresh_from_db()
    assert row.status == "failed" and "smtp down" in row.last_error


def test_a_pt_alert_is_recorded_and_enqueued_after_commit(
    version, no_broker, django_capture_on_commit_callbacks
):
    pt = PTFactory()
    user = ClientFactory()
    enrolled_client(today=TODAY, client=user, version=version, pt=pt)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        alert = services.alert_raise(client=user, kind="warning_sign")
    row = Delivery.objects.get(kind=ReminderKind.PT_ALERT)
    assert (row.recipient, row.object_key) == (pt, f"alert:{alert.pk}")
    assert len(callbacks) == 1 and no_broker == [row.pk]


def test_unsubscribe_turns_that_kind_off_with_one_click(client, version):
    user, _ = madrid_client(version)
    token = delivery_service.unsubscribe_token(user.pk, "session_missed")
    url = f"/unsubscribe/{token}/"
    assert "Stop “Missed session” messages?" in client.get(url).content.decode()
    assert client.post(url).status_code == 200  # no session, no CSRF token: RFC 8058
    assert NotificationSettings.objects.get(user=user).session_missed is False
    assert client.get("/unsubscribe/forged/").status_code == 404


def test_reminders_status_counts_by_kind_and_state(version):
    user, _ = madrid_client(version)
    _pending(user)
    out = io.StringIO()
    call_command("reminders_status", stdout=out)
    assert "session_upcoming   pending         1" in out.getvalue()
