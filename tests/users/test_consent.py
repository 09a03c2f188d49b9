"""Consent (issue 14, item 9): sign-up records her explicit consent to the processing of her
health data under a versioned privacy notice, and her confirmation that she is 16 or older; a
new notice version asks everyone again (web on every page, API at sign-in); free text has
bounds in every form and serializer."""

import datetime as dt
import inspect

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.test import override_settings
from django.urls import reverse
from rest_framework import serializers

from tests.clock import WEDNESDAY_MORNING, pin
from tests.factories import CareLinkFactory, ClientFactory, PTFactory, enrolled_client
from tracker.models import Clearance
from tracker.selectors import local_today
from users.forms import ERR_AGE_REQUIRED, ERR_CONSENT_REQUIRED
from users.models import Consent, User
from users.selectors import ERR_CONSENT

pytestmark = [pytest.mark.django_db, pin()]

PASSWORD = "prenafit-demo"
NEXT_VERSION = "2027-06-01"


def signup(client, **extra):
    data = {
        "email": "nora@example.test",
        "password1": "a-long-Passw0rd!",
        "password2": "a-long-Passw0rd!",
        "full_name": "Nora New",
        "account_type": "client",
        "time_zone": "Europe/Madrid",
        **extra,
    }
    return client.post(reverse("account_signup"), data)


# --- sign-up ------------------------------------------------------------------------------


def test_the_signup_form_asks_for_consent_and_age_and_links_the_notice(client):
    page = client.get(reverse("account_signup")).content.decode()
    assert 'name="consent"' in page and 'name="age_confirmed"' in page
    assert "agree that Prenafit processes my data, including the health data" in page
    assert "I am 16 or older" in page
    assert f'href="{reverse("privacy")}"' in page


def test_signup_without_consent_or_age_is_refused_with_both_messages(client):
    response = signup(client)

    assert response.status_code == 200
    page = response.content.decode()
    assert str(ERR_CONSENT_REQUIRED) in page
    assert str(ERR_AGE_REQUIRED) in page
    assert not User.objects.filter(email="nora@example.test").exists()


def test_signup_with_consent_only_is_refused_for_the_age(client):
    response = signup(client, consent="on")

    assert str(ERR_AGE_REQUIRED) in response.content.decode()
    assert str(ERR_CONSENT_REQUIRED) not in response.content.decode()
    assert not User.objects.exists()


def test_signup_records_the_notice_version_the_time_and_the_age(client):
    signup(client, consent="on", age_confirmed="on")

    user = User.objects.get(email="nora@example.test")
    (consent,) = Consent.objects.filter(user=user)
    assert consent.notice_version == settings.PRENAFIT_PRIVACY_NOTICE_VERSION
    assert consent.age_confirmed
    assert abs(consent.consented_at - WEDNESDAY_MORNING) < dt.timedelta(minutes=1)


# --- the notice -----------------------------------------------------------------------------


def test_the_privacy_notice_is_public_and_says_what_why_who_how_long_and_how_to_leave(client):
    page = client.get(reverse("privacy")).content.decode()

    assert f"Version {settings.PRENAFIT_PRIVACY_NOTICE_VERSION}" in page
    for heading in ("What Prenafit keeps about you", "Why", "Who sees it", "How long"):
        assert heading in page
    assert "Your physical therapist" in page and "administrators" in page
    assert "seven days later" in page and "Download your data" in page
    assert "16 or older" in page


# --- asked again ----------------------------------------------------------------------------


def test_an_account_without_consent_is_asked_first_then_goes_where_it_was_going(client):
    user = ClientFactory(consent=False)  # from before consent was asked, or made by an admin
    client.force_login(user)

    response = client.get(reverse("tracker:progress"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('consent')}?next=%2Fme%2Fprogress%2F"
    page = client.get(response["Location"]).content.decode()
    assert "Before you go on, please read the privacy notice" in page
    refused = client.post(reverse("consent"), {"next": "/me/progress/", "consent": "on"})
    assert str(ERR_AGE_REQUIRED) in refused.content.decode()
    assert not Consent.objects.filter(user=user).exists()

    agreed = client.post(
        reverse("consent"), {"next": "/me/progress/", "consent": "on", "age_confirmed": "on"}
    )

    assert agreed["Location"] == "/me/progress/"
    assert Consent.objects.filter(
        user=user, notice_version=settings.PRENAFIT_PRIVACY_NOTICE_VERSION, age_confirmed=True
    ).exists()
    assert client.get(reverse("tracker:progress")).status_code == 200


def test_while_asked_she_can_still_read_the_notice_log_out_export_and_leave(client):
    user = ClientFactory(consent=False)
    client.force_login(user)
    for name in ("privacy", "consent", "tracker:export_json", "tracker:delete_account"):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("account_email")).status_code == 200
    assert client.get("/healthz").status_code == 200
    for name in ("home", "profile", "tracker:notifications"):
        assert client.get(reverse(name))["Location"].startswith(reverse("consent")), name
    client.post(reverse("account_logout"))
    assert client.get(reverse("landing")).status_code == 200


def test_a_new_notice_version_asks_everyone_again_and_keeps_the_earlier_consent(client):
    pt = PTFactory()
    client.force_login(pt)
    assert client.get(reverse("home")).status_code == 200

    with override_settings(PRENAFIT_PRIVACY_NOTICE_VERSION=NEXT_VERSION):
        response = client.get(reverse("home"))
        assert response["Location"].startswith(reverse("consent"))
        page = client.get(response["Location"]).content.decode()
        assert "Our privacy notice has changed since you last agreed to it" in page
        client.post(reverse("consent"), {"consent": "on", "age_confirmed": "on"})
        assert client.get(reverse("home")).status_code == 200
        page = client.get(reverse("consent")).content.decode()
        assert f"You agreed to the current privacy notice (version {NEXT_VERSION})" in page

    versions = set(Consent.objects.filter(user=pt).values_list("notice_version", flat=True))
    assert versions == {settings.PRENAFIT_PRIVACY_NOTICE_VERSION, NEXT_VERSION}


