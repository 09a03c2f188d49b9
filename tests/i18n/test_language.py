"""Which language a person gets (issue 18): her profile language when logged in, the switch's
cookie or the browser's Accept-Language as a visitor, the same for the API; Spanish dates and
numbers."""

import datetime as dt

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from rest_framework.test import APIClient

from tests.clock import pin
from tests.factories import ClientFactory

pytestmark = [pytest.mark.django_db, pin()]
SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9,en;q=0.5"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


def spanish(text: str) -> str:
    with translation.override("es"):
        translated = gettext(text)
    assert translated != text, f"no Spanish for {text!r}"
    return translated


def test_a_visitor_gets_her_browsers_language(client):
    response = client.get("/", **SPANISH)
    assert response.headers["Content-Language"] == "es"
    assert '<html lang="es">' in response.content.decode()
    assert spanish("Log in") in response.content.decode()

    english = client.get("/", **ENGLISH)
    assert english.headers["Content-Language"] == "en"
    assert "Log in" in english.content.decode()


def test_the_switch_keeps_a_visitors_choice_and_takes_her_back(client):
    response = client.post("/language/", {"language": "es", "next": "/program/"}, **ENGLISH)
    assert response.status_code == 302 and response.url == "/program/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    # The cookie wins over the browser's own language.
    assert client.get("/program/", **ENGLISH).headers["Content-Language"] == "es"


def test_the_switch_never_sends_her_to_another_site(client):
    response = client.post(
        "/language/", {"language": "es", "next": "https://evil.example/"}, **ENGLISH
    )
    assert response.status_code == 302 and response.url == "/"


def test_the_switch_is_on_every_page_and_names_each_language_in_itself(client):
    page = client.get("/privacy/", **SPANISH).content.decode()
    assert 'action="/language/"' in page
    assert '<button type="submit" name="language" value="en" lang="en"' in page
    assert ">English</button>" in page and ">Español</button>" in page


def test_a_logged_in_user_sees_her_profile_language_whatever_the_browser_says(client):
    her = ClientFactory(language="es")
    client.force_login(her)
    assert client.get("/profile/", **ENGLISH).headers["Content-Language"] == "es"

    # The switch changes her profile, so her e-mails follow.
    client.post("/language/", {"language": "en", "next": "/profile/"}, **SPANISH)
    her.refresh_from_db()
    assert her.language == "en"
    assert client.get("/profile/", **SPANISH).headers["Content-Language"] == "en"


def test_an_unknown_language_changes_nothing(client):
    her = ClientFactory(language="es")
    client.force_login(her)
    client.post("/language/", {"language": "xx", "next": "/profile/"})
    her.refresh_from_db()
    assert her.language == "es"


def test_the_apis_messages_follow_accept_language_then_the_users_language():
    api = APIClient()
    refused = api.get("/api/v1/me/", **SPANISH)
    assert refused.status_code == 401
    assert refused.json()["detail"] == spanish("Authentication credentials were not provided.")

    her = ClientFactory(language="es")
    token = api.post(
        "/api/v1/auth/token/", {"email": her.email, "password": "prenafit-demo"}, format="json"
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    wrong = api.patch("/api/v1/me/", {"due_date": "soon"}, format="json", **ENGLISH)
    assert wrong.status_code == 400, wrong.content
    with translation.override("es"):
        from rest_framework.fields import DateField

        expected = str(DateField.default_error_messages["invalid"]).format(format="YYYY-MM-DD")
    assert wrong.json()["fields"]["due_date"] == [expected]
    assert wrong.json()["detail"] == expected
    assert "wrong format" not in expected


def test_dates_and_numbers_read_as_spanish():
    monday = dt.date(2027, 1, 4)
    with translation.override("es"):
        assert date_format(monday, gettext("l j F")) == "lunes, 4 de enero"
        assert date_format(monday, gettext("j F Y")) == "4 de enero de 2027"
        assert Template("{{ x|floatformat:1 }}").render(Context({"x": 12.5})) == "12,5"
    with translation.override("en"):
        assert date_format(monday, gettext("l j F")) == "Monday 4 January"
        assert Template("{{ x|floatformat:1 }}").render(Context({"x": 12.5})) == "12.5"


def test_she_signs_up_in_the_language_of_the_page_and_her_e_mail_follows(client):
    from django.core import mail

    from tests.users.test_accounts import signup
    from users.models import User

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    signup(client, email="lucia@example.test")
    assert User.objects.get(email="lucia@example.test").language == "es"
    confirm = mail.outbox[-1]
    assert confirm.to == ["lucia@example.test"]
    from .english import english_left

    assert english_left(confirm.subject + " " + confirm.body) == []
    assert confirm.subject.startswith("[Prenafit] Confirma")

    english = client_for_english()
    signup(english, email="nora@example.test")
    assert User.objects.get(email="nora@example.test").language == "en"


def client_for_english():
    from django.test import Client

    return Client(HTTP_ACCEPT_LANGUAGE="en")
