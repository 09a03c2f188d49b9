"""Her phone in a gym basement (issue 17): the app installs, keeps her next sessions, and a
log made with no network is kept on the phone and sent exactly once when the network is back.

Playwright's offline switch makes the page offline (navigator.onLine false, fetch fails) but
not the service worker's own requests, and it never fires `sync`: these tests use the page's
`online` event and page-load paths, and route the worker's requests to an error where a true
outage matters.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, utc_today
from tests.clock import pin
from tests.factories import (
    ClientFactory,
    PTFactory,
    build_program_version,
    enrolled_client,
)
from tracker.models import Alert, SessionLog
from tracker.safety import HELD, state_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pin()]

# How long a test waits for a send to show: the server opens a hold, alerts her PT and e-mails
# after commit, which takes seconds on a busy two-core CI machine.
SYNC = 15_000


def _client_with_session_today(pt=None, name="Olivia Offline"):
    today = utc_today()
    client = ClientFactory(full_name=name, time_zone="UTC")
    version = build_program_version(
        slug="aparicio2023", templates_per_phase=3, prescriptions_per_block=1
    )
    weekdays = sorted({today.weekday(), (today.weekday() + 2) % 7, (today.weekday() + 4) % 7})
    enrolled_client(today=today, week=20, client=client, version=version, pt=pt, weekdays=weekdays)
    session = client.scheduled_sessions.get(date=today)
    return client, session


def _log_in(page, base, email):
    from django.conf import settings

    page.goto(base + "/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(settings.PRENAFIT_DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("You are logged in as")).to_be_visible()


def _wait_for_worker(page):
    """The service worker is installed, active and controls the page. A page whose navigation
    began while the worker was still installing can miss its claim (a race in the browser):
    the next page load is controlled, as for her on her next tap."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # A plain predicate: wait_for_function takes the Promise of an async one as true at once.
    controlled = (
        "() => !!navigator.serviceWorker.controller"
        " && navigator.serviceWorker.controller.state === 'activated'"
    )
    for _ in range(3):
        try:
            page.wait_for_function(controlled, timeout=10_000)
            return
        except PlaywrightTimeout:
            page.reload()
    page.wait_for_function(controlled, timeout=10_000)


def _log_offline(page, context, *, minutes: int, rpe: int, signs=()):
    """Cut the network, fill in the open log form (completed) and save: kept on the phone."""
    context.set_offline(True)
    page.get_by_label("Completed").check()
    page.get_by_label("Minutes").fill(str(minutes))
    page.get_by_label("Effort (Borg scale 6-20)").select_option(str(rpe))
    for sign in signs:
        page.get_by_label(sign).check()
    page.get_by_role("button", name="Save my log").click()
    expect(page.locator("[data-offline-saved]")).to_be_visible()


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    page.set_default_timeout(15_000)
    return page


def test_the_app_is_installable(phone, live_server):
    page, base = phone, live_server.url
    page.goto(base + "/")
    href = page.locator('link[rel="manifest"]').get_attribute("href")
    response = page.request.get(base + href)
    assert response.ok
    manifest = response.json()
    assert manifest["name"].startswith("Prenafit") and manifest["short_name"] == "Prenafit"
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/home/"
    assert manifest["theme_color"].startswith("#")
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        assert page.request.get(base + href.rsplit("/", 1)[0] + "/" + icon["src"]).ok
    page.reload()
    _wait_for_worker(page)
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == base + "/"


def test_a_log_made_offline_is_sent_once_when_back_online(phone, live_server, context):
    client, session = _client_with_session_today()
    page, base = phone, live_server.url
    _log_in(page, base, client.email)
    _wait_for_worker(page)
    page.goto(f"{base}/me/sessions/{session.pk}/log/")
    expect(page.get_by_role("heading", name="Log your session")).to_be_visible()

    _log_offline(page, context, minutes=47, rpe=13)
    expect(
        page.get_by_text("Saved on this phone. It will be sent when you are back")
    ).to_be_visible()
    expect(page.locator("[data-outbox=waiting]")).to_contain_text("will be sent")
    assert SessionLog.objects.filter(client=client).count() == 0

    context.set_offline(False)  # fires `online`: the page sends it
    expect(page.locator("[data-outbox=sent]")).to_be_visible(timeout=SYNC)
    log = SessionLog.objects.get(client=client)
    assert (log.session_id, log.status, log.minutes, log.rpe) == (session.pk, "completed", 47, 13)
    assert log.performed_on == session.date

    # A page load sends nothing more, and the same log can't come twice.
    page.goto(base + "/home/")
    expect(page.locator("[data-outbox=waiting]")).to_have_count(0)
    assert SessionLog.objects.filter(client=client).count() == 1


