import copy
import datetime as dt
import functools
import os
import pathlib
import re
import threading
import time

import pytest
from django.conf import settings
from django.core import mail
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from tests.i18n.english import english_left, visible_text

# pytest-django's live_server with Playwright's sync API (see ../shared/STACK.md).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = pathlib.Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _requests_in_flight() -> list[threading.Thread]:
    """The live server's threads still answering a request (socketserver's ThreadingMixIn names
    each one after its target)."""
    return [t for t in threading.enumerate() if "process_request_thread" in t.name and t.is_alive()]


@pytest.fixture(autouse=True)
def _server_idle_before_flush(live_server):
    """Set up before the page, so torn down after its browser context closed and before the
    database is flushed: wait for the requests the page left running (a service worker's
    background fetch) to end. A query still running while the flush truncates every table
    can deadlock it, and the flush fails, leaving this test's rows to the next one."""
    yield
    deadline = time.monotonic() + 15
    while (busy := _requests_in_flight()) and time.monotonic() < deadline:
        busy[0].join(timeout=0.1)


@pytest.fixture(autouse=True)
def _page_clock(_server_idle_before_flush, page):
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


# The journeys' languages: a test runs in Spanish too with
# `@pytest.mark.parametrize("language", LANGUAGES)`; every other test keeps English.
LANGUAGES = ["en", "es"]
BROWSER_LOCALES = {"es": "es-ES"}  # Chromium's locale, hence its Accept-Language


@pytest.fixture
def language():
    """The journey's language ("en" unless the test parametrizes `language`)."""
    return "en"


@pytest.fixture
def browser_context_args(browser_context_args, language):
    """Ask for reduced motion: Bootstrap then opens the phone menu with no transition, so a
    click on "Log out" cannot land while the menu is still sliding open (it was then lost).
    A Spanish journey's browser speaks Spain's Spanish (es-ES), as a visitor's would."""
    args = {**browser_context_args, "reduced_motion": "reduce"}
    if language in BROWSER_LOCALES:
        args["locale"] = BROWSER_LOCALES[language]
    return args


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


@pytest.fixture
def reference_data(reference_data, language):
    """tests/conftest.py's reference rows (as its data migrations left them); in a Spanish
    journey, the screen's current questions (data migration 0008) and the Spanish of the
    screen and the ODI (0020), which a flushed database has lost."""
    if language == "en":
        return
    import importlib

    from django.apps import apps

    from tracker.models import ScreeningQuestion

    current = importlib.import_module("tracker.migrations.0008_safety_items_data")
    order = 0
    for kind, rows in (("absolute", current.ABSOLUTE), ("relative", current.RELATIVE)):
        for key, text, source, rescreen in rows:
            order += 1
            ScreeningQuestion.objects.update_or_create(
                key=key,
                defaults={"text_en": text, "kind": kind, "order": order, "source": source,
                          "rescreen": rescreen, "active": True},
            )  # fmt: skip
    ScreeningQuestion.objects.filter(key__in=current.RETIRED).update(active=False)
    importlib.import_module("tracker.migrations.0020_spanish_screen_odi").add_spanish(apps, None)


def english_found(text: str, where: str) -> str:
    """The failure message for English left on a page or in an e-mail meant to be Spanish."""
    snippets = english_left(text)
    return f"English left in {where}:\n" + "\n".join(f"  ...{s}..." for s in snippets)


_URL = re.compile(r"https?://\S+")


def assert_email_in(language: str, message) -> None:
    """A Spanish journey's e-mail has no English in its subject or its body (links, whose
    tokens can hold any letters, left out)."""
    if language == "en":
        return
    parts = [message.subject, message.body]
    parts += [visible_text(content) for content, kind in getattr(message, "alternatives", [])
              if kind == "text/html"]  # fmt: skip
    text = _URL.sub(" ", "\n".join(parts))
    assert not english_left(text), english_found(text, f"the e-mail {message.subject!r}")


def last_email_to(address: str, language: str = "en"):
    """The newest e-mail sent to `address` (checked for English in a Spanish journey)."""
    message = next(m for m in reversed(mail.outbox) if address in m.to)
    assert_email_in(language, message)
    return message


@functools.cache
def _shipped_program_file() -> dict:
    from programs.loaders import read_program_file, resolve_program_file

    return read_program_file(resolve_program_file("aparicio2023"))


