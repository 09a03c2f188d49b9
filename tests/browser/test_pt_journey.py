"""A PT invites a client by e-mail; the client opens the link and accepts; the PT follows her
from the dashboard to her page, adds a note and downloads her CSV. In English and in Spanish
(both of them use the app in Spanish, and her invitation comes in Spanish)."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import LANGUAGES, Journey, journey_program, last_email_to, utc_today
from tests.clock import pin
from tests.factories import ClientFactory, PTFactory, enrolled_client
from tracker.models import PTNote
from users.models import CareLink, Invitation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pin()]

NOTE = {
    "en": "Week 24: fine so far, check her squat form.",
    "es": "Semana 24: bien hasta ahora, revisar su sentadilla.",
}


def invitation_link(email: str, language: str = "en") -> str:
    body = last_email_to(email, language).body
    return re.search(r"https?://\S+/invitations/\S+/", body).group(0)


def pt_sends_invitation(journey, pt, email: str, name: str = "pt") -> str:
    page, t = journey.page, journey.t
    journey.log_in(pt.email)
    expect(page.get_by_role("heading", name=t("My clients"))).to_be_visible()
    expect(page.get_by_text(t("No clients are linked to you yet."))).to_be_visible()
    journey.snap(name, "01-dashboard-empty")
    journey.open_menu()
    page.get_by_role("link", name=t("Invite a client")).first.click()
    expect(page.get_by_role("heading", name=t("Invite a client"))).to_be_visible()
    page.get_by_label(t("Client's email address")).fill(email)
    journey.snap(name, "02-invite")
    page.get_by_role("button", name=t("Send the invitation")).click()
    expect(
        page.get_by_text(
            t("Invitation sent to %(email)s. The link works once, for 14 days.", email=email)
        )
    ).to_be_visible()
    expires = journey.date(Invitation.objects.get(email=email).expires_at, "j M")
    expect(page.get_by_role("listitem").filter(has_text=email)).to_contain_text(
        t("open until %(d)s", d=expires)
    )
    journey.snap(name, "03-invited")
    journey.log_out()
    return invitation_link(email, journey.language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_pt_invites_an_existing_client_reviews_her_and_downloads_csv(journey, reference_data):
    today = utc_today()
    language = journey.language
    pt = PTFactory(full_name="Paula Therapist", time_zone="UTC", language=language)
    client = ClientFactory(
        full_name="Carmen Client", email="carmen@example.test", time_zone="UTC", language=language
    )
    enrolled_client(
        today=today,
        week=24,
        client=client,
        version=journey_program(language),
        start=today - dt.timedelta(days=14),
    )
    page, t = journey.page, journey.t

    link = pt_sends_invitation(journey, pt, client.email)

    # The client opens the link while logged out, logs in from it and accepts.
    journey.goto(link.removeprefix(journey.base_url))
    invites = t(
        "%(pt)s, a physical therapist, invites %(email)s to share her program and progress "
        "with them.",
        pt="Paula Therapist",
        email=client.email,
    )
    expect(page.get_by_text(invites)).to_be_visible()
    journey.snap("pt", "04-invitation-anonymous")
    page.get_by_role("link", name=t("Log in to accept")).click()
    page.get_by_label(t("Email")).fill(client.email)
    page.get_by_label(t("Password")).fill(settings.PRENAFIT_DEMO_PASSWORD)
    page.get_by_role("button", name=t("Log in")).click()
    expect(page.get_by_role("button", name=t("Accept and link"))).to_be_visible()
    journey.snap("pt", "05-invitation-accept")
    page.get_by_role("button", name=t("Accept and link")).click()
    expect(
        page.get_by_text(t("You are now linked to %(pt)s.", pt="Paula Therapist"))
    ).to_be_visible()
    expect(
        page.get_by_text(t("Your physical therapist is %(pt)s.", pt="Paula Therapist"))
    ).to_be_visible()
    journey.snap("pt", "06-client-linked")
    assert CareLink.objects.filter(pt=pt, client=client, ended_at__isnull=True).exists()
    journey.log_out()

    # The PT finds her on the dashboard, opens her page and adds a note.
    journey.log_in(pt.email)
    row = page.get_by_role("row").filter(has_text="Carmen Client")
    expect(row.locator(".ga")).to_have_text("24+0")
    journey.snap("pt", "07-dashboard")
    row.get_by_role("link", name="Carmen Client").click()
    expect(page).to_have_url(re.compile(rf"/pt/clients/{client.pk}/$"))
    expect(page.get_by_role("heading", name="Carmen Client", exact=True)).to_be_visible()
    journey.check()
    page.get_by_label(t("Note (PTs only)")).fill(NOTE[language])
    page.get_by_role("button", name=t("Add note")).click()
    expect(page.get_by_text(t("Note added."))).to_be_visible()
    expect(page.get_by_text(NOTE[language])).to_be_visible()
    journey.snap("pt", "08-client-page")
    assert PTNote.objects.get(client=client).author == pt

    # ...and downloads her data as CSV (its column keys stay English: analysis scripts).
    with page.expect_download() as download_info:
        page.get_by_role("link", name=t("CSV"), exact=True).click()
    download = download_info.value
    assert download.suggested_filename == f"prenafit-client-{client.pk}.csv"
    with open(download.path(), encoding="utf-8-sig") as csv_file:
        header = csv_file.readline()
    assert header.startswith("record,date"), header


def test_invited_newcomer_signs_up_from_the_link_and_is_linked(page, live_server, screenshot):
    """The invitation's "Sign up to accept" path, with the mandatory e-mail confirmation."""
    journey = Journey(page, live_server.url, "phone", screenshot)
    pt = PTFactory(full_name="Paula Therapist", time_zone="UTC")
    email = "nadia@example.test"
    link = pt_sends_invitation(journey, pt, email, name="invite-signup")

    journey.goto(link.removeprefix(journey.base_url))
    page.get_by_role("link", name="Sign up to accept").click()
    page.get_by_label("Email").fill(email)
    page.locator("#id_password1").fill("a-long-Passw0rd!")
    page.get_by_label("Password (again)").fill("a-long-Passw0rd!")
    page.get_by_label("Full name").fill("Nadia Newcomer")
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_label("I am 16 or older.").check()
    page.get_by_label("Time zone").select_option("UTC")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Confirm your email address")).to_be_visible()
    body = next(m.body for m in reversed(mail.outbox) if "confirm-email" in m.body)
    page.goto(re.search(r"https?://\S+/accounts/confirm-email/\S+/", body).group(0))
    page.get_by_role("button", name="Confirm").click()

    # After confirming she should be back on the invitation, ready to accept.
    expect(page.get_by_role("button", name="Accept and link")).to_be_visible()
    journey.snap("invite-signup", "04-accept")
    page.get_by_role("button", name="Accept and link").click()
    expect(page.get_by_text("You are now linked to Paula Therapist")).to_be_visible()
    journey.snap("invite-signup", "05-linked")
    assert Invitation.objects.get(email=email).accepted_at is not None
