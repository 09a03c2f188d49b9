"""Her progress page is drawn once per data version (tracker/versions.py), day and language:
the second visit is a cache hit, and any change to what it shows, by any door, is on the page
at once."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.clock import pin
from tests.factories import enrolled_client
from tracker import services
from tracker.models import Assessment

pytestmark = [pytest.mark.django_db, pin()]

URL = reverse("tracker:progress")


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def main(page) -> str:
    """The page's main part (the layout around it carries per-request tokens)."""
    text = page.text
    return text[text.index("<main") : text.index("</main>")]


def check_in(client, low_back, today):
    return services.assessment_record(
        client=client,
        vas_low_back_mm=low_back,
        vas_sciatic_mm=10,
        odi_answers=[1] * 10,
        pain_locations=[],
        symptoms=[],
        today=today,
    )


@pytest.fixture
def her(client):
    enrolment = enrolled_client(today=today(), week=24)
    client.force_login(enrolment.client)
    return enrolment.client


def test_a_second_visit_is_drawn_from_the_cache(client, her, django_assert_max_num_queries):
    check_in(her, 37, today())
    first = client.get(URL)
    assert "37 mm" in first.text
    # session, user, her data version, the unread count in the menu
    with django_assert_max_num_queries(4):
        second = client.get(URL)
    assert main(second) == main(first)


def test_a_new_check_in_shows_at_once(client, her):
    check_in(her, 37, today())
    assert "37 mm" in client.get(URL).text
    check_in(her, 58, today())  # through the service, as the web, API and sync do
    assert "58 mm" in client.get(URL).text


def test_a_change_behind_the_applications_back_shows_at_once(client, her):
    """An admin's or a script's queryset update: no signal, no save(); the triggers see it."""
    check_in(her, 37, today())
    assert "37 mm" in client.get(URL).text
    Assessment.objects.filter(client=her).update(vas_low_back_mm=61)
    assert "61 mm" in client.get(URL).text


def test_another_clients_page_is_her_own(client, her):
    check_in(her, 37, today())
    assert "37 mm" in client.get(URL).text
    other = enrolled_client(today=today(), week=24).client
    check_in(other, 74, today())
    client.force_login(other)
    page = client.get(URL).text
    assert "74 mm" in page and "37 mm" not in page


def test_a_new_day_and_another_language_draw_it_again(client, her):
    check_in(her, 37, today())
    english = client.get(URL).text
    her.language = "es"
    her.save(update_fields=["language"])
    spanish = client.get(URL).text
    assert "Tu progreso" in spanish and "Your progress" in english
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=8), tick=False):
        later = client.get(URL).text
    assert later != spanish  # her week and adherence moved on with the days
