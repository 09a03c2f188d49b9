"""The installable app's server side (issue 17): the service worker, the offline page, the
list of pages a client's phone keeps, the texts the page shows offline, and log-out wiping
the device."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from tests.clock import WEDNESDAY_MORNING, pin
from tests.factories import ClientFactory, PTFactory, build_program_version, enrolled_client
from tracker.models import ScheduledSession

pytestmark = [pytest.mark.django_db, pin()]

TODAY = WEDNESDAY_MORNING.date()


def test_the_service_worker_is_served_at_the_root_with_every_static_file(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    assert "Content-Security-Policy" in response  # the worker runs under the same policy
    body = response.content.decode()
    for path in (
        "/static/vendor/bootstrap/bootstrap.min.css",
        "/static/js/offline.js",
        "/static/js/outbox_core.js",
        "/static/vendor/idb/idb.umd.js",
        "/static/icons/icon-192.png",
    ):
        assert f'"{path}"' in body, path
    assert "/static/vendor/idb/LICENSE" not in body
    assert 'importScripts("/static/vendor/idb/idb.umd.js", "/static/js/outbox_core.js")' in body


def test_a_new_static_file_gives_a_new_worker_version(settings, tmp_path):
    from config import pwa

    (tmp_path / "a.css").write_text("a{}")
    settings.STATICFILES_DIRS = [tmp_path]
    pwa.precache.cache_clear()
    try:
        first = pwa.precache()[1]
        (tmp_path / "a.css").write_text("a{color:red}")
        pwa.precache.cache_clear()
        assert pwa.precache()[1] != first
    finally:
        pwa.precache.cache_clear()


def test_the_offline_page_needs_no_login_and_names_nobody(client):
    user = ClientFactory(full_name="Nadia Private")
    client.force_login(user)
    response = client.get(reverse("offline"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "You are offline" in text
    assert "Nadia" not in text and user.email not in text
    client.logout()
    assert client.get(reverse("offline")).status_code == 200


@pytest.fixture
def enrolled():
    client = ClientFactory(time_zone="UTC")
    version = build_program_version(slug="aparicio2023", templates_per_phase=3)
    enrolled_client(today=TODAY, week=20, client=client, version=version)
    return client


def test_her_phone_keeps_her_next_14_days(client, enrolled, django_assert_max_num_queries):
    client.force_login(enrolled)
    with django_assert_max_num_queries(60):
        response = client.get(reverse("tracker:offline_pack"))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    pack = response.json()
    expected = ScheduledSession.objects.filter(
        client=enrolled, date__gte=TODAY, date__lt=TODAY + dt.timedelta(days=14)
    ).order_by("date")
    assert [row["id"] for row in pack["sessions"]] == [s.pk for s in expected]
    assert 5 <= len(pack["sessions"]) <= 6  # three a week
    first = expected[0]
    for url in (
        f"/me/sessions/{first.pk}/",
        f"/me/sessions/{first.pk}/go/",
        f"/me/sessions/{first.pk}/log/",
        "/home/",
    ):
        assert url in pack["urls"]
    exercise = first.template.blocks.first().prescriptions.first().exercise
    assert exercise.get_absolute_url() in pack["urls"]
    later = ScheduledSession.objects.filter(client=enrolled, date__gte=TODAY + dt.timedelta(14))
    assert all(f"/me/sessions/{s.pk}/" not in pack["urls"] for s in later)
    assert pack["csrf"] and pack["user"] == enrolled.pk


def test_the_list_changes_version_with_the_day(client, enrolled, time_machine):
    client.force_login(enrolled)
    first = client.get(reverse("tracker:offline_pack")).json()["version"]
    assert client.get(reverse("tracker:offline_pack")).json()["version"] == first
    time_machine.move_to(WEDNESDAY_MORNING + dt.timedelta(days=1), tick=False)
    assert client.get(reverse("tracker:offline_pack")).json()["version"] != first


def test_only_a_client_has_a_list_of_pages(client):
    assert client.get(reverse("tracker:offline_pack")).status_code == 302  # to log in
    client.force_login(PTFactory())
    assert client.get(reverse("tracker:offline_pack")).status_code == 404


def test_a_client_page_carries_what_the_offline_script_needs(client, enrolled):
    client.force_login(enrolled)
    text = client.get(reverse("home")).content.decode()
    assert '<meta name="csrf-token"' in text
    assert f'<meta name="prenafit-client" content="{enrolled.pk}">' in text
    assert 'id="outbox-status"' in text
    start = text.index('id="offline-texts"')
    texts = json.loads(text[text.index(">", start) + 1 : text.index("</script>", start)])
    assert texts["not_told"].startswith("Nobody has been told yet")
    assert texts["tiers"]["vaginal_bleeding"].startswith("Stop now. Call your maternity unit")
    assert texts["tier_order"][0] == texts["tiers"]["chest_pain"]


def test_a_pt_page_has_no_outbox(client):
    client.force_login(PTFactory())
    text = client.get(reverse("home")).content.decode()
    assert "prenafit-client" not in text and "offline-texts" not in text


def test_log_out_tells_the_browser_to_wipe_this_site(client, enrolled):
    client.force_login(enrolled)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "_auth_user_id" not in client.session
    # Asking (GET) wipes nothing: it only shows the confirmation page.
    assert "Clear-Site-Data" not in client.get(reverse("account_logout"))


def test_the_phones_copy_of_a_page_leaves_her_messages_for_the_page_she_opens(client, enrolled):
    """The worker fetches the pages it keeps in the background: a one-time message must wait
    for the page she opens herself."""
    client.force_login(enrolled)
    client.post(reverse("tracker:notifications_read_all"))  # leaves a message for the next page
    message = "All notifications marked as read."

    copy = client.get(reverse("home"), headers={"X-Offline-Copy": "1"})
    assert message not in copy.content.decode()
    assert message in client.get(reverse("home")).content.decode()