def test_a_retry_after_a_lost_answer_makes_no_second_log(phone, live_server):
    """The server saved the log but the answer never reached the phone: the retry carries the
    same Idempotency-Key and gets the first answer back."""
    client, session = _client_with_session_today()
    page, base = phone, live_server.url
    _log_in(page, base, client.email)
    page.goto(f"{base}/me/sessions/{session.pk}/log/")
    lost = {"count": 0}

    def lose_the_first_answer(route):
        response = route.fetch()
        lost["count"] += 1
        if lost["count"] == 1:
            route.abort("connectionreset")  # saved on the server, answer lost
        else:
            route.fulfill(response=response)

    page.route(f"**/api/v1/me/sessions/{session.pk}/log/", lose_the_first_answer)
    page.evaluate(
        """async ([url]) => window.PrenafitOutbox.save({url, label: "test",
            body: {status: "completed", minutes: 30, rpe: 12}})""",
        [f"/api/v1/me/sessions/{session.pk}/log/"],
    )
    expect(page.locator("[data-outbox=waiting]")).to_be_visible()
    assert SessionLog.objects.filter(client=client).count() == 1
    page.reload()  # the page-load path sends what waits
    expect(page.locator("[data-outbox=sent]")).to_be_visible(timeout=SYNC)
    assert lost["count"] == 2
    assert SessionLog.objects.filter(client=client).count() == 1


def test_a_warning_sign_ticked_offline_says_so_at_once_and_holds_once_sent(
    phone, live_server, context
):
    pt = PTFactory(full_name="Paula Therapist", time_zone="UTC")
    client, session = _client_with_session_today(pt=pt, name="Wendy Offline")
    page, base = phone, live_server.url
    _log_in(page, base, client.email)
    _wait_for_worker(page)
    page.goto(f"{base}/me/sessions/{session.pk}/log/")

    _log_offline(page, context, minutes=15, rpe=15, signs=["Vaginal bleeding"])
    saved = page.locator("[data-offline-saved]")
    expect(saved).to_contain_text("Call your maternity unit or the emergency number now")
    expect(saved).to_contain_text("Nobody has been told yet")
    assert state_of(client).state != HELD and not Alert.objects.filter(client=client).exists()

    context.set_offline(False)  # sent: the page she saved it on opens the stop page
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Vaginal bleeding", timeout=SYNC)
    expect(alert).to_contain_text("Your physical therapist Paula Therapist has been alerted")
    assert state_of(client).state == HELD
    assert Alert.objects.filter(client=client).count() == 1


def test_a_log_sent_from_another_page_says_so_there(phone, live_server, context):
    """She saved a log with a warning sign offline and went on to another page: when it is
    sent, that page says a hold is open, who was told, and links to what to do."""
    pt = PTFactory(full_name="Paula Therapist", time_zone="UTC")
    client, session = _client_with_session_today(pt=pt, name="Wendy Later")
    page, base = phone, live_server.url
    _log_in(page, base, client.email)
    page.goto(f"{base}/me/sessions/{session.pk}/log/")
    # The network drops while she saves: her fetch fails, whichever way it would have gone (a
    # route on the page misses a request the service worker lets through once it controls it).
    outcome = page.evaluate(
        """async ([url]) => {
            const real = window.fetch;
            window.fetch = () => Promise.reject(new TypeError("Failed to fetch"));
            try {
                return await window.PrenafitOutbox.save({url, label: "Today's session",
                    body: {status: "completed", minutes: 20, rpe: 13,
                           warning_signs: ["dizziness"]}});
            } finally {
                window.fetch = real;
            }
        }""",
        [f"/api/v1/me/sessions/{session.pk}/log/"],
    )
    assert outcome["state"] == "kept"
    assert state_of(client).state != HELD and not SessionLog.objects.filter(client=client).exists()
    page.goto(base + "/me/week/")  # the page load sends it
    sent = page.locator("[data-outbox=sent]")
    expect(sent).to_contain_text("A safety hold is now open", timeout=SYNC)
    expect(sent).to_contain_text("Paula Therapist")
    assert state_of(client).state == HELD
    sent.get_by_role("link", name="What to do now").click()
    expect(page.get_by_role("alert")).to_contain_text("Dizziness")


