"""The API's contract: one error shape for every refusal (`detail`, `code`, `fields`), every
status an operation can answer declared in its schema, and messages in the user's language."""

import datetime as dt

import pytest
import yaml
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.clock import pin
from tests.factories import ClientFactory, PTFactory, build_program_version, enrolled_client
from tracker.selectors import local_today
from users.models import ApiToken

pytestmark = [pytest.mark.django_db, pin()]


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def her(api):
    """An enrolled client with a past session, logged in with a token (as a phone app is)."""
    version = build_program_version(slug="aparicio2023", prescriptions_per_block=1)
    client = ClientFactory(time_zone="Europe/Madrid")
    today = local_today(client)
    enrolment = enrolled_client(
        today=today, client=client, version=version, start=today - dt.timedelta(days=7)
    )
    api.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.objects.create(user=client)[1]}")
    client.session = enrolment.sessions.filter(date__lt=today).first()
    return client


def shape(response) -> dict:
    body = response.json()
    assert set(body) == {"detail", "code", "fields"}, body
    assert isinstance(body["detail"], str) and body["detail"]
    return body


def test_every_refusal_has_one_shape_with_a_stable_code(api, her):
    session = her.session
    bad = api.post(
        f"/api/v1/me/sessions/{session.pk}/log/",
        {"status": "completed", "minutes": 60, "rpe": 30, "exercises": [{"done": "x"}]},
        format="json",
    )
    body = shape(bad)
    assert bad.status_code == 400 and body["code"] == "invalid"
    assert body["fields"]["rpe"] == ["Ensure this value is less than or equal to 20."]
    assert "exercises.0.prescription" in body["fields"]  # nested fields by their path
    assert body["fields"]["rpe"][0] in body["detail"]

    # 401: no token, and a token that is not one.
    anonymous = APIClient()
    assert shape(anonymous.get("/api/v1/me/"))["code"] == "not_authenticated"
    anonymous.credentials(HTTP_AUTHORIZATION="Token nonsense")
    refused = anonymous.get("/api/v1/me/")
    assert refused.status_code == 401 and shape(refused)["code"] == "authentication_failed"
    assert refused.has_header("WWW-Authenticate")

    # 404: another client's session, an id that is not a number, and a PT on /me/.
    other = enrolled_client(today=local_today(her), version=her.enrolment.program_version)
    theirs = api.get(f"/api/v1/me/sessions/{other.sessions.first().pk}/")
    assert theirs.status_code == 404 and shape(theirs)["code"] == "not_found"
    not_a_number = api.get("/api/v1/me/sessions/abc/")
    assert not_a_number.status_code == 404 and shape(not_a_number)["code"] == "not_found"
    pt = APIClient()
    pt.force_authenticate(PTFactory())
    assert shape(pt.get("/api/v1/me/"))["code"] == "not_found"

    # 409: enrolling twice; logging a session twice.
    twice = api.post(
        "/api/v1/me/enrolment/",
        {"weekdays": ["mon", "wed", "fri"], "start_time": "18:00", "time_zone": "UTC"},
        format="json",
    )
    assert twice.status_code == 409 and shape(twice) == {
        "detail": "You are already enrolled.",
        "code": "already_enrolled",
        "fields": {},
    }
    log = {"status": "completed", "performed_on": str(session.date), "minutes": 60, "rpe": 13}
    assert api.post(f"/api/v1/me/sessions/{session.pk}/log/", log, format="json").status_code == 201
    again = api.post(f"/api/v1/me/sessions/{session.pk}/log/", log, format="json")
    assert again.status_code == 409 and shape(again)["code"] == "already_logged"

    # 422: an Idempotency-Key reused for a different request.
    later = her.enrolment.sessions.filter(date__gt=local_today(her) + dt.timedelta(days=3))[0]
    url = f"/api/v1/me/sessions/{later.pk}/reschedule/"
    day = later.date + dt.timedelta(days=1)
    first = api.post(url, {"date": str(day)}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 200, first.content
    reused = api.post(
        url, {"date": str(day + dt.timedelta(days=1))}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert reused.status_code == 422 and shape(reused)["code"] == "idempotency_key_reused"


def test_too_many_requests_answers_429_with_retry_after(api, her, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "2/min", "token": "2/min"})
    for _ in range(2):
        assert api.get("/api/v1/me/").status_code == 200
    throttled = api.get("/api/v1/me/")
    assert throttled.status_code == 429 and shape(throttled)["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0


def test_messages_follow_her_language_after_token_authentication(api, her):
    her.language = "es"
    her.save(update_fields=["language"])
    # The phone asks in English; her profile says Spanish: her language wins once she is known.
    refused = api.post(
        f"/api/v1/me/sessions/{her.session.pk}/log/",
        {"status": "completed", "minutes": 60, "rpe": 30},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused["Content-Language"] == "es"
    assert refused.json()["fields"]["rpe"] == ["Asegúrese de que este valor es menor o igual a 20."]
    # Before anyone is known, the browser's language.
    anonymous = APIClient().get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="es")
    assert anonymous.json()["detail"] == "Las credenciales de autenticación no se proveyeron."
    # And times in her own zone, as on the web pages.
    me = api.get("/api/v1/me/notifications/")
    assert me.status_code == 200


def test_every_operation_declares_every_status_it_can_answer(client):
    schema = yaml.safe_load(client.get("/api/v1/schema/").content)
    error = {"$ref": "#/components/schemas/Error"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            where = f"{method.upper()} {path}"
            errors = {code: r for code, r in responses.items() if code.startswith("4")}
            for response in errors.values():
                assert response["content"]["application/json"]["schema"] == error, where
            assert "429" in responses, where
            if operation.get("security") and {} not in operation["security"]:
                assert {"401", "403"} <= set(responses), where
            if "{" in path:
                assert "404" in responses, where
            if method in ("post", "patch", "put"):
                assert "400" in responses, where
            headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
            if "Idempotency-Key" in headers:
                assert "422" in responses, where
            assert "Retry-After" in responses["429"]["headers"], where
