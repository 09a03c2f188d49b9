"""Words written down for another person are in HER language (User.language), whoever's
request wrote them: her PT's in-app alert and its e-mail, a reminder, an admin's escalation, a
line of the plan history her PT reads.

No Spanish catalogue is compiled for the tests, so the `spanish` fixture makes Spanish say
"ES: " before every sentence it translates: a text produced in Spanish carries the mark, one
produced in English does not."""

import datetime as dt
import re

import pytest
from django.utils import translation

from tests.clock import pin
from tests.factories import AdminFactory, ClientFactory, PTFactory, enrolled_client
from tracker import services
from tracker.models import Delivery, Notification, PlanChange, ReminderKind
from tracker.reminders.delivery import compose, delivery_send
from tracker.reminders.dispatch import reminders_dispatch

NOW = dt.datetime(2027, 3, 24, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()

pytestmark = [pytest.mark.django_db, pin(NOW), pytest.mark.usefixtures("no_broker")]


@pytest.fixture
def spanish(monkeypatch):
    """Spanish marks each sentence it translates with "ES: " (date formats such as "l j F",
    which have no word in them, are left alone)."""
    from django.utils.translation import trans_real

    catalogue = trans_real.translation("es")
    translate = catalogue.gettext

    def marked(message):
        text = translate(message)
        return f"ES: {text}" if re.search(r"[A-Za-z]{3}", message) else text

    monkeypatch.setattr(catalogue, "gettext", marked)


def her(*, pt=None, language="en"):
    client = ClientFactory(language=language)
    enrolled_client(today=TODAY, client=client, pt=pt)
    return client


def warning_sign(client):
    return services.hold_open(
        client=client, signs=["chest_pain"], by=client, alert_kind="warning_sign"
    )


def test_her_pts_alert_and_its_email_are_in_the_pts_language_not_hers(spanish, mailoutbox):
    pt = PTFactory(language="es")
    client = her(pt=pt, language="en")
    with translation.override("en"):  # her request, in English
        alert = warning_sign(client).alert

    notice = Notification.objects.get(recipient=pt, alert=alert)
    assert notice.title.startswith("ES: ") and ": ES: " in notice.title  # the sign's name too
    row = Delivery.objects.get(kind=ReminderKind.PT_ALERT, channel="email")
    with translation.override("en"):
        assert compose(row).subject.startswith("[Prenafit] ES: ")
        assert delivery_send(row.pk) == "sent"
    (email,) = mailoutbox
    assert email.subject.startswith("[Prenafit] ES: ") and "ES: " in email.body

    # The other way round: a client writing in Spanish, her PT reading English.
    english_pt = PTFactory(language="en")
    with translation.override("es"):
        warning_sign(her(pt=english_pt, language="es"))
    notice = Notification.objects.get(recipient=english_pt)
    assert "ES:" not in notice.title and "Chest pain" in notice.title


def test_each_admin_reads_an_escalation_in_her_own_language(spanish):
    spanish_admin, english_admin = AdminFactory(language="es"), AdminFactory(language="en")
    alert = warning_sign(her(pt=PTFactory(language="en"))).alert

    with translation.override("en"):
        reminders_dispatch(now=alert.created_at + dt.timedelta(hours=24, minutes=1))

    notices = Notification.objects.filter(kind=Notification.Kind.ESCALATION)
    by_admin = {n.recipient_id: n for n in notices}
    assert by_admin[spanish_admin.pk].title.startswith("ES: ")
    assert by_admin[spanish_admin.pk].body.startswith("ES: ")
    assert "ES:" not in by_admin[english_admin.pk].title + by_admin[english_admin.pk].body


def test_her_plan_history_is_written_in_her_pts_language(spanish):
    pt = PTFactory(language="es")
    client = her(pt=pt, language="en")

    with translation.override("en"):  # she pauses from her English page
        services.pause_open(client=client, by=client, reason="", today=TODAY)

    change = PlanChange.objects.get(client=client)
    assert change.description.startswith("ES: ")
    assert client.safety_items.get(kind="pause").reason.startswith("ES: ")
