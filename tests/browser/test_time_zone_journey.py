"""Sign-up takes the browser's time zone (static/js/timezone.js), in real Chromium set to
Madrid's zone."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.clock import pin
from users.forms import BROWSER_ZONE_NOTE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pin()]


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "timezone_id": "Europe/Madrid"}


def test_sign_up_starts_at_the_browsers_time_zone_and_says_so(page, live_server):
    page.goto(live_server.url + reverse("account_signup"))

    expect(page.get_by_label("Time zone")).to_have_value("Europe/Madrid")
    expect(page.get_by_text(str(BROWSER_ZONE_NOTE))).to_be_visible()
