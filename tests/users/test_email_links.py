"""The e-mails sent from a web request (allauth's, the invitation) name Prenafit, not the host
the request came in on, and every link in them starts with PRENAFIT_BASE_URL, like the
worker's reminders (the worker has no request to ask). The Date header is in the recipient's
own zone when she has an account."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.clock import pin
from tests.factories import ClientFactory, PTFactory

NOW = dt.datetime(2027, 3, 10, 10, 0, tzinfo=dt.UTC)  # 11:00 in Madrid (winter time)
BASE = "https://prenafit.example"
pytestmark = [pytest.mark.django_db, pin(NOW)]


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.PRENAFIT_BASE_URL = BASE + "/"


def links(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


def assert_names_prenafit_and_links_to_the_base(email):
    assert email.subject.startswith("[Prenafit] ")
    assert "Hello from Prenafit!" in email.body
    assert "Thank you for using Prenafit!" in email.body
    assert "testserver" not in email.body  # the request's host
    found = links(email.body)
    assert found and all(link.startswith(BASE + "/") for link in found), found


def test_the_sign_up_confirmation_names_prenafit_and_links_to_the_base_url(client):
    client.post(
        reverse("account_signup"),
        {
            "email": "nora@example.test",
            "password1": "a-long-Passw0rd!",
            "password2": "a-long-Passw0rd!",
            "full_name": "Nora New",
            "account_type": "client",
            "time_zone": "Europe/Madrid",
            "consent": "on",
            "age_confirmed": "on",
        },
    )

    (email,) = mail.outbox
    assert_names_prenafit_and_links_to_the_base(email)
    assert "register an account on Prenafit." in email.body
    (link,) = links(email.body)
    assert "/accounts/confirm-email/" in link
    assert email.message()["Date"].endswith("+0100")  # 11:00 in Madrid, her zone

    # The link works (on the app's own host, which PRENAFIT_BASE_URL names in production).
    assert client.post(link.removeprefix(BASE)).status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_a_password_reset_names_prenafit_and_links_to_the_base_url(client):
    ClientFactory(email="clara@example.test", time_zone="America/New_York")

    client.post(reverse("account_reset_password"), {"email": "clara@example.test"})

    (email,) = mail.outbox
    assert_names_prenafit_and_links_to_the_base(email)
    (link,) = links(email.body)
    assert "/accounts/password/reset/key/" in link
    assert email.message()["Date"].endswith("-0500")  # 05:00 in New York, her zone
    assert client.get(link.removeprefix(BASE)).status_code == 302  # on to the new-password form


def test_a_password_reset_for_an_unknown_address_names_prenafit_too(client):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.test"})

    (email,) = mail.outbox
    assert email.to == ["nobody@example.test"]
    assert_names_prenafit_and_links_to_the_base(email)
    assert email.message()["Date"].endswith("+0000")  # no account: no zone but UTC


def test_a_pts_invitation_links_to_the_base_url_not_the_requests_host(
    client, django_capture_on_commit_callbacks
):
    client.force_login(PTFactory())

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("invite"), {"email": "nora@example.test"})

    (email,) = mail.outbox
    (link,) = links(email.body)
    assert link.startswith(BASE + "/invitations/")
    assert client.get(link.removeprefix(BASE)).status_code == 200


# --- in the recipient's language (issue 18) --------------------------------------------------


@pytest.fixture
def languages_rendered(monkeypatch):
    """The active language each time an e-mail template is rendered (no Spanish words are
    asserted: the catalogue may not be compiled)."""
    from django.template import loader
    from django.utils import translation

    seen: list[tuple[str, str]] = []
    original = loader.render_to_string

    def recording(template_name, *args, **kwargs):
        seen.append((str(template_name), translation.get_language()))
        return original(template_name, *args, **kwargs)

    monkeypatch.setattr(loader, "render_to_string", recording)
    monkeypatch.setattr("allauth.account.adapter.render_to_string", recording)
    return seen


def test_an_invitation_is_written_in_the_invitees_language_else_in_the_pts(
    languages_rendered, django_capture_on_commit_callbacks
):
    from django.utils import translation

    from users.services import invitation_create

    pt = PTFactory(language="en")
    ClientFactory(email="lucia@example.test", language="es")

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        invitation_create(pt=pt, email="Lucia@example.test")  # her account says Spanish
        invitation_create(pt=pt, email="stranger@example.test")  # no account: the PT's page
    with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
        invitation_create(pt=pt, email="otra@example.test")

    by_template = [lang for name, lang in languages_rendered if "users/email/invitation" in name]
    assert by_template == ["es", "es", "en", "en", "es", "es"]  # .txt and .html of each
    assert len(mail.outbox) == 3


def test_allauths_emails_are_written_in_the_account_holders_language(client, languages_rendered):
    ClientFactory(email="lucia@example.test", language="es")

    client.post(
        reverse("account_reset_password"),
        {"email": "lucia@example.test"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    client.post(
        reverse("account_reset_password"),
        {"email": "nobody@example.test"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    allauth = [(name, lang) for name, lang in languages_rendered if "account/email/" in name]
    hers = {lang for name, lang in allauth if "password_reset_key" in name}
    strangers = {lang for name, lang in allauth if "unknown_account" in name}
    assert hers == {"es"}  # her account's language, not the page's
    assert strangers == {"en"}  # no account: the language of the page that sent it
    assert len(mail.outbox) == 2
