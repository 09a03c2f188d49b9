"""The safety loop through the API (SAFETY.md, issue 13 section 9): her derived state and open
items, self-reported clearance and its refusals, "tell my PT I've been seen", pause and
resume, the end of a pregnancy, her PT's actions, the hold a warning sign opens and the
alert her PT reads. Every refusal is the service's, with its reason."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from tests.clock import pin
from tests.factories import ClientFactory, PTFactory, all_no, build_program_version, enrolled_client
from tracker.models import Alert, Clearance, Notification, SafetyItem
from tracker.safety import state_of
from tracker.selectors import local_today

pytestmark = [pytest.mark.django_db, pin()]


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def version():
    return build_program_version(slug="aparicio2023", prescriptions_per_block=1)


def _enrolled(version, pt=None, **kwargs):
    client = ClientFactory(full_name=kwargs.pop("name", "Ana Client"))
    today = local_today(client)
    enrolled_client(
        today=today,
        client=client,
        version=version,
        pt=pt,
        start=today - dt.timedelta(days=7),
        **kwargs,
    )
    return client


def _screen(api, **yes):
    answers = all_no() | yes
    response = api.post("/api/v1/me/screening/", {"answers": answers}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _safety(api):
    response = api.get("/api/v1/me/safety/")
    assert response.status_code == 200, response.content
    return response.json()


def _clearance(api, url="/api/v1/me/clearance/", **fields):
    body = {"provider": "Dr Vega, obstetrician", "cleared_on": "2027-03-09", "note": "fine"}
    return api.post(url, body | fields, format="json")


def _log(api, user, signs, url="/api/v1/me/logs/"):
    today = local_today(user).isoformat()
    body = {"status": "completed", "performed_on": today, "minutes": 20, "rpe": 12}
    return api.post(url, body | {"warning_signs": signs}, format="json")


# --- her state --------------------------------------------------------------------------


def test_her_safety_state_lists_each_open_item_and_what_to_do_next(api, version):
    user = _enrolled(version)
    api.force_authenticate(user)
    assert _safety(api) | {"next_step": ""} == {
        "state": "active",
        "label": "Active",
        "next_step": "",
        "pt": None,
        "items": [],
    }

    _screen(api, anaemia=True)
    data = _safety(api)
    assert (data["state"], data["label"], data["pt"]) == (
        "pending_clearance",
        "Waiting for clearance",
        None,
    )
    assert "record their clearance here" in data["next_step"]
    (item,) = data["items"]
    assert item["kind"] == "relative" and item["question_key"] == "anaemia"
    assert item["question"] and item["opened"].startswith("2027-03-10")
    assert item["closes_by"] == "a clearance from your care provider, or your PT's review"
    assert item["self_clearable"] is True


def test_a_positive_screen_cannot_be_undone_by_answering_again_through_the_api(api, version):
    user = _enrolled(version)
    api.force_authenticate(user)
    blocked = _screen(api, placenta_previa=True)
    assert (blocked["result"], blocked["state"]) == ("blocked", "blocked")

    again = _screen(api)  # every answer "no"
    assert (again["result"], again["state"]) == ("blocked", "blocked")
    assert len(again["reasons"]) == 1
    assert api.get("/api/v1/me/screening/").json()["latest"]["result"] == "blocked"
    assert _safety(api)["state"] == "blocked"
    assert api.get("/api/v1/me/enrolment/").json()["status"] == "blocked"


def test_the_enrolment_shows_her_derived_state(api, version):
    user = _enrolled(version)
    api.force_authenticate(user)
    assert api.get("/api/v1/me/enrolment/").json()["status"] == "active"
    api.post("/api/v1/me/enrolment/pause/", {"reason": "holiday"}, format="json")
    assert api.get("/api/v1/me/enrolment/").json()["status"] == "paused"

    api.force_authenticate(ClientFactory())  # not enrolled
    assert api.get("/api/v1/me/enrolment/").status_code == 404


# --- clearance --------------------------------------------------------------------------


def test_without_a_pt_she_self_clears_a_relative_answer_but_not_an_absolute_one(api, version):
    user = _enrolled(version)
    api.force_authenticate(user)
    nothing = _clearance(api)
    assert nothing.status_code == 400
    assert nothing.json() == {
        "detail": "There is nothing waiting for a clearance.",
        "code": "invalid",
        "fields": {},
    }

    _screen(api, anaemia=True)
    future = _clearance(api, cleared_on="2099-01-01")
    assert future.status_code == 400 and "cleared_on" in future.json()["fields"]
    assert _clearance(api, provider="").status_code == 400

    cleared = _clearance(api)
    assert cleared.status_code == 201, cleared.content
    body = cleared.json()
    assert body["clearance"]["self_reported"] is True
    assert body["clearance"]["provider"] == "Dr Vega, obstetrician"
    assert body["clearance"]["cleared_on"] == "2027-03-09"
    assert (body["safety"]["state"], body["safety"]["items"]) == ("active", [])

    _screen(api, heart_disease=True)
    refused = _clearance(api)
    assert refused.status_code == 403
    assert "must be recorded by a PT or an admin" in refused.json()["detail"]
    item = _safety(api)["items"][0]
    assert (item["kind"], item["self_clearable"]) == ("absolute", False)
    assert state_of(user).state == "blocked"
    assert Clearance.objects.filter(client=user).count() == 1


def test_with_a_pt_she_cannot_self_clear_and_tells_her_pt_she_was_seen(api, version):
    pt = PTFactory(full_name="Pilar Torres")
    user = _enrolled(version, pt=pt)
    api.force_authenticate(user)
    _screen(api, anaemia=True)
    data = _safety(api)
    assert data["pt"] == "Pilar Torres" and "Pilar Torres will review" in data["next_step"]
    assert data["items"][0]["self_clearable"] is False

    refused = _clearance(api)
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("Your PT Pilar Torres will review this")
    assert not Clearance.objects.exists() and _safety(api)["state"] == "pending_clearance"

    seen = api.post(
        "/api/v1/me/safety/seen/",
        {"provider": "Midwife Rosa", "seen_on": "2027-03-08"},
        format="json",
    )
    assert seen.status_code == 201, seen.content
    assert seen.json() == {
        "told": "Pilar Torres",
        "provider": "Midwife Rosa",
        "seen_on": "2027-03-08",
    }
    notice = Notification.objects.get(recipient=pt, kind=Notification.Kind.SEEN)
    assert "Midwife Rosa" in notice.title and "08 Mar 2027" in notice.title
    # Being seen is not a clearance: her PT still has to record it.
    assert _safety(api)["state"] == "pending_clearance"

    future = api.post(
        "/api/v1/me/safety/seen/", {"provider": "GP", "seen_on": "2099-01-01"}, format="json"
    )
    assert future.status_code == 400 and "seen_on" in future.json()["fields"]


def test_telling_a_pt_she_was_seen_without_a_pt_is_refused(api, version):
    user = _enrolled(version)
    api.force_authenticate(user)
    refused = api.post(
        "/api/v1/me/safety/seen/", {"provider": "GP", "seen_on": "2027-03-08"}, format="json"
    )
    assert refused.status_code == 400
    assert "no PT" in refused.json()["detail"]
    assert api.post("/api/v1/me/safety/seen/", {}, format="json").status_code == 400
    assert not Notification.objects.filter(kind=Notification.Kind.SEEN).exists()


def test_her_pt_records_a_clearance_for_an_absolute_answer(api, version):
    pt, other_pt = PTFactory(full_name="Pilar Torres"), PTFactory()
    user = _enrolled(version, pt=pt)
    api.force_authenticate(user)
    _screen(api, placenta_previa=True)

    url = f"/api/v1/clients/{user.pk}/clearance/"
    api.force_authenticate(other_pt)
    assert _clearance(api, url).status_code == 404
    api.force_authenticate(pt)
    assert _clearance(api, url, cleared_on="2099-01-01").status_code == 400
    cleared = _clearance(api, url)
    assert cleared.status_code == 201, cleared.content
    body = cleared.json()
    assert body["clearance"]["self_reported"] is False
    assert body["clearance"]["recorded_by"] == "Pilar Torres"
    assert body["safety"]["state"] == "active"
    nothing = _clearance(api, url)
    assert nothing.status_code == 400


# --- pause and resume -------------------------------------------------------------------


def test_she_pauses_and_resumes_her_own_program(api, version):
    user = _enrolled(version)
    api.force_authenticate(user)
    assert api.post("/api/v1/me/enrolment/resume/").status_code == 400  # not paused

    paused = api.post("/api/v1/me/enrolment/pause/", {"reason": "holiday"}, format="json")
    assert paused.status_code == 200 and paused.json()["state"] == "paused"
    assert paused.json()["items"][0]["closes_by"] == "resuming the program"
    again = api.post("/api/v1/me/enrolment/pause/", {"reason": "holiday"}, format="json")
    assert again.status_code == 400

    resumed = api.post("/api/v1/me/enrolment/resume/")
    assert resumed.status_code == 200 and resumed.json()["state"] == "active"

    api.force_authenticate(ClientFactory())  # not enrolled
    assert api.post("/api/v1/me/enrolment/pause/", {}, format="json").status_code == 400


def test_a_client_with_a_pt_cannot_lift_her_pts_pause(api, version):
    pt, other_pt = PTFactory(full_name="Pilar Torres"), PTFactory()
    user = _enrolled(version, pt=pt)
    api.force_authenticate(other_pt)
    assert api.post(f"/api/v1/clients/{user.pk}/pause/", {}, format="json").status_code == 404

    api.force_authenticate(pt)
    paused = api.post(f"/api/v1/clients/{user.pk}/pause/", {"reason": "review"}, format="json")
    assert paused.status_code == 200 and paused.json()["state"] == "paused"

    api.force_authenticate(user)
    refused = api.post("/api/v1/me/enrolment/resume/")
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "Your PT paused your program: only your PT (or an admin) can resume it."
    )
    assert _safety(api)["state"] == "paused"

    api.force_authenticate(other_pt)
    assert api.post(f"/api/v1/clients/{user.pk}/resume/").status_code == 404
    api.force_authenticate(pt)
    resumed = api.post(f"/api/v1/clients/{user.pk}/resume/")
    assert resumed.status_code == 200 and resumed.json()["state"] == "active"
    assert api.post(f"/api/v1/clients/{user.pk}/resume/").status_code == 400


def test_resuming_does_not_lift_a_hold(api, version):
    pt = PTFactory(full_name="Pilar Torres")
    user = _enrolled(version, pt=pt)
    api.force_authenticate(user)
    assert _log(api, user, ["dizziness"]).status_code == 201
    refused = api.post("/api/v1/me/enrolment/resume/")
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith("Resuming lifts a pause only")
    assert "Pilar Torres will review" in refused.json()["detail"]
    assert _safety(api)["state"] == "held"
    assert _clearance(api).status_code == 403  # nor a self-reported clearance


# --- a warning sign, a red flag and her PT's alert --------------------------------------


def test_a_warning_sign_logged_through_the_api_holds_and_names_her_pt(api, version):
    pt = PTFactory(full_name="Pilar Torres")
    user = _enrolled(version, pt=pt)
    api.force_authenticate(user)
    # This week's past session: a session is logged in its own week, and `_log` says today.
    session = user.scheduled_sessions.filter(date__lt=local_today(user)).last()
    quiet = _log(api, user, [], url=f"/api/v1/me/sessions/{session.pk}/log/")
    assert quiet.status_code == 201 and quiet.json()["safety"] is None

    response = _log(api, user, ["dizziness", "vaginal_bleeding"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stop"] is True
    assert body["safety"] == {
        "hold": True,
        "signs": ["vaginal_bleeding", "dizziness"],
        "sign_labels": ["Vaginal bleeding", "Dizziness"],
        "tier": "emergency",
        "message": "Stop now. Call your maternity unit or the emergency number now.",
        "told": "Your physical therapist Pilar Torres has been alerted in Prenafit.",
        "pt": "Pilar Torres",
    }
    assert _safety(api)["state"] == "held"


def test_a_warning_sign_without_a_pt_says_nobody_has_been_told(api, version):
    user = _enrolled(version)
    api.force_authenticate(user)
    body = _log(api, user, ["headache"]).json()
    assert body["safety"]["pt"] is None
    assert body["safety"]["told"].startswith("Nobody has been told")
    assert body["safety"]["tier"] == "today"
    data = _safety(api)
    assert data["state"] == "held"
    assert data["items"][0]["kind"] == "hold" and data["items"][0]["signs"] == ["headache"]
    assert data["items"][0]["self_clearable"] is True
    assert Alert.objects.get(client=user).pt is None


def test_a_red_flag_in_a_check_in_holds_with_its_message(api, version):
    user = _enrolled(version)
    api.force_authenticate(user)
    response = api.post(
        "/api/v1/me/assessments/",
        {
            "vas_low_back_mm": 30,
            "vas_sciatic_mm": 20,
            "odi_answers": [1] * 10,
            "pain_locations": ["buttock"],
            "symptoms": ["saddle_numbness", "calf_swelling", "bladder_bowel_change", "both_legs"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    safety = response.json()["safety"]
    assert safety["tier"] == "urgent_care"
    assert safety["message"] == "Stop exercising and seek urgent medical care now."
    assert set(safety["signs"]) == {
        "saddle_numbness",
        "calf_swelling",
        "bladder_bowel_change",
        "both_legs",
    }
    assert safety["told"].startswith("Nobody has been told")
    unknown = api.post(
        "/api/v1/me/assessments/",
        {"vas_low_back_mm": 1, "vas_sciatic_mm": 1, "odi_answers": [0] * 10, "symptoms": ["x"]},
        format="json",
    )
    assert unknown.status_code == 400 and "symptoms.0" in unknown.json()["fields"]


def test_her_pt_sees_the_alert_with_its_signs_and_source_and_another_pt_sees_nothing(api, version):
    pt, other_pt = PTFactory(full_name="Pilar Torres"), PTFactory()
    user = _enrolled(version, pt=pt)
    api.force_authenticate(user)
    log_id = _log(api, user, ["calf_pain_swelling"]).json()["id"]

    api.force_authenticate(pt)
    (alert,) = api.get(f"/api/v1/clients/{user.pk}/alerts/").json()
    assert alert["signs"] == ["calf_pain_swelling"]
    assert alert["sign_labels"] == ["Calf pain or swelling"]
    assert alert["told"] == "Pilar Torres"
    assert (alert["source"], alert["log_id"], alert["assessment_id"]) == (
        f"/api/v1/clients/{user.pk}/logs/",
        log_id,
        None,
    )
    logs = api.get(alert["source"]).json()
    assert [entry["warning_signs"] for entry in logs if entry["id"] == log_id] == [
        ["calf_pain_swelling"]
    ]

    api.force_authenticate(other_pt)
    assert api.get(f"/api/v1/clients/{user.pk}/alerts/").status_code == 404
    assert api.get(f"/api/v1/clients/{user.pk}/logs/").status_code == 404


def test_a_check_in_alert_points_at_the_check_ins(api, version):
    pt = PTFactory()
    user = _enrolled(version, pt=pt)
    api.force_authenticate(user)
    assessment = api.post(
        "/api/v1/me/assessments/",
        {"vas_low_back_mm": 10, "vas_sciatic_mm": 10, "odi_answers": [1] * 10,
         "symptoms": ["weakness"]},
        format="json",
    ).json()  # fmt: skip
    assert assessment["safety"]["tier"] == "asap"
    api.force_authenticate(pt)
    (alert,) = api.get(f"/api/v1/clients/{user.pk}/alerts/").json()
    assert alert["source"] == f"/api/v1/clients/{user.pk}/assessments/"
    assert alert["assessment_id"] == assessment["id"] and alert["log_id"] is None
    assert alert["sign_labels"] == ["New weakness in the leg"]


def test_her_pt_reviews_a_relative_answer_of_her_own_client_only(api, version):
    pt = PTFactory()
    user = _enrolled(version, pt=pt)
    other = _enrolled(version, pt=PTFactory(), name="Other")
    for who in (user, other):
        api.force_authenticate(who)
        _screen(api, sedentary=True, placenta_previa=who is other)
    item = SafetyItem.objects.get(client=user, question_key="sedentary")
    others = SafetyItem.objects.get(client=other, question_key="sedentary")

    url = f"/api/v1/clients/{user.pk}/screening/review/"
    api.force_authenticate(pt)
    assert api.post(url, {"item": others.pk, "note": "x"}, format="json").status_code == 404
    assert (
        api.post(
            f"/api/v1/clients/{other.pk}/screening/review/",
            {"item": others.pk, "note": "x"},
            format="json",
        ).status_code
        == 404
    )
    assert api.post(url, {"item": item.pk, "note": ""}, format="json").status_code == 400
    reviewed = api.post(url, {"item": item.pk, "note": "Walks daily; fine."}, format="json")
    assert reviewed.status_code == 200, reviewed.content
    assert reviewed.json()["safety"]["state"] == "active"
    assert reviewed.json()["item"]["id"] == item.pk
    item.refresh_from_db()
    assert item.closed_how == "reviewed"
    again = api.post(url, {"item": item.pk, "note": "again"}, format="json")
    assert again.status_code == 400


# --- end of pregnancy -------------------------------------------------------------------


def test_an_ended_pregnancy_stops_everything_and_her_pt_can_reopen_it(api, version):
    pt, other_pt = PTFactory(), PTFactory()
    user = _enrolled(version, pt=pt)
    today = local_today(user)
    api.force_authenticate(user)
    unconfirmed = api.post(
        "/api/v1/me/pregnancy/end/",
        {"outcome": "ended", "date": today.isoformat()},
        format="json",
    )
    assert unconfirmed.status_code == 400 and "confirm" in unconfirmed.json()["fields"]
    assert (
        api.post(
            "/api/v1/me/pregnancy/end/",
            {"outcome": "lost", "date": today.isoformat()},
            format="json",
        ).status_code
        == 400
    )

    ended = api.post(
        "/api/v1/me/pregnancy/end/",
        {"outcome": "ended", "date": today.isoformat(), "confirm": True},
        format="json",
    )
    assert ended.status_code == 201, ended.content
    assert ended.json()["state"] == "ended"
    assert "Congratulations" not in ended.content.decode()
    assert not user.scheduled_sessions.filter(date__gt=today, status="scheduled").exists()

    api.force_authenticate(other_pt)
    assert api.post(f"/api/v1/clients/{user.pk}/pregnancy/reopen/").status_code == 404
    api.force_authenticate(pt)
    reopened = api.post(f"/api/v1/clients/{user.pk}/pregnancy/reopen/")
    assert reopened.status_code == 200 and reopened.json()["state"] == "active"
    assert user.scheduled_sessions.filter(date__gt=today, status="scheduled").exists()
    assert api.post(f"/api/v1/clients/{user.pk}/pregnancy/reopen/").status_code == 400


def test_a_birth_is_recorded_through_the_same_endpoint(api, version):
    user = _enrolled(version, week=39)
    today = local_today(user)
    api.force_authenticate(user)
    future = api.post(
        "/api/v1/me/pregnancy/end/",
        {"outcome": "birth", "date": (today + dt.timedelta(days=3)).isoformat(), "confirm": True},
        format="json",
    )
    assert future.status_code == 400 and "date" in future.json()["fields"]
    born = api.post(
        "/api/v1/me/pregnancy/end/",
        {"outcome": "birth", "date": today.isoformat(), "confirm": True},
        format="json",
    )
    assert born.status_code == 201 and born.json()["state"] == "completed"

    api.force_authenticate(ClientFactory())  # no due date recorded
    for outcome in ("birth", "ended"):
        refused = api.post(
            "/api/v1/me/pregnancy/end/",
            {"outcome": outcome, "date": today.isoformat(), "confirm": True},
            format="json",
        )
        assert refused.status_code == 400, outcome


# --- the schema -------------------------------------------------------------------------

# Every operation can answer 401 (no valid token), 403, 404 (not a client, not her client) and
# 429; a write also 400, 409 and 422 (an Idempotency-Key reused for another request).
READ = {"401", "403", "404", "429"}
WRITE = READ | {"400", "409", "422"}
SAFETY_PATHS = {
    ("/api/v1/me/safety/", "get"): {"200"} | READ,
    ("/api/v1/me/clearance/", "post"): {"201"} | WRITE,
    ("/api/v1/me/safety/seen/", "post"): {"201"} | WRITE,
    ("/api/v1/me/enrolment/pause/", "post"): {"200"} | WRITE,
    ("/api/v1/me/enrolment/resume/", "post"): {"200"} | WRITE,
    ("/api/v1/me/pregnancy/end/", "post"): {"201"} | WRITE,
    ("/api/v1/clients/{client_id}/clearance/", "post"): {"201"} | WRITE,
    ("/api/v1/clients/{client_id}/screening/review/", "post"): {"200"} | WRITE,
    ("/api/v1/clients/{client_id}/pause/", "post"): {"200"} | WRITE,
    ("/api/v1/clients/{client_id}/resume/", "post"): {"200"} | WRITE,
    ("/api/v1/clients/{client_id}/pregnancy/reopen/", "post"): {"200"} | WRITE,
    ("/api/v1/clients/{client_id}/logs/", "get"): {"200"} | READ,
}


def test_the_schema_documents_every_safety_endpoint_with_its_statuses(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/v1/schema/").content)
    for (path, method), statuses in SAFETY_PATHS.items():
        assert set(schema["paths"][path][method]["responses"]) == statuses, path
    alert = schema["components"]["schemas"]["Alert"]["properties"]
    assert {"signs", "sign_labels", "source", "log_id", "assessment_id"} <= set(alert)
    assert "safety" in schema["components"]["schemas"]["LogResult"]["properties"]
    assert "birth_year" not in schema["components"]["schemas"]["Profile"]["properties"]
