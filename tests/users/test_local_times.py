"""Her time zone: sign-up, the profile and enrolment take the browser's zone by default
(static/js/timezone.js picks it in a field marked `data-browser-zone` while the field is at UTC;
without JavaScript it stays UTC), and a zone changed in her profile moves her enrolment's with
it, so her reminders keep her local times."""

import datetime as dt
import html
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.clock import pin
from tests.factories import ClientFactory, all_no, build_program_version, enrolled_client
from tracker import services as tracker_services
from tracker.models import Delivery, ReminderKind
from tracker.reminders.dispatch import reminders_dispatch
from tracker.reminders.timing import local_datetime, to_utc
from users.forms import BROWSER_ZONE_NOTE
from users.models import User

NOW = dt.datetime(2027, 3, 10, 10, 0, tzinfo=dt.UTC)  # Wednesday, Madrid and London in winter
TODAY = NOW.date()
MADRID, LONDON, NEW_YORK = "Europe/Madrid", "Europe/London", "America/New_York"

pytestmark = [pytest.mark.django_db, pin(NOW)]


def zone_select(page: str) -> str:
    """The opening tag of the time-zone <select>."""
    return re.search(r'<select[^>]*name="time_zone"[^>]*>', page).group(0)


def selected_zone(page: str) -> str:
    select = re.search(r'<select[^>]*name="time_zone".*?</select>', page, re.S).group(0)
    return re.search(r'<option value="([^"]+)" selected>', select).group(1)


def marked(page: str) -> bool:
    return f'data-browser-zone="{html.escape(str(BROWSER_ZONE_NOTE))}"' in page


def signup_data(**extra):
    return {
        "email": "nora@example.test",
        "password1": "a-long-Passw0rd!",
        "password2": "a-long-Passw0rd!",
        "full_name": "Nora New",
        "account_type": "client",
        "time_zone": MADRID,
        "consent": "on",
        "age_confirmed": "on",
        **extra,
    }


# --- sign-up and profile: the browser's zone by default ----------------------------------


def test_sign_up_offers_the_browsers_zone_and_falls_back_to_utc_without_javascript(client):
    page = client.get(reverse("account_signup")).content.decode()

    assert selected_zone(page) == "UTC"  # what stays without JavaScript
    assert marked(zone_select(page))
    # The script that reads the browser's zone is a static file, loaded with the CSP nonce.
    assert re.search(r'<script src="/static/js/timezone\.js" nonce="[^"]+"', page)
    assert "resolvedOptions().timeZone" in open(finders.find("js/timezone.js")).read()

    client.post(reverse("account_signup"), signup_data())  # the browser chose Madrid
    assert User.objects.get(email="nora@example.test").time_zone == MADRID


def test_sign_up_shown_again_after_a_mistake_keeps_the_zone_she_chose(client):
    response = client.post(
        reverse("account_signup"), signup_data(time_zone="UTC", password2="another-Passw0rd!")
    )

    page = response.content.decode()
    assert response.status_code == 200 and not User.objects.exists()
    assert selected_zone(page) == "UTC"
    assert not marked(page)  # her choice stands: the script leaves the field alone


@pytest.mark.parametrize(("hers", "offered"), [("UTC", True), (NEW_YORK, False)])
def test_the_profile_offers_the_browsers_zone_only_while_hers_is_the_default(client, hers, offered):
    client.force_login(ClientFactory(time_zone=hers))

    page = client.get(reverse("profile")).content.decode()

    assert selected_zone(page) == hers
    assert marked(page) is offered


def test_the_enrolment_form_starts_at_her_own_zone(client):
    build_program_version(slug="aparicio2023")
    her = ClientFactory(time_zone=NEW_YORK)
    due = TODAY + dt.timedelta(days=280 - 7 * 20)
    tracker_services.pregnancy_save(client=her, due_date=due, lmp_date=None, today=TODAY)
    tracker_services.screening_submit(client=her, answers=all_no(), today=TODAY)
    client.force_login(her)

    page = client.get(reverse("tracker:enrol")).content.decode()

    assert selected_zone(page) == NEW_YORK
    assert not marked(page)  # her zone, as chosen at sign-up, is not second-guessed


# --- a zone changed in the profile: her enrolment and reminders follow ---------------------


@pytest.fixture
def enrolled_in_madrid():
    version = build_program_version(slug="aparicio2023", prescriptions_per_block=1)
    her = ClientFactory(time_zone=MADRID, full_name="Ines Moved")
    other = ClientFactory(time_zone=MADRID)
    enrolled_client(today=TODAY, client=her, version=version)
    enrolled_client(today=TODAY, client=other, version=version)
    return her, other


def profile_data(time_zone):
    return {"full_name": "Ines Moved", "time_zone": time_zone, "language": "en"}


def test_a_zone_changed_in_the_profile_moves_her_enrolment_and_her_reminders(
    client, enrolled_in_madrid, monkeypatch
):
    monkeypatch.setattr("tracker.tasks.enqueue_delivery", lambda pk: True)
    her, other = enrolled_in_madrid
    client.force_login(her)

    response = client.post(reverse("profile"), profile_data(LONDON))

    assert response.status_code == 302
    her.refresh_from_db()
    assert (her.time_zone, her.enrolment.time_zone) == (LONDON, LONDON)
    other.refresh_from_db()
    assert (other.time_zone, other.enrolment.time_zone) == (MADRID, MADRID)
    # Her next session keeps its local time (18:00), now in London: the reminder an hour
    # before is due at 17:00 London time, an hour later in UTC than it was in Madrid.
    session = her.scheduled_sessions.filter(date__gt=TODAY).order_by("date").first()
    due = to_utc(local_datetime(session.date, dt.time(17, 0), LONDON))
    reminders_dispatch(now=due + dt.timedelta(minutes=1))
    row = Delivery.objects.get(recipient=her, kind=ReminderKind.SESSION_UPCOMING)
    assert row.due_at == due


def test_an_unknown_zone_in_the_profile_changes_nothing(client, enrolled_in_madrid):
    her, _other = enrolled_in_madrid
    client.force_login(her)

    response = client.post(reverse("profile"), profile_data("Mars/Olympus_Mons"))

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    her.refresh_from_db()
    assert (her.time_zone, her.enrolment.time_zone) == (MADRID, MADRID)