def test_an_expired_session_keeps_the_log_until_she_logs_in(phone, live_server, context):
    client, session = _client_with_session_today()
    page, base = phone, live_server.url
    _log_in(page, base, client.email)
    page.goto(f"{base}/me/sessions/{session.pk}/log/")
    _log_offline(page, context, minutes=30, rpe=12)

    context.clear_cookies()  # her session ran out while she was away
    context.set_offline(False)
    expect(page.locator("[data-outbox=login]")).to_contain_text("Log in again", timeout=SYNC)
    assert SessionLog.objects.filter(client=client).count() == 0
    page.locator("[data-outbox=login]").get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill(client.email)
    from django.conf import settings

    page.get_by_label("Password").fill(settings.PRENAFIT_DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("[data-outbox=sent]")).to_be_visible(timeout=SYNC)
    assert SessionLog.objects.filter(client=client).count() == 1


def test_her_next_sessions_open_offline_and_other_pages_say_offline(phone, live_server, context):
    client, session = _client_with_session_today()
    page, base = phone, live_server.url
    _log_in(page, base, client.email)
    _wait_for_worker(page)
    page.goto(base + "/home/")  # asks the worker to keep her next 14 days
    page.wait_for_function("() => !!localStorage.getItem('prenafit-pack')", timeout=30_000)
    # A true outage: the worker's own requests fail too.
    context.route("**/*", lambda route: route.abort("internetdisconnected"))
    context.set_offline(True)
    page.goto(f"{base}/me/sessions/{session.pk}/")
    expect(page.get_by_role("heading", name=session.template.name, exact=False)).to_be_visible()
    page.goto(f"{base}/me/sessions/{session.pk}/go/")
    expect(page.get_by_role("button", name="None of these, start")).to_be_visible()
    exercise = session.template.blocks.first().prescriptions.first().exercise
    page.goto(base + exercise.get_absolute_url())
    expect(page.get_by_role("heading", name=exercise.name)).to_be_visible()
    page.goto(base + "/me/progress/")
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    expect(page.get_by_role("link", name="Start").first).to_be_visible()


def test_log_out_wipes_the_phone(phone, live_server, context):
    client, session = _client_with_session_today()
    page, base = phone, live_server.url
    _log_in(page, base, client.email)
    _wait_for_worker(page)
    page.goto(base + "/home/")
    page.wait_for_function("() => !!localStorage.getItem('prenafit-pack')", timeout=30_000)
    page.evaluate(
        """async ([url]) => { await PrenafitOutboxCore.add({user: 0, url, label: "x",
            body: {status: "completed"}}); }""",
        [f"/api/v1/me/sessions/{session.pk}/log/"],
    )
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    left = page.evaluate(
        """async () => ({caches: (await caches.keys()).filter(n => n.startsWith("prenafit-")),
            dbs: (await indexedDB.databases()).map(d => d.name)})"""
    )
    # Her pages and waiting logs are gone (the static files, re-cached by the worker the
    # landing page registers again, hold nothing of hers).
    assert "prenafit-pages" not in left["caches"], left
    assert "prenafit" not in left["dbs"], left


def test_a_log_sent_while_her_program_is_paused_is_kept_and_flagged(phone, live_server, context):
    """SAFETY.md section 1: data is never refused for being inconvenient."""
    from tracker.services.safety import pause_open

    client, session = _client_with_session_today(name="Paz Paused")
    page, base = phone, live_server.url
    _log_in(page, base, client.email)
    page.goto(f"{base}/me/sessions/{session.pk}/log/")
    _log_offline(page, context, minutes=40, rpe=12)

    pause_open(client=client, by=client, reason="holiday", today=utc_today())  # meanwhile
    context.set_offline(False)
    expect(page.locator("[data-offline-saved]")).to_contain_text("Sent:", timeout=SYNC)
    log = SessionLog.objects.get(client=client)
    assert (log.minutes, log.rpe, log.flagged) == (40, 12, True)


def test_a_different_log_for_a_session_already_logged_is_refused_and_she_is_told(
    phone, live_server, context
):
    from tracker import services
    from tracker.services import LogInput

    client, session = _client_with_session_today(name="Dora Double")
    page, base = phone, live_server.url
    _log_in(page, base, client.email)
    page.goto(f"{base}/me/sessions/{session.pk}/log/")
    _log_offline(page, context, minutes=35, rpe=14)

    # Meanwhile she logged it from her laptop.
    services.session_log_record(
        client=client,
        session=session,
        data=LogInput(status="completed", performed_on=session.date, minutes=60, rpe=13),
        today=utc_today(),
    )
    context.set_offline(False)
    refused = page.locator("[data-outbox=refused]")
    expect(refused).to_contain_text("Not sent", timeout=SYNC)
    expect(refused).to_contain_text("already")
    assert list(SessionLog.objects.filter(client=client).values_list("minutes", flat=True)) == [60]
    refused.get_by_role("button", name="Discard").click()
    expect(refused).to_have_count(0)
    page.reload()
    expect(page.locator("[data-outbox=refused]")).to_have_count(0)