def test_the_consent_page_sends_her_only_to_this_site(client):
    user = ClientFactory(consent=False)
    client.force_login(user)
    response = client.post(
        reverse("consent"),
        {"next": "https://evil.example/phish", "consent": "on", "age_confirmed": "on"},
    )
    assert response["Location"] == reverse("home")


def test_once_found_the_consent_is_remembered_for_the_session(client):
    from users.middleware import CONSENT_SESSION_KEY

    user = ClientFactory()
    client.force_login(user)
    client.get(reverse("tracker:notifications"))
    assert client.session[CONSENT_SESSION_KEY] == [
        user.pk,
        settings.PRENAFIT_PRIVACY_NOTICE_VERSION,
    ]
    Consent.objects.filter(user=user).delete()  # never happens; shows no query asks again
    assert client.get(reverse("tracker:notifications")).status_code == 200


# --- the API: at sign-in -----------------------------------------------------------------


def _token(client, user):
    return client.post(
        reverse("api_token"),
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
    )


def test_the_api_refuses_a_sign_in_without_consent_to_the_current_notice(client):
    user = ClientFactory(consent=False)

    refused = _token(client, user)

    assert refused.status_code == 403
    assert refused.json()["detail"] == ERR_CONSENT
    Consent.objects.create(user=user, notice_version=settings.PRENAFIT_PRIVACY_NOTICE_VERSION)
    assert _token(client, user).status_code == 200


def test_a_token_from_before_the_new_notice_works_until_the_next_sign_in(client):
    """The API checks consent at sign-in only (a query); tokens expire 30 days after their
    last use, and the web asks on every page."""
    user = ClientFactory()
    key = _token(client, user).json()["token"]

    with override_settings(PRENAFIT_PRIVACY_NOTICE_VERSION=NEXT_VERSION):
        me = client.get(reverse("api_me"), HTTP_AUTHORIZATION=f"Token {key}")
        assert me.status_code == 200
        assert _token(client, user).json()["detail"] == ERR_CONSENT


# --- demo accounts ------------------------------------------------------------------------


def test_demo_accounts_have_consented_so_make_run_lands_on_home(client):
    call_command("seed_demo", "--force")
    for email in ("client@prenafit.test", "pt@prenafit.test", "admin@prenafit.test"):
        client.logout()
        client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
        assert client.get(reverse("home")).status_code == 200, email


# --- free text has bounds -------------------------------------------------------------------

# Written by the system, never typed by a client or a PT.
SYSTEM_TEXT = {"tracker.Notification.body"}


def test_every_free_text_column_a_client_or_pt_fills_in_has_a_bound():
    for app in ("users", "tracker"):
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.concrete_fields:
                label = f"{model._meta.label}.{field.name}"
                if isinstance(field, models.TextField) and label not in SYSTEM_TEXT:
                    assert field.max_length and field.max_length <= 5000, label


def _form_classes():
    import tracker.forms
    import users.forms

    for module in (tracker.forms, users.forms):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def test_every_text_field_of_every_form_has_a_max_length():
    checked = 0
    for cls in _form_classes():
        for name, field in cls.base_fields.items():
            if type(field) in (forms.CharField, forms.EmailField):
                assert field.max_length, f"{cls.__name__}.{name}"
                checked += 1
    assert checked >= 15


def _request_serializers():
    """Every serializer the API reads a request body with: each mixes in StrictFields (so an
    unknown field is refused), in every API module."""
    import importlib

    from users.serializers import StrictFields

    for module in (
        "tracker.api.views",
        "tracker.api.me_settings",
        "tracker.api.corrections",
        "tracker.api.pt_plan",
        "tracker.api.push",
        "users.api",
    ):
        importlib.import_module(module)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    yield from {c for c in subclasses(StrictFields) if c.__module__.split(".")[0] != "tests"}


def _text_fields(serializer, prefix=""):
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.BaseSerializer):
            yield from _text_fields(field.child if hasattr(field, "child") else field, name + ".")
        elif isinstance(field, serializers.ListField) and not field.read_only:
            if isinstance(field.child, serializers.CharField):
                yield f"{prefix}{name}[]", field.child
        elif isinstance(field, serializers.CharField) and not field.read_only:
            yield prefix + name, field


def test_every_text_field_the_api_reads_has_a_max_length():
    checked = 0
    for cls in _request_serializers():
        for name, field in _text_fields(cls()):
            if isinstance(field, serializers.EmailField):
                continue  # Django's EmailValidator refuses anything over 320 characters
            assert field.max_length, f"{cls.__name__}.{name}"
            checked += 1
    assert checked >= 20


def test_a_pts_clearance_note_over_the_bound_is_refused_with_a_message(client, reference_data):
    pt = PTFactory()
    her = ClientFactory()
    CareLinkFactory(pt=pt, client=her)
    enrolled_client(today=local_today(her), client=her)
    client.force_login(pt)

    response = client.post(
        reverse("tracker:pt_clearance", args=[her.pk]),
        {"provider": "Dr Ruiz", "note": "x" * 2001},
    )

    assert response.status_code == 200
    assert "Ensure this value has at most 2000 characters" in response.content.decode()
    assert not Clearance.objects.exists()
