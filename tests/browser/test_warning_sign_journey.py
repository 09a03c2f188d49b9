"""A client ticks a warning sign when she logs today's session: she is told to stop and call
her care provider, and her PT sees the alert on her dashboard and on the client's page (also in
Spanish, at phone size)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import journey_program, utc_today
from tests.clock import pin
from tests.factories import (
    ClientFactory,
    PTFactory,
    build_program_version,
    enrolled_client,
)
from tracker.models import Alert, SessionLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pin()]


@pytest.mark.parametrize(
    ("viewport", "language"), [("desktop", "en"), ("phone", "en"), ("phone", "es")]
)
def test_warning_sign_stops_the_client_and_alerts_her_pt(journey, reference_data):
    today = utc_today()
    language = journey.language
    pt = PTFactory(full_name="Paula Therapist", time_zone="UTC", language=language)
    client = ClientFactory(full_name="Wendy Warning", time_zone="UTC", language=language)
    weekdays = sorted({today.weekday(), (today.weekday() + 2) % 7, (today.weekday() + 4) % 7})
    enrolled_client(
        today=today,
        week=20,
        client=client,
        version=journey_program(language),
        pt=pt,
        weekdays=weekdays,
    )
    page, t = journey.page, journey.t
    one_alert = journey.tn("%(n)s alert", "%(n)s alerts", 1, n=1)

    # The client logs today's session and ticks a warning sign.
    journey.log_in(client.email)
    expect(page.get_by_role("heading", name=t("Hello, %(name)s", name="Wendy"))).to_be_visible()
    journey.snap("warning", "01-client-home")
    page.get_by_role("link", name=t("Log this session")).click()
    expect(page.get_by_role("heading", name=t("Log your session"))).to_be_visible()
    page.get_by_role("radio", name=t("Completed"), exact=True).check()
    page.get_by_label(t("Minutes")).fill("20")
    page.get_by_label(t("Effort (Borg scale 6-20)")).select_option("15")
    page.get_by_label(t("Dizziness")).check()
    journey.snap("warning", "02-log-with-sign")
    page.get_by_role("button", name=t("Save my log")).click()

    stop = page.get_by_role("heading", name=t("Stop exercising and contact your care provider"))
    expect(stop).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(t("Dizziness"))
    expect(page.get_by_role("alert")).to_contain_text(
        t("Your physical therapist %(name)s has been alerted in Prenafit.", name=pt.full_name)
    )
    journey.snap("warning", "03-stop")
    log = SessionLog.objects.get(client=client)
    assert log.warning_signs == ["dizziness"]
    assert Alert.objects.filter(client=client, acknowledged_at__isnull=True).count() == 1

    # Home no longer offers a session: it says calmly why, and who reviews it.
    journey.goto("/home/")
    expect(page.get_by_text(t("On hold"), exact=True)).to_be_visible()
    reviews = t(
        "Your PT %(name)s will review this. Talk to your midwife, obstetrician or doctor; once "
        "they have seen you, tell your PT.",
        name=pt.full_name,
    )
    expect(page.get_by_text(reviews)).to_be_visible()
    expect(page.get_by_role("link", name=t("Log this session"))).to_have_count(0)
    journey.snap("warning", "03b-client-home-held")

    # Her PT logs in and sees the alert first on the dashboard.
    journey.log_out()
    journey.log_in(pt.email)
    expect(page.get_by_role("heading", name=t("My clients"))).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Wendy Warning")
    expect(row).to_contain_text(one_alert)
    journey.snap("warning", "04-pt-dashboard")

    # On the client's page the alert is listed and the PT acknowledges it.
    row.get_by_role("link", name="Wendy Warning").click()
    expect(page.get_by_role("heading", name="Wendy Warning", exact=True)).to_be_visible()
    journey.check()
    alerts = page.get_by_role("region", name=t("Alerts"))
    expect(alerts.get_by_role("listitem")).to_have_count(1)
    expect(alerts).to_contain_text(t("Dizziness"))  # her PT sees which sign
    journey.snap("warning", "05-pt-client-alert")
    alerts.get_by_role("button", name=t("Acknowledge")).click()
    expect(alerts.get_by_role("button", name=t("Acknowledge"))).to_have_count(0)
    alert = Alert.objects.get(client=client)
    assert alert.acknowledged_by == pt
    expect(alerts).to_contain_text(
        t(
            "acknowledged by %(who)s, %(when)s",
            who=pt.full_name,
            when=journey.date(alert.acknowledged_at, "j M H:i"),
        )
    )
    journey.check()
    journey.goto("/home/")
    expect(page.get_by_role("row").filter(has_text="Wendy Warning")).not_to_contain_text(one_alert)


def test_a_client_without_a_pt_is_told_nobody_was_alerted_and_can_self_clear(
    journey, reference_data
):
    today = utc_today()
    client = ClientFactory(full_name="Nora Nopt", time_zone="UTC")
    version = build_program_version(
        slug="aparicio2023", templates_per_phase=3, prescriptions_per_block=1
    )
    weekdays = sorted({today.weekday(), (today.weekday() + 2) % 7, (today.weekday() + 4) % 7})
    enrolled_client(today=today, week=20, client=client, version=version, weekdays=weekdays)
    page = journey.page

    journey.log_in(client.email)
    page.get_by_role("link", name="Log this session").click()
    page.get_by_label("Completed").check()
    page.get_by_label("Minutes").fill("20")
    page.get_by_label("Effort (Borg scale 6-20)").select_option("13")
    page.get_by_label("Headache").check()
    page.get_by_role("button", name="Save my log").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Nobody has been told")
    expect(alert).not_to_contain_text("has been alerted")
    journey.snap("warning-no-pt", "01-stop")
    assert not Alert.objects.filter(client=client, pt__isnull=False).exists()

    # Home: on hold until her care provider clears her; she records it herself.
    journey.goto("/home/")
    expect(page.get_by_text("On hold", exact=True)).to_be_visible()
    journey.snap("warning-no-pt", "02-home-held")
    page.get_by_label("Who cleared you").fill("Dr Vega, midwife")
    page.get_by_label("Date they cleared you").fill(today.isoformat())
    page.get_by_role("button", name="Record the clearance (self-reported)").click()
    expect(page.get_by_role("link", name="Log this session")).to_have_count(0)  # logged already
    expect(page.get_by_text("On hold", exact=True)).to_have_count(0)
    journey.snap("warning-no-pt", "03-home-cleared")
