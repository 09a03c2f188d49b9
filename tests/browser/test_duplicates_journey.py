"""Sending a form twice saves once, in real Chromium: a double click on Save, then Back and Save
again, leave one extra-session log, and the second send says what happened
(users/idempotency.py and static/js/forms.js)."""

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, utc_today
from tests.clock import pin
from tests.factories import ClientFactory, enrolled_client
from tracker.models import SessionLog
from users.idempotency import ALREADY_SAVED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pin()]


def test_double_click_and_back_then_save_again_keep_one_log(page, live_server, reference_data):
    her = ClientFactory(time_zone="UTC")
    enrolled_client(today=utc_today(), client=her)
    page.set_default_timeout(10_000)
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(her.email)
    page.get_by_label("Password").fill(settings.PRENAFIT_DEMO_PASSWORD)
    page.locator("form button[type=submit]").first.click()
    expect(page.get_by_text("You are logged in as")).to_be_visible()

    page.goto(live_server.url + "/me/logs/new/")
    page.get_by_label("Minutes").fill("35")
    page.get_by_label("Effort").select_option("12")
    save = page.locator("main form[method=post] button[type=submit]").last
    save.dblclick()
    expect(page.get_by_text("Session logged", exact=False)).to_be_visible()
    assert SessionLog.objects.filter(client=her).count() == 1

    # Back (the browser fetches the form afresh), then Save again: the token it sent before
    # goes again, and the server answers with the first result.
    page.go_back()
    expect(page.locator("input[name=request_key]")).to_have_count(1)
    page.locator("main form[method=post] button[type=submit]").last.click()
    expect(page.get_by_text(str(ALREADY_SAVED))).to_be_visible()
    assert SessionLog.objects.filter(client=her).count() == 1

    # A new visit to the form is a new log.
    page.goto(live_server.url + "/me/logs/new/")
    page.get_by_label("Minutes").fill("20")
    page.get_by_label("Effort").select_option("11")
    page.locator("main form[method=post] button[type=submit]").last.click()
    expect(page.get_by_text("Session logged", exact=False)).to_be_visible()
    assert sorted(SessionLog.objects.filter(client=her).values_list("minutes", flat=True)) == [
        20,
        35,
    ]
