import datetime as dt
import os
import pathlib
import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

# pytest-django's live_server with Playwright's sync API (see ../shared/STACK.md).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = pathlib.Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(autouse=True)
def _page_clock(page):
    """The page's clock starts where the server's is (the browser tests pin it:
    tests/clock.py) and flows from there, so the browser and the server agree on the day."""
    page.clock.install(time=dt.datetime.now(dt.UTC))


@pytest.fixture(autouse=True)
def _email_links_to_the_live_server(live_server, settings):
    """Every link in every e-mail starts with PRENAFIT_BASE_URL: here, the live server's."""
    settings.PRENAFIT_BASE_URL = live_server.url


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot as a test artifact; returns its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> pathlib.Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser_context_args(browser_context_args):
    """Ask for reduced motion: Bootstrap then opens the phone menu with no transition, so a
    click on "Log out" cannot land while the menu is still sliding open (it was then lost)."""
    return {**browser_context_args, "reduced_motion": "reduce"}


def assert_no_horizontal_scroll(page):
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"page scrolls sideways by {overflow}px at {page.viewport_size}"


# --- helpers for the journeys -------------------------------------------------------------

DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


def utc_today() -> dt.date:
    """Today (on the pinned clock) for a user whose time zone is UTC (the journeys' users all
    live in UTC)."""
    return dt.datetime.now(dt.UTC).date()


class Journey:
    """One user's walk through the app at one viewport: every page visited is checked for
    sideways scrolling, and steps are saved as `<name>-journey-<step>-<viewport>.png`."""

    def __init__(self, page, base_url: str, viewport: str, screenshot):
        self.page = page
        self.base_url = base_url
        self.viewport = viewport
        self._screenshot = screenshot
        page.set_default_timeout(10_000)
        page.set_viewport_size(VIEWPORTS[viewport])

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str):
        response = self.page.goto(self.url(path))
        assert response is not None, f"GET {path}: no response"
        assert response.ok, f"GET {path} answered {response.status}"
        self.check()
        return response

    def check(self):
        assert_no_horizontal_scroll(self.page)

    def snap(self, journey: str, step: str):
        self.check()
        return self._screenshot(f"{journey}-journey-{step}-{self.viewport}")

    def log_in(self, email: str, password: str | None = None):
        self.goto("/accounts/login/")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password or settings.PRENAFIT_DEMO_PASSWORD)
        self.page.get_by_role("button", name="Log in").click()
        expect(self.page.get_by_text("You are logged in as")).to_be_visible()

    def open_menu(self):
        """On a phone the navigation sits behind the "Menu" toggler."""
        toggler = self.page.get_by_role("button", name="Menu")
        if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
            toggler.click()
            expect(self.page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))

    def log_out(self):
        self.open_menu()
        self.page.get_by_role("button", name="Log out").click()
        # Wait for the log-out to land: a goto() issued before would cancel its POST.
        expect(self.page.get_by_text("You have logged out.")).to_be_visible()


@pytest.fixture(params=list(VIEWPORTS))
def journey(request, page, live_server, screenshot):
    """A Journey at each viewport (desktop 1280x800 and phone 390x844)."""
    return Journey(page, live_server.url, request.param, screenshot)
