"""A new client, from sign-up to her progress chart, in real Chromium at desktop and phone
sizes: sign up and confirm her e-mail, enter her due date (week 20 today), pass the safety
screen, enrol on days that include today, log today's session with an effort score, do her
baseline pain check-in and see her progress chart."""

import datetime as dt
import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import utc_today
from tests.clock import pin
from tests.factories import build_program_version
from tracker.models import Assessment, Enrolment, SessionLog
from tracker.schedule import WEEKDAY_NAMES
from users.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pin()]

PASSWORD = "a-long-Passw0rd!"


def test_client_signs_up_enrols_logs_today_and_sees_progress(journey, reference_data):
    build_program_version(slug="aparicio2023", templates_per_phase=3, prescriptions_per_block=1)
    page = journey.page
    email = f"mia-{journey.viewport}@example.test"
    today = utc_today()
    # Today's weekday and two others, a rest day between each (no back-to-back warning).
    weekdays = sorted({today.weekday(), (today.weekday() + 2) % 7, (today.weekday() + 4) % 7})

    # 1. Sign up (time zone UTC, so her "today" is the test's) and confirm the e-mail.
    journey.goto("/")
    assert page.evaluate("() => new Date().toISOString().slice(0, 10)") == today.isoformat()
    journey.open_menu()
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Email").fill(email)
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_label("Full name").fill("Mia Martín")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_label("I am 16 or older.").check()
    page.get_by_label("pregnant and want to follow the program").check()
    page.get_by_label("Time zone").select_option("UTC")
    journey.snap("client", "01-signup")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Confirm your email address")).to_be_visible()
    journey.check()
    body = next(m.body for m in reversed(mail.outbox) if email in m.to)
    page.goto(re.search(r"https?://\S+/accounts/confirm-email/\S+/", body).group(0))
    journey.check()
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Hello, Mia")).to_be_visible()
    journey.snap("client", "02-home-new")

    # 2. Her due date: 140 days from now puts her at week 20+0 today.
    page.get_by_role("link", name="Enter your due date").click()
    expect(page.get_by_role("heading", name="Your pregnancy")).to_be_visible()
    page.get_by_label("Estimated due date").fill((today + dt.timedelta(days=140)).isoformat())
    journey.snap("client", "03-pregnancy")
    page.get_by_role("button", name="Save").click()

    # 3. The safety screen: "No" to every question.
    expect(page.get_by_role("heading", name="Safety screen")).to_be_visible()
    answers = page.locator("input[type=radio][value=no]")
    assert answers.count() > 5
    for i in range(answers.count()):
        answers.nth(i).check()
    journey.snap("client", "04-screening")
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_text("Nothing in your answers stands in the way")).to_be_visible()
    journey.snap("client", "05-screening-result")

    # 4. Enrol on today's weekday and two others.
    page.get_by_role("link", name="Continue to enrolment").click()
    expect(page.get_by_role("heading", name="Enrol in the program")).to_be_visible()
    for number, name in enumerate(WEEKDAY_NAMES):
        page.get_by_label(name, exact=True).set_checked(number in weekdays)
    expect(page.get_by_label("Time zone")).to_have_value("UTC")
    journey.snap("client", "06-enrol")
    page.get_by_role("button", name="Build my schedule").click()

    # 5. Home shows today's session; she logs it with an effort score.
    expect(page.get_by_text("You are enrolled")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"^Today: session"))).to_be_visible()
    expect(page.locator(".ga")).to_have_text("20+0")
    journey.snap("client", "07-home-today")
    page.get_by_role("link", name="Log this session").click()
    expect(page.get_by_role("heading", name="Log your session")).to_be_visible()
    journey.check()
    page.get_by_label("Completed").check()
    page.get_by_label("Minutes").fill("55")
    page.get_by_label("Effort (Borg scale 6-20)").select_option("13")
    page.get_by_label("Notes").fill("Felt good, a little tired at the end.")
    journey.snap("client", "08-log")
    page.get_by_role("button", name="Save my log").click()
    expect(page.get_by_text("Session logged. Well done!")).to_be_visible()
    journey.snap("client", "09-home-logged")

    # 6. The baseline pain check-in: two VAS sliders and the ten ODI sections.
    expect(page.get_by_text("Your baseline pain check-in is due.")).to_be_visible()
    page.get_by_role("link", name="Check in").click()
    expect(page.get_by_role("heading", name="Pain and disability check-in")).to_be_visible()
    page.get_by_label("Low back pain now").fill("35")
    page.get_by_label("Sciatic pain now").fill("12")
    expect(page.locator("#id_vas_low_back_mm_out")).to_have_text("35")
    expect(page.get_by_text("Step 1 of 2")).to_be_visible()
    journey.snap("client", "10-assessment-step-1")
    page.get_by_role("button", name="Next: daily activities").click()
    expect(page.get_by_text("Step 2 of 2")).to_be_visible()
    for section in range(1, 11):
        page.locator(f"input[name=odi_{section}][value='1']").check()
    journey.snap("client", "10-assessment")
    page.get_by_role("button", name="Save my check-in").click()
    expect(page).to_have_url(re.compile(r"/me/assessments/\d+/$"))
    journey.snap("client", "11-assessment-saved")

    # 7. The progress page draws her chart.
    journey.goto("/me/progress/")
    expect(page.get_by_role("heading", name="Your progress")).to_be_visible()
    expect(page.locator("svg").first).to_be_visible()
    journey.snap("client", "12-progress")

    client = User.objects.get(email=email)
    enrolment = Enrolment.objects.get(client=client)
    assert sorted(enrolment.weekdays) == weekdays
    log = SessionLog.objects.get(client=client)
    assert (log.session.date, log.status, log.minutes, log.rpe) == (today, "completed", 55, 13)
    assessment = Assessment.objects.get(client=client)
    assert (assessment.kind, assessment.vas_low_back_mm, assessment.vas_sciatic_mm) == (
        "baseline",
        35,
        12,
    )
