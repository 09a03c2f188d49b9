"""The JSON API: a client from a fresh account to a scored check-in, a PT's clients, 404s for
anyone else's ids, tokens, and a valid OpenAPI schema."""

import datetime as dt

import pytest
from allauth.mfa.models import Authenticator
from rest_framework.test import APIClient

from tests.clock import pin
from tests.factories import (
    ClientFactory,
    PTFactory,
    build_program_version,
    enrolled_client,
)
from tracker.models import Alert, AuditEvent, Enrolment, SessionLog
from tracker.selectors import local_today

pytestmark = [pytest.mark.django_db, pin()]


@pytest.fixture
def api():
    return APIClient()


def token_for(api, user, password="prenafit-demo"):
    response = api.post(
        "/api/v1/auth/token/", {"email": user.email, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_a_client_goes_from_a_fresh_account_to_a_scored_check_in_through_the_api(api):
    build_program_version(slug="aparicio2023")
    user = ClientFactory(time_zone="UTC")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(api, user)}")
    today = local_today(user)

    due = (today + dt.timedelta(days=280 - 7 * 20)).isoformat()
    me = api.patch("/api/v1/me/", {"due_date": due}, format="json").json()
    assert "birth_year" not in me
    assert me["gestational_age"] == {"weeks": 20, "days": 0}

    screen = api.get("/api/v1/me/screening/").json()
    answers = {q["key"]: False for q in screen["questions"]}
    assert len(answers) >= 20
    assert (
        api.post("/api/v1/me/screening/", {"answers": answers}, format="json").json()["result"]
        == "cleared"
    )

    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    wd = today.weekday()
    chosen = [days[wd], days[(wd + 2) % 7], days[(wd + 4) % 7]]
    summary = api.post(
        "/api/v1/me/enrolment/",
        {"weekdays": chosen, "start_time": "18:00", "time_zone": "UTC"},
        format="json",
    )
    assert summary.status_code == 201, summary.content
    assert summary.json()["count"] > 50 and summary.json()["first_session"] == today.isoformat()

    sessions = api.get(
        "/api/v1/me/sessions/", {"from": today.isoformat(), "to": today.isoformat()}
    ).json()
    (session,) = sessions
    detail = api.get(f"/api/v1/me/sessions/{session['id']}/").json()
    assert [b["kind"] for b in detail["blocks"]][0] == "warm_up"

    log = api.post(
        f"/api/v1/me/sessions/{session['id']}/log/",
        {"status": "completed", "performed_on": today.isoformat(), "minutes": 60, "rpe": 13},
        format="json",
    )
    assert log.status_code == 201 and log.json()["stop"] is False

    assessment = api.post(
        "/api/v1/me/assessments/",
        {
            "vas_low_back_mm": 42,
            "vas_sciatic_mm": 10,
            "odi_answers": [2, 2, 2, 2, 2, 2, 2, None, 2, 2],
            "pain_locations": ["back_of_thigh"],
            "symptoms": [],
        },
        format="json",
    ).json()
    assert (assessment["odi_percent"], assessment["odi_band"]) == (40.0, "moderate")
    assert assessment["vas_bands"] == {"low_back": "mild", "sciatic": "mild"}
    assert any("fits the path of the sciatic nerve" in m for m in assessment["messages"])

    progress = api.get("/api/v1/me/progress/").json()
    assert progress["adherence"]["attended"] == 1
    # The same data the web export shows.
    api.force_login(user)  # the web page uses the browser session
    web = api.get("/me/export.json").json()
    assert api.get("/api/v1/me/export/").json() == web


def test_refusals_carry_the_web_messages_next_to_the_fields(api):
    version = build_program_version(slug="aparicio2023")
    user = ClientFactory()
    today = local_today(user)
    enrolment = enrolled_client(
        today=today, client=user, version=version, start=today - dt.timedelta(days=7)
    )
    api.force_authenticate(user)
    session = enrolment.sessions.filter(date__lt=today).first()

    future = api.post(
        f"/api/v1/me/sessions/{session.pk}/log/",
        {"status": "completed", "performed_on": "2099-01-01", "minutes": 60, "rpe": 13},
        format="json",
    )
    assert future.status_code == 400 and future.json()["fields"]["performed_on"] == [
        "The date cannot be in the future."
    ]
    out_of_range = api.post(
        f"/api/v1/me/sessions/{session.pk}/log/",
        {"status": "completed", "performed_on": today.isoformat(), "minutes": 60, "rpe": 30},
        format="json",
    )
    assert out_of_range.status_code == 400 and "rpe" in out_of_range.json()["fields"]
    past = api.post(
        f"/api/v1/me/sessions/{session.pk}/reschedule/", {"date": "2020-01-01"}, format="json"
    )
    assert past.json() == {
        "detail": "You cannot move a session into the past.",
        "code": "invalid",
        "fields": {"date": ["You cannot move a session into the past."]},
    }
    assert api.patch("/api/v1/me/", {"due_date": "2020-01-01"}, format="json").json()["fields"][
        "due_date"
    ] == ["Your due date is in the past. Enter the estimated due date of this pregnancy."]
    assert not SessionLog.objects.exists()


def test_a_warning_sign_through_the_api_says_stop_and_alerts_her_pt(api):
    version = build_program_version(slug="aparicio2023")
    pt, user = PTFactory(), ClientFactory()
    today = local_today(user)
    enrolled_client(today=today, client=user, version=version, pt=pt)
    api.force_authenticate(user)
    response = api.post(
        "/api/v1/me/logs/",
        {
            "status": "completed",
            "performed_on": today.isoformat(),
            "minutes": 20,
            "rpe": 12,
            "warning_signs": ["chest_pain"],
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["stop"] is True
    assert Alert.objects.filter(client=user, kind="warning_sign").count() == 1


CLIENT_URLS = [
    "/api/v1/clients/{id}/",
    "/api/v1/clients/{id}/sessions/",
    "/api/v1/clients/{id}/assessments/",
    "/api/v1/clients/{id}/alerts/",
    "/api/v1/clients/{id}/notes/",
    "/api/v1/clients/{id}/logs/",
]


def test_pt_endpoints_answer_404_for_anyone_elses_client(api):
    version = build_program_version(slug="aparicio2023")
    pt, other_pt = PTFactory(), PTFactory()
    mine, theirs = ClientFactory(), ClientFactory()
    enrolled_client(today=local_today(mine), client=mine, version=version, pt=pt)
    enrolled_client(today=local_today(theirs), client=theirs, version=version, pt=other_pt)
    alert = Alert.objects.create(client=theirs, kind="leg_weakness")
    api.force_authenticate(pt)

    for url in CLIENT_URLS:
        assert api.get(url.format(id=mine.pk)).status_code == 200, url
        assert api.get(url.format(id=theirs.pk)).status_code == 404, url
    assert (
        api.post(f"/api/v1/clients/{theirs.pk}/alerts/{alert.pk}/acknowledge/").status_code == 404
    )
    assert (
        api.post(f"/api/v1/clients/{theirs.pk}/notes/", {"text": "x"}, format="json").status_code
        == 404
    )
    rows = api.get("/api/v1/clients/").json()["results"]
    assert [r["id"] for r in rows] == [mine.pk]
    assert AuditEvent.objects.filter(actor=pt, client=mine, what__startswith="API:").count() == 6

    # A client calling PT endpoints, or a PT calling client endpoints: 404 too.
    api.force_authenticate(mine)
    assert api.get("/api/v1/clients/").status_code == 404
    api.force_authenticate(pt)
    assert api.get("/api/v1/me/sessions/").status_code == 404


def test_a_client_cannot_reach_another_clients_session(api):
    version = build_program_version(slug="aparicio2023")
    a, b = ClientFactory(), ClientFactory()
    enrolled_client(today=local_today(a), client=a, version=version)
    other = enrolled_client(today=local_today(b), client=b, version=version).sessions.first()
    api.force_authenticate(a)
    for url in (
        f"/api/v1/me/sessions/{other.pk}/",
        f"/api/v1/me/sessions/{other.pk}/log/",
        f"/api/v1/me/sessions/{other.pk}/reschedule/",
    ):
        method = api.get if url.endswith(f"{other.pk}/") else api.post
        assert method(url, {}, format="json").status_code == 404, url


def test_tokens_revoke_refuse_two_factor_accounts_and_are_throttled(api):
    user = ClientFactory()
    token = token_for(api, user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/").status_code == 200
    assert api.delete("/api/v1/auth/token/").status_code == 204
    assert api.get("/api/v1/me/").status_code == 401

    api.credentials()
    pt = PTFactory()
    Authenticator.objects.create(user=pt, type=Authenticator.Type.TOTP, data={"secret": "x"})
    refused = api.post(
        "/api/v1/auth/token/", {"email": pt.email, "password": "prenafit-demo"}, format="json"
    )
    assert refused.status_code == 403 and "two-factor" in refused.json()["detail"]

    codes = [
        api.post(
            "/api/v1/auth/token/", {"email": user.email, "password": "wrong"}, format="json"
        ).status_code
        for _ in range(12)
    ]
    assert 429 in codes


def test_public_program_endpoints(api):
    build_program_version(slug="aparicio2023", templates_per_phase=2)
    programs = api.get("/api/v1/programs/").json()["results"]
    assert [p["slug"] for p in programs] == ["aparicio2023"]
    detail = api.get("/api/v1/programs/aparicio2023/").json()
    phases = detail["current_version"]["phases"]
    assert [(p["start_week"], p["end_week"]) for p in phases] == [
        (17, 22),
        (23, 28),
        (29, 34),
        (35, 42),
    ]
    assert len(phases[0]["templates"]) == 2
    assert api.get("/api/v1/programs/nope/").status_code == 404
    assert api.get("/api/v1/exercises/").json()["count"] >= 1


def test_the_schema_is_valid_openapi_3_and_docs_are_served_locally(client):
    import yaml
    from drf_spectacular.validation import validate_schema

    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    assert "/api/v1/me/sessions/{session_id}/log/" in schema["paths"]
    docs = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower()


def test_enrolment_needs_the_screen_first(api):
    build_program_version(slug="aparicio2023")
    user = ClientFactory()
    api.force_authenticate(user)
    api.patch(
        "/api/v1/me/",
        {"due_date": (local_today(user) + dt.timedelta(days=150)).isoformat()},
        format="json",
    )
    response = api.post(
        "/api/v1/me/enrolment/",
        {"weekdays": ["mon", "wed", "fri"], "start_time": "18:00", "time_zone": "UTC"},
        format="json",
    )
    assert response.status_code == 400 and response.json() == {
        "detail": "Complete the safety screen first.",
        "code": "invalid",
        "fields": {},
    }
    assert not Enrolment.objects.exists()
