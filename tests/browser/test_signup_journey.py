"""A newcomer signs up, confirms her e-mail, and lands on her home page, in real Chromium."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, assert_no_horizontal_scroll
from tests.clock import pin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pin()]


def test_sign_up_confirm_email_log_in_and_see_home(page, live_server, screenshot):
    page.set_default_timeout(10_000)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + "/")
    assert_no_horizontal_scroll(page)
    page.get_by_role("link", name="Sign up").first.click()

    page.get_by_label("Email").fill("nora@example.test")
    page.locator("#id_password1").fill("a-long-Passw0rd!")
    page.get_by_label("Password (again)").fill("a-long-Passw0rd!")
    page.get_by_label("Full name").fill("Nora Newcomer")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_label("I am 16 or older.").check()
    page.get_by_label("Time zone").select_option("Europe/Madrid")
    screenshot("signup-phone")
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", name="Confirm your email address")).to_be_visible()
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Hello, Nora")).to_be_visible()
    assert_no_horizontal_scroll(page)
    screenshot("client-home-phone")

    # Log out, then log back in with the new account.
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Log out").click()
    # Log-out first wipes what the phone keeps (static/js/offline.js), then posts: wait for it.
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill("nora@example.test")
    page.get_by_label("Password").fill("a-long-Passw0rd!")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Hello, Nora")).to_be_visible()
