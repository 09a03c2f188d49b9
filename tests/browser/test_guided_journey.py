"""Her session on her phone, step by step (issue 17): from home's "Start guided session"
through the warning-sign check, one exercise per screen (a "too hard" with its alternative),
the network cut mid-session, the end screen, and the log sent exactly once when the network
comes back."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_offline_journey import (
    SYNC,
    _client_with_session_today,
    _log_in,
    _wait_for_worker,
)
from tests.clock import pin
from tests.factories import PTFactory
from tracker.models import Alert, ExerciseLog, SessionLog
from tracker.safety import HELD, state_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pin()]


@pytest.fixture
def phone(page, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.set_default_timeout(15_000)
    return page


def test_a_guided_session_with_the_network_cut_mid_session(phone, live_server, context, screenshot):
    client, session = _client_with_session_today(name="Gina Guided")
    page, base = phone, live_server.url
    _log_in(page, base, client.email)
    _wait_for_worker(page)
    page.get_by_role("link", name="Start guided session").first.click()

    check = page.locator("[data-screen=check]")
    expect(check.get_by_role("heading", name="do you have any of these right now?")).to_be_visible()
    screenshot("guided-01-check")
    check.get_by_role("button", name="None of these, start").click()

    exercise = page.locator("[data-screen=exercise]")
    steps = page.evaluate("() => JSON.parse(document.getElementById('guided-steps').textContent)")
    assert len(steps) >= 3
    expect(exercise.get_by_text(f"Exercise 1 of {len(steps)}")).to_be_visible()
    box = exercise.get_by_role("button", name="Done, next").bounding_box()
    assert box["height"] >= 44
    screenshot("guided-02-first-exercise")

    # The second exercise is too hard: recorded, and its alternative is offered.
    exercise.get_by_role("button", name="Done, next").click()
    expect(exercise.get_by_text(f"Exercise 2 of {len(steps)}")).to_be_visible()
    exercise.get_by_role("button", name="Too hard").click()
    expect(exercise.get_by_text("Your PT will see that it was too hard")).to_be_visible()
    screenshot("guided-03-too-hard")
    exercise.get_by_role("button", name="Go on").click()

    # The gym's basement: no network from here on, for the page and the service worker.
    context.route("**/*", lambda route: route.abort("internetdisconnected"))
    context.set_offline(True)
    page.clock.fast_forward("24:00")  # the session took her a while
    for _ in range(len(steps) - 2):
        exercise.get_by_role("button", name="Done, next").click()

    end = page.locator("[data-screen=end]")
    expect(end.get_by_role("heading", name="Well done. How did it go?")).to_be_visible()
    minutes = int(end.get_by_label("Minutes").input_value())
    assert 24 <= minutes <= 26, minutes  # filled in from the time it took
    expect(end.get_by_label("I did part of it")).to_be_checked()  # one was too hard
    end.get_by_label("13 · somewhat hard").check()
    screenshot("guided-04-end")
    end.get_by_role("button", name="Save my log").click()

    saved = page.locator("[data-screen=saved]")
    expect(
        saved.get_by_text("Saved on this phone. It will be sent when you are back")
    ).to_be_visible()
    screenshot("guided-05-kept-offline")
    assert SessionLog.objects.filter(client=client).count() == 0

    # Back online: the page sends it once.
    context.unroute("**/*")
    context.set_offline(False)
    expect(page.locator("[data-outbox=sent]")).to_be_visible(timeout=SYNC)
    expect(saved.get_by_role("heading", name="Saved. Well done!")).to_be_visible(timeout=SYNC)
    expect(saved.get_by_text("Saved on this phone")).to_be_hidden()
    screenshot("guided-06-sent")
    log = SessionLog.objects.get(client=client)
    assert (log.session_id, log.status, log.minutes, log.rpe) == (
        session.pk,
        "partial",
        minutes,
        13,
    )
    too_hard = ExerciseLog.objects.filter(log=log, too_hard=True)
    assert [line.prescription_id for line in too_hard] == [steps[1]["prescription"]]
    page.goto(base + "/home/")
    expect(page.locator("[data-outbox=sent], [data-outbox=waiting]")).to_have_count(0, timeout=SYNC)
    assert SessionLog.objects.filter(client=client).count() == 1


def test_a_warning_sign_before_starting_stops_her_and_holds_the_program(
    phone, live_server, screenshot
):
    pt = PTFactory(full_name="Paula Therapist", time_zone="UTC")
    client, session = _client_with_session_today(pt=pt, name="Hana Hold")
    page, base = phone, live_server.url
    _log_in(page, base, client.email)
    page.goto(f"{base}/me/sessions/{session.pk}/go/")
    check = page.locator("[data-screen=check]")
    check.get_by_label("Dizziness").check()
    check.get_by_role("button", name="Yes, I have one of these").click()
    expect(page.get_by_role("alert")).to_contain_text("Dizziness")
    expect(page.get_by_role("alert")).to_contain_text("Paula Therapist")
    screenshot("guided-07-stop")
    assert state_of(client).state == HELD
    assert Alert.objects.filter(client=client).count() == 1
    log = SessionLog.objects.get(client=client)
    assert (log.status, log.warning_signs) == ("skipped", ["dizziness"])