def journey_program(language: str):
    """The published version a journey enrols on: in Spanish the shipped program (its content
    is bilingual), in English the factory's small one (English only, quicker to build)."""
    if language == "en":
        from tests.factories import build_program_version

        return build_program_version(
            slug="aparicio2023", templates_per_phase=3, prescriptions_per_block=1
        )
    from programs.loaders import program_load

    return program_load(copy.deepcopy(_shipped_program_file()), publish=True).version


class Journey:
    """One user's walk through the app at one viewport and in one language: every page
    visited is checked for sideways scrolling (and, in Spanish, for English left on it), and
    steps are saved as `<name>-journey-<step>-<viewport>[-<language>].png` (no suffix for
    English)."""

    def __init__(self, page, base_url: str, viewport: str, screenshot, language: str = "en"):
        self.page = page
        self.base_url = base_url
        self.viewport = viewport
        self.language = language
        self._screenshot = screenshot
        page.set_default_timeout(10_000)
        page.set_viewport_size(VIEWPORTS[viewport])

    # --- the journey's language ---------------------------------------------------------

    def t(self, msgid: str, context: str | None = None, **values) -> str:
        """`msgid` as the app shows it in the journey's language (`context` for a msgid
        marked with pgettext), its %(placeholders)s filled from `values`."""
        with translation.override(self.language):
            text = translation.pgettext(context, msgid) if context else translation.gettext(msgid)
        return text % values if values else text

    def tn(self, singular: str, plural: str, count: int, **values) -> str:
        """A counted msgid (ngettext, i.e. blocktranslate count) for `count`."""
        with translation.override(self.language):
            text = translation.ngettext(singular, plural, count)
        return text % values if values else text

    def date(self, value, format_msgid: str = "j F Y") -> str:
        """A date (or an aware datetime, seen in UTC like the journeys' users) as the app
        writes it with the translated format `format_msgid`."""
        if isinstance(value, dt.datetime):
            value = timezone.localtime(value, dt.UTC)
        with translation.override(self.language):
            return formats.date_format(value, translation.gettext(format_msgid))

    def number(self, value, decimal_pos: int | None = None) -> str:
        """A number as the app writes it in the journey's language (decimal comma in
        Spanish)."""
        with translation.override(self.language):
            return formats.number_format(value, decimal_pos)

    def email(self, address: str):
        """The newest e-mail to `address`; in Spanish, checked for English."""
        return last_email_to(address, self.language)

    def assert_no_english(self):
        if self.language == "en":
            return
        text = visible_text(self.page.content())
        assert not english_left(text), english_found(text, self.page.url)

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
        self.assert_no_english()

    def snap(self, journey: str, step: str):
        self.check()
        suffix = "" if self.language == "en" else f"-{self.language}"
        return self._screenshot(f"{journey}-journey-{step}-{self.viewport}{suffix}")

    def log_in(self, email: str, password: str | None = None):
        from allauth.account.utils import user_display

        from users.models import User

        self.goto("/accounts/login/")
        self.page.get_by_label(self.t("Email")).fill(email)
        self.page.get_by_label(self.t("Password")).fill(password or settings.PRENAFIT_DEMO_PASSWORD)
        self.page.get_by_role("button", name=self.t("Log in")).click()
        name = user_display(User.objects.get(email__iexact=email))
        expect(
            self.page.get_by_text(self.t("You are logged in as %(name)s.", name=name))
        ).to_be_visible()
        self.assert_no_english()

    def open_menu(self):
        """On a phone the navigation sits behind the "Menu" toggler."""
        toggler = self.page.get_by_role("button", name=self.t("Menu"))
        if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
            toggler.click()
            expect(self.page.locator("#nav")).to_have_class(re.compile(r"\bshow\b"))

    def log_out(self):
        self.open_menu()
        self.page.get_by_role("button", name=self.t("Log out")).click()
        # Wait for the log-out to land: a goto() issued before would cancel its POST.
        expect(self.page.get_by_text(self.t("You have logged out."))).to_be_visible()
        self.assert_no_english()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request):
    """The journey's viewport: desktop (1280x800) and phone (390x844) unless the test
    parametrizes `viewport`."""
    return request.param


@pytest.fixture
def journey(page, live_server, screenshot, viewport, language):
    """A Journey at each viewport (desktop 1280x800 and phone 390x844), in English unless the
    test parametrizes `language`."""
    return Journey(page, live_server.url, viewport, screenshot, language)
