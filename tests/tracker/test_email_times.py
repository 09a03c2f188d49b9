"""Every time in an e-mail is in the recipient's own zone, with the zone named
("Wednesday 24 March at 04:00 (Europe/Madrid)"), and so is the e-mail's Date header: the
worker runs in UTC, its readers do not."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import translation

from tests.clock import pin
from tests.factories import AdminFactory, ClientFactory, PTFactory, build_program_version
from tests.factories import enrolled_client as enrol
from tracker import services
from tracker.models import Delivery, ReminderKind
from tracker.reminders.delivery import compose, delivery_send
from tracker.reminders.timing import when_text

NOW = dt.datetime(2027, 3, 24, 3, 0, tzinfo=dt.UTC)  # Wednesday 04:00 in Madrid
TODAY = NOW.date()
MADRID, NEW_YORK = "Europe/Madrid", "America/New_York"

pytestmark = [pytest.mark.django_db, pin(NOW), pytest.mark.usefixtures("no_broker")]


@pytest.fixture
def version():
    return build_program_version(slug="aparicio2023", prescriptions_per_block=1)


def enrolled(version, *, pt=None, zone=MADRID):
    her = ClientFactory(time_zone=zone)
    enrol(today=TODAY, client=her, version=version, pt=pt, start=TODAY - dt.timedelta(days=14))
    return her


def log_a_sign(her):
    session = her.scheduled_sessions.filter(date__lt=TODAY).order_by("-date").first()
    services.session_log_record(
        client=her,
        session=session,
        data=services.LogInput(
            status="partial",
            performed_on=session.date,
            minutes=20,
            rpe=13,
            warning_signs=["vaginal_bleeding"],
            notes="",
        ),
        today=TODAY,
    )
    return her.alerts.get()


# --- the one helper -----------------------------------------------------------------------


def test_a_moment_reads_in_the_given_zone_with_the_zone_named_on_both_sides_of_a_change():
    winter = dt.datetime(2027, 3, 24, 17, 0, tzinfo=dt.UTC)
    summer = dt.datetime(2027, 3, 31, 16, 0, tzinfo=dt.UTC)  # Madrid moved on 28 March

    assert when_text(winter, MADRID) == "Wednesday 24 March at 18:00 (Europe/Madrid)"
    assert when_text(summer, MADRID) == "Wednesday 31 March at 18:00 (Europe/Madrid)"
    assert when_text(winter, NEW_YORK) == "Wednesday 24 March at 13:00 (America/New York)"
    assert when_text(winter, "Nowhere/Atlantis") == "Wednesday 24 March at 17:00 (UTC)"
    with translation.override("es"):  # the day's format is the catalogue's ("l, j \\d\\e F")
        spanish = when_text(winter, MADRID)
    assert spanish.startswith("miércoles") and "24" in spanish and "marzo" in spanish


# --- urgent alerts: to her PT, then to the admins -----------------------------------------


@pytest.mark.parametrize(
    ("zone", "raised", "offset"),
    [
        (MADRID, "Wednesday 24 March at 04:00 (Europe/Madrid)", "+0100"),
        (NEW_YORK, "Tuesday 23 March at 23:00 (America/New York)", "-0400"),
    ],
)
def test_the_pts_alert_email_says_when_the_alert_was_raised_in_her_own_zone(
    version, zone, raised, offset
):
    pt = PTFactory(time_zone=zone)
    her = enrolled(version, pt=pt)
    log_a_sign(her)
    row = Delivery.objects.get(kind=ReminderKind.PT_ALERT, recipient=pt)

    assert delivery_send(row.pk, now=NOW) == "sent"

    (email,) = mail.outbox
    html = email.alternatives[0][0]
    assert f"It was raised on {raised}." in email.body and raised in html
    assert "03:00" not in email.body  # the worker's UTC
    assert email.message()["Date"].endswith(offset)


def test_the_admins_escalation_says_when_the_alert_was_raised_in_the_admins_zone(version):
    admin = AdminFactory(time_zone=NEW_YORK)
    alert = log_a_sign(enrolled(version, pt=PTFactory(time_zone=MADRID)))
    row = Delivery.objects.create(
        recipient=admin,
        kind=ReminderKind.ADMIN_ESCALATION,
        object_key=f"alert:{alert.pk}",
        due_at=NOW + dt.timedelta(hours=24),
    )

    message = compose(row)

    assert "It was raised on Tuesday 23 March at 23:00 (America/New York)." in message.text


# --- her session reminders ------------------------------------------------------------------


def test_a_session_reminder_gives_the_start_in_her_zone_with_the_zone_named(version):
    her = enrolled(version)  # sessions at 18:00, Monday, Wednesday and Friday
    friday, monday = her.scheduled_sessions.filter(date__gt=TODAY).order_by("date")[:2]
    assert (friday.date, monday.date) == (dt.date(2027, 3, 26), dt.date(2027, 3, 29))

    for session in (friday, monday):  # before and after Madrid's spring change
        row = Delivery.objects.create(
            recipient=her,
            kind=ReminderKind.SESSION_UPCOMING,
            object_key=f"session:{session.pk}",
            due_at=NOW,
        )
        message = compose(row)
        day = f"{session.date:%A} {session.date.day} March"
        expected = f"You have a session on {day} at 18:00 (Europe/Madrid)."
        assert expected in message.text and expected in message.html

    digest = Delivery.objects.create(
        recipient=her,
        kind=ReminderKind.SESSION_UPCOMING,
        object_key=f"day:{friday.date.isoformat()}",
        due_at=NOW,
    )
    assert "on Friday 26 March at 18:00 (Europe/Madrid)." in compose(digest).text
