"""A new client, from sign-up to her progress chart, in real Chromium at desktop and phone
sizes, in English and in Spanish (her browser's language, so she signs up in Spanish): sign up
and confirm her e-mail, enter her due date (week 20 today), pass the safety screen, enrol on
days that include today, log today's session with an effort score, do her baseline pain
check-in and see her progress chart."""

import datetime as dt
import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.browser.conftest import LANGUAGES, journey_program, utc_today
from tests.clock import pin
from tracker.models import Assessment, Enrolment, SessionLog
from tracker.schedule import WEEKDAY_NAMES
from users.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pin()]

PASSWORD = "a-long-Passw0rd!"
NOTES = {"en": "Felt good, a little tired at the end.", "es": "Bien, algo cansada al final."}
# "<day> de <month>", as Spanish writes a date ("10 de marzo").
SPANISH_DATE = re.compile(r"\b\d{1,2} de [a-z]+\b")


@pytest.mark.parametrize("language", LANGUAGES)
def test_client_signs_up_enrols_logs_today_and_sees_progress(journey, reference_data):
    journey_program(journey.language)
    page, t = journey.page, journey.t
    email = f"mia-{journey.viewport}@example.test"
    today = utc_today()
    # Today's weekday and two others, a rest day between each (no back-to-back warning).
    weekdays = sorted({today.weekday(), (today.weekday() + 2) % 7, (today.weekday() + 4) % 7})

    # 1. Sign up (time zone UTC, so her "today" is the test's) and confirm the e-mail.
    journey.goto("/")
    assert page.evaluate("() => new Date().toISOString().slice(0, 10)") == today.isoformat()
    journey.open_menu()
    page.get_by_role("link", name=t("Sign up")).first.click()
    page.get_by_label(t("Email")).fill(email)
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label(t("Password (again)")).fill(PASSWORD)
    page.get_by_label(t("Full name")).fill("Mia Martín")
    page.get_by_label(
        t(
            "I have read the privacy notice and agree that Prenafit processes my data, "
            "including the health data I enter, as it describes."
        )
    ).check()
    page.get_by_label(t("I am 16 or older.")).check()
    page.get_by_label(t("pregnant and want to follow the program")).check()
    page.get_by_label(t("Time zone")).select_option("UTC")
    journey.snap("client", "01-signup")
    page.get_by_role("button", name=t("Sign up")).click()
    expect(page.get_by_role("heading", name=t("Confirm your email address"))).to_be_visible()
    journey.check()
    body = journey.email(email).body
    journey.goto(
        re.search(r"https?://\S+/accounts/confirm-email/\S+/", body)
        .group(0)
        .removeprefix(journey.base_url)
    )
    page.get_by_role("button", name=t("Confirm")).click()
    expect(page.get_by_role("heading", name=t("Hello, %(name)s", name="Mia"))).to_be_visible()
    journey.snap("client", "02-home-new")
    client = User.objects.get(email=email)
    assert client.language == journey.language  # the language of the page she signed up in

    # 2. Her due date: 140 days from now puts her at week 20+0 today.
    page.get_by_role("link", name=t("Enter your due date")).click()
    expect(page.get_by_role("heading", name=t("Your pregnancy"))).to_be_visible()
    page.get_by_label(t("Estimated due date")).fill((today + dt.timedelta(days=140)).isoformat())
    journey.snap("client", "03-pregnancy")
    page.get_by_role("button", name=t("Save"), exact=True).click()

    # 3. The safety screen: "No" to every question.
    expect(page.get_by_role("heading", name=t("Safety screen"))).to_be_visible()
    answers = page.locator("input[type=radio][value=no]")
    assert answers.count() > 5
    for i in range(answers.count()):
        answers.nth(i).check()
    journey.snap("client", "04-screening")
    page.get_by_role("button", name=t("Submit my answers")).click()
    expect(page.get_by_text(t("Nothing in your answers stands in the way."))).to_be_visible()
    journey.snap("client", "05-screening-result")

    # 4. Enrol on today's weekday and two others.
    page.get_by_role("link", name=t("Continue to enrolment")).click()
    expect(page.get_by_role("heading", name=t("Enrol in the program"))).to_be_visible()
    for number, name in enumerate(WEEKDAY_NAMES):
        page.get_by_label(t(name), exact=True).set_checked(number in weekdays)
    expect(page.get_by_label(t("Time zone"))).to_have_value("UTC")
    journey.snap("client", "06-enrol")
    page.get_by_role("button", name=t("Build my schedule")).click()

    # 5. Home shows today's session; she logs it with an effort score.
    log_link = page.get_by_role("link", name=t("Log this session"))
    expect(log_link).to_be_visible()
    enrolment = Enrolment.objects.get(client=client)
    session = enrolment.sessions.get(date=today)
    enrolled = t(
        "You are enrolled: %(n)d sessions are in your calendar.", n=enrolment.sessions.count()
    )
    first_on = journey.date(today, "l j F")  # her first session is today's
    expect(page.get_by_text(enrolled)).to_contain_text(
        t("The first is on %(date)s.", date=first_on)
    )
    with translation.override(journey.language):  # program content in her language
        today_is = t("Today: session %(code)s, %(name)s", code=session.template.code,
                     name=session.template.name)  # fmt: skip
    expect(page.get_by_role("heading", name=today_is)).to_be_visible()
    expect(page.locator(".ga")).to_have_text("20+0")
    journey.snap("client", "07-home-today")
    log_link.click()
    expect(page.get_by_role("heading", name=t("Log your session"))).to_be_visible()
    journey.check()
    page.get_by_role("radio", name=t("Completed"), exact=True).check()
    page.get_by_label(t("Minutes")).fill("55")
    page.get_by_label(t("Effort (Borg scale 6-20)")).select_option("13")
    page.get_by_label(t("Notes")).fill(NOTES[journey.language])
    journey.snap("client", "08-log")
    page.get_by_role("button", name=t("Save my log")).click()
    expect(page.get_by_text(t("Session logged. Well done!"))).to_be_visible()
    journey.snap("client", "09-home-logged")

    # 6. The baseline pain check-in: two VAS sliders and the ten ODI sections.
    expect(page.get_by_text(t("Your baseline pain check-in is due."))).to_be_visible()
    page.get_by_role("link", name=t("Check in"), exact=True).click()
    expect(page.get_by_role("heading", name=t("Pain and disability check-in"))).to_be_visible()
    page.get_by_label(t("Low back pain now")).fill("35")
    page.get_by_label(t("Sciatic pain now (pain running down the back of the leg)")).fill("12")
    expect(page.locator("#id_vas_low_back_mm_out")).to_have_text("35")
    expect(page.get_by_text(t("Step 1 of 2: your pain"))).to_be_visible()
    journey.snap("client", "10-assessment-step-1")
    page.get_by_role("button", name=t("Next: daily activities")).click()
    expect(page.get_by_text(t("Step 2 of 2: daily activities"))).to_be_visible()
    for section in range(1, 11):
        page.locator(f"input[name=odi_{section}][value='1']").check()
    journey.snap("client", "10-assessment")
    page.get_by_role("button", name=t("Save my check-in")).click()
    expect(page).to_have_url(re.compile(r"/me/assessments/\d+/$"))
    journey.snap("client", "11-assessment-saved")

    # 7. The progress page draws her chart and dates her baseline in her language.
    journey.goto("/me/progress/")
    expect(page.get_by_role("heading", name=t("Your progress"))).to_be_visible()
    expect(page.locator("svg").first).to_be_visible()
    baseline_day = journey.date(today, "j F Y")
    expect(
        page.get_by_text(t("Your baseline: week %(w)s (%(d)s).", w=20, d=baseline_day))
    ).to_be_visible()
    assessment = Assessment.objects.get(client=client)
    odi = journey.number(assessment.odi_percent)  # 10 points of 50: "20.0" / "20,0"
    expect(
        page.locator(".card-body").filter(has_text=t("Disability (Oswestry)")).first
    ).to_contain_text(f"{odi}%")
    if journey.language == "es":
        assert SPANISH_DATE.match(first_on.split(", ")[-1]), first_on  # "10 de marzo"
        assert SPANISH_DATE.match(baseline_day), baseline_day  # "10 de marzo de 2027"
        assert odi == "20,0", odi  # a decimal comma
    journey.snap("client", "12-progress")

    assert sorted(enrolment.weekdays) == weekdays
    log = SessionLog.objects.get(client=client)
    assert (log.session.date, log.status, log.minutes, log.rpe) == (today, "completed", 55, 13)
    assert (assessment.kind, assessment.vas_low_back_mm, assessment.vas_sciatic_mm) == (
        "baseline",
        35,
        12,
    )
