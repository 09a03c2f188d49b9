"""Her corrections through the API (issue 16, tracker/api/corrections.py): she lists and reads her
logs and check-ins, corrects or withdraws one within 7 days of saving it, on the web's rules and
in its words; the earlier version is kept; a sign new in a correction opens a hold and says who
was told; another client's id answers 404. And a scheduled session's log is dated by default."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.clock import pin
from tests.factories import ClientFactory, PTFactory, build_program_version, enrolled_client
from tracker import selectors
from tracker.models import (
    Alert,
    Assessment,
    AssessmentRevision,
    ExerciseLog,
    SafetyItem,
    SessionLog,
    SessionLogRevision,
)
from tracker.safety import state_of
from tracker.selectors import local_today

pytestmark = [pytest.mark.django_db, pin()]

LOG_TOO_LATE = (
    "A log can be changed or withdrawn for 7 days after you save it. This one was saved on "
    "10 March, so it stays as it is."
)
CHECK_IN_TOO_LATE = (
    "A check-in can be changed or withdrawn for 7 days after you save it. This one was saved "
    "on 10 March, so it stays as it is."
)
LOG_WITHDRAWN = "You withdrew this log, so it can no longer be changed."
CHECK_IN_WITHDRAWN = "You withdrew this check-in, so it can no longer be changed."
UNKNOWN_FIELD = "Unknown field: nothing was saved. The API schema lists the fields."
SCORES = {"vas_low_back_mm": 40, "vas_sciatic_mm": 5, "odi_answers": [1] * 10}


@pytest.fixture
def version():
    return build_program_version(slug="aparicio2023", prescriptions_per_block=1)


@pytest.fixture
def pt():
    return PTFactory(full_name="Paula Therapist")


def _enrol(version, pt=None, name="Nora Client"):
    """A client at week 24 with two weeks of past sessions (Mon, Wed, Fri)."""
    her = ClientFactory(full_name=name)
    today = local_today(her)
    enrolled_client(
        today=today, client=her, version=version, pt=pt, start=today - dt.timedelta(days=14)
    )
    return her


@pytest.fixture
def her(version, pt):
    return _enrol(version, pt)


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def past(client):
    today = local_today(client)
    return list(client.scheduled_sessions.filter(date__lt=today).order_by("date"))


def checklist(session):
    return [rx.pk for rx in selectors.session_checklist(session)]


def log_session(api, session, **changes):
    """Log a scheduled session through the API, every checklist line done."""
    body = {
        "status": "completed",
        "performed_on": session.date.isoformat(),
        "minutes": 60,
        "rpe": 13,
        "exercises": [
            {"prescription": pk, "done": True, "sets_done": 2, "load_used": "2 kg"}
            for pk in checklist(session)
        ],
    }
    response = api.post(f"/api/v1/me/sessions/{session.pk}/log/", body | changes, format="json")
    assert response.status_code == 201, response.content
    return SessionLog.objects.get(pk=response.json()["id"])


def log_extra(api, client, **changes):
    body = {"status": "completed", "performed_on": local_today(client).isoformat()}
    response = api.post(
        "/api/v1/me/logs/", body | {"minutes": 30, "rpe": 12} | changes, format="json"
    )
    assert response.status_code == 201, response.content
    return SessionLog.objects.get(pk=response.json()["id"])


def check_in(api, **changes):
    response = api.post("/api/v1/me/assessments/", SCORES | changes, format="json")
    assert response.status_code == 201, response.content
    return Assessment.objects.get(pk=response.json()["id"])


def row(obj, *skip) -> dict:
    """A model row's values, without what differs between two clients' copies."""
    values = type(obj).objects.filter(pk=obj.pk).values().get()
    for name in ("id", "client_id", "session_id", "created_at", "updated_at", *skip):
        values.pop(name, None)
    return values


def lines(log) -> list[tuple]:
    return list(
        ExerciseLog.objects.filter(log=log)
        .order_by("prescription_id")
        .values_list("prescription_id", "done", "sets_done", "load_used")
    )


# --- her logs: the list and one log ----------------------------------------------------------


def test_her_logs_are_listed_newest_first_with_withdrawn_ones_as_the_web_history_shows(her):
    api = api_for(her)
    first, second = past(her)[:2]
    older, newer = log_session(api, first), log_session(api, second)
    extra = log_extra(api, her)
    assert api.delete(f"/api/v1/me/logs/{newer.pk}/").status_code == 204

    response = api.get("/api/v1/me/logs/")

    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body] == [extra.pk, newer.pk, older.pk]
    api.force_login(her)  # the web's history, in the same order
    assert [log.pk for log in api.get(reverse("tracker:logs")).context["logs"]] == [
        item["id"] for item in body
    ]
    by_id = {item["id"]: item for item in body}
    assert by_id[newer.pk]["withdrawn_at"] is not None and by_id[newer.pk]["session"] is None
    assert by_id[newer.pk]["locked"] == LOG_WITHDRAWN
    assert by_id[newer.pk]["revisions"][0]["snapshot"]["session_id"] == second.pk
    assert by_id[older.pk]["locked"] is None and by_id[older.pk]["session"] == first.pk
    assert by_id[extra.pk]["session"] is None and by_id[extra.pk]["exercises"] == []


@pytest.mark.parametrize("n", [1, 6])
def test_her_logs_are_listed_in_a_fixed_number_of_queries(
    n, version, pt, django_assert_max_num_queries
):
    her = _enrol(version, pt)
    api = api_for(her)
    for session in past(her)[:n]:
        log = log_session(api, session)
        api.patch(f"/api/v1/me/logs/{log.pk}/", {"minutes": 45}, format="json")

    with django_assert_max_num_queries(3):
        body = api.get("/api/v1/me/logs/").json()

    assert len(body) == n and all(len(item["revisions"]) == 1 for item in body)


def test_a_log_reads_with_its_checklist_and_until_when_she_may_correct_it(her):
    api = api_for(her)
    session = past(her)[0]
    log = log_session(api, session)

    response = api.get(f"/api/v1/me/logs/{log.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert (body["session"], body["status"], body["minutes"], body["rpe"]) == (
        session.pk,
        "completed",
        60,
        13,
    )
    assert body["exercises"] == [
        {"prescription": pk, "done": True, "sets_done": 2, "load_used": "2 kg", "too_hard": False}
        for pk in checklist(session)
    ]
    deadline = dt.datetime.fromisoformat(body["editable_until"])
    assert deadline == log.created_at + dt.timedelta(days=7)
    assert (body["locked"], body["revisions"], body["withdrawn_at"]) == (None, [], None)


# --- correcting a log ------------------------------------------------------------------------


def test_a_patch_changes_the_same_things_as_the_web_form(version, pt, client):
    """The web form posts every field and every checklist line; the API only what changes."""
    on_web, on_api = _enrol(version, pt, "Web Client"), _enrol(version, pt, "Api Client")
    web_session, api_session = past(on_web)[0], past(on_api)[0]
    assert checklist(web_session) == checklist(api_session)
    web_log = log_session(api_for(on_web), web_session)
    api_log = log_session(api_for(on_api), api_session)
    first, *others = checklist(web_session)

    client.force_login(on_web)
    form = {
        "status": "partial",
        "performed_on": web_session.date.isoformat(),
        "minutes": "45",
        "rpe": "14",
        "notes": "Stopped early: tired.",
        f"rx_{first}_sets": "1",
        f"rx_{first}_load": "2 kg",
    }
    for pk in others:
        form |= {f"rx_{pk}_done": "on", f"rx_{pk}_sets": "2", f"rx_{pk}_load": "2 kg"}
    assert (
        client.post(reverse("tracker:session_log", args=[web_session.pk]), form).status_code == 302
    )
    response = api_for(on_api).patch(
        f"/api/v1/me/logs/{api_log.pk}/",
        {
            "status": "partial",
            "minutes": 45,
            "rpe": 14,
            "notes": "Stopped early: tired.",
            "exercises": [{"prescription": first, "done": False, "sets_done": 1}],
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["minutes"], body["safety"]) == ("partial", 45, None)
    assert row(api_log) == row(web_log)
    assert lines(api_log) == lines(web_log)
    assert lines(api_log)[0] == (first, False, 1, "2 kg")
    (api_before,) = SessionLogRevision.objects.filter(log=api_log)
    (web_before,) = SessionLogRevision.objects.filter(log=web_log)
    assert api_before.edited_by == on_api and web_before.edited_by == on_web
    assert {**api_before.snapshot, "session_id": None} == {
        **web_before.snapshot,
        "session_id": None,
    }
    assert api_before.snapshot["minutes"] == 60  # the earlier version, kept
    assert body["revisions"][0]["snapshot"]["minutes"] == 60
    # Her PT reads the correction in the same words as the web's.
    (entry,) = selectors.corrections_of(on_api)
    assert "minutes: 60 → 45" in entry["changes"]


def test_a_warning_sign_added_in_a_correction_opens_the_hold_and_says_who_was_told(her, pt):
    api = api_for(her)
    log = log_extra(api, her)

    response = api.patch(
        f"/api/v1/me/logs/{log.pk}/", {"warning_signs": ["dizziness"]}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["stop"] is True and body["warning_signs"] == ["dizziness"]
    safety = body["safety"]
    assert (safety["hold"], safety["signs"], safety["pt"]) == (True, ["dizziness"], str(pt))
    assert "Paula Therapist" in safety["told"]
    alert = Alert.objects.get(client=her)
    assert (alert.session_log_id, alert.pt, alert.signs) == (log.pk, pt, ["dizziness"])
    assert SafetyItem.objects.get(client=her, kind="hold", closed_at=None).session_log_id == log.pk
    assert state_of(her).state == "held"
    # Taking the sign out again changes the log, never the hold (only a clearance closes it).
    again = api.patch(f"/api/v1/me/logs/{log.pk}/", {"warning_signs": []}, format="json")
    assert again.status_code == 200 and again.json()["safety"] is None
    assert state_of(her).state == "held" and Alert.objects.count() == 1


def test_refusals_carry_the_web_messages_next_to_the_fields_and_change_nothing(her):
    api = api_for(her)
    scheduled, extra = log_session(api, past(her)[0]), log_extra(api, her)
    url = f"/api/v1/me/logs/{scheduled.pk}/"

    refused = {
        "future": api.patch(url, {"performed_on": "2099-01-01"}, format="json"),
        "unknown": api.patch(url, {"minutes": 45, "mood": "good"}, format="json"),
        "read_only": api.patch(url, {"withdrawn_at": None}, format="json"),
        "no_key": api.patch(url, {"exercises": [{"done": False}]}, format="json"),
        "other_rx": api.patch(url, {"exercises": [{"prescription": 2**31 - 1}]}, format="json"),
        "no_minutes": api.patch(url, {"minutes": 0}, format="json"),
        "extra_skip": api.patch(
            f"/api/v1/me/logs/{extra.pk}/",
            {"status": "skipped", "skip_reason": "time"},
            format="json",
        ),
        "extra_list": api.patch(
            f"/api/v1/me/logs/{extra.pk}/",
            {"exercises": [{"prescription": checklist(past(her)[0])[0], "done": True}]},
            format="json",
        ),
    }

    assert {k: r.status_code for k, r in refused.items()} == dict.fromkeys(refused, 400)
    fields = {k: r.json()["fields"] for k, r in refused.items()}
    assert fields["future"] == {"performed_on": ["The date cannot be in the future."]}
    assert fields["unknown"] == {"mood": [UNKNOWN_FIELD]}
    assert fields["read_only"] == {"withdrawn_at": [UNKNOWN_FIELD]}
    assert fields["no_key"] == {"exercises.0.prescription": ["This field is required."]}
    assert refused["other_rx"].json()["detail"] == "That exercise is not part of this session."
    assert fields["no_minutes"] == {"minutes": ["How many minutes did you exercise? (1 to 240)"]}
    assert fields["extra_skip"] == {"status": ["An extra session is logged only when you did it."]}
    assert fields["extra_list"] == {
        "exercises": [
            "An extra session has no exercise list. Say what you did in the notes instead."
        ]
    }
    assert not SessionLogRevision.objects.exists()
    assert SessionLog.objects.get(pk=scheduled.pk).minutes == 60


def test_past_its_7_days_a_log_is_locked_with_the_web_message(her, time_machine):
    api = api_for(her)
    log = log_session(api, past(her)[0])
    url = f"/api/v1/me/logs/{log.pk}/"

    time_machine.move_to(log.created_at + dt.timedelta(days=7, minutes=-1), tick=False)
    assert api.patch(url, {"minutes": 45}, format="json").status_code == 200  # still in time
    time_machine.move_to(log.created_at + dt.timedelta(days=7, minutes=1), tick=False)
    patch = api.patch(url, {"minutes": 30, "mood": "unknown fields too"}, format="json")
    delete = api.delete(url)

    for response in (patch, delete):
        assert response.status_code == 403
        assert response.json() == {"detail": LOG_TOO_LATE, "code": "locked", "fields": {}}
    log.refresh_from_db()
    assert (log.minutes, log.withdrawn_at, log.revisions.count()) == (45, None, 1)
    assert api.get(url).json()["locked"] == LOG_TOO_LATE
    assert selectors.correction_refusal(log) == LOG_TOO_LATE  # what the web's form says


def test_a_withdrawn_log_is_kept_with_its_history_and_its_session_logged_afresh(her):
    api = api_for(her)
    session = past(her)[0]
    log = log_session(api, session)
    url = f"/api/v1/me/logs/{log.pk}/"

    response = api.delete(url)

    assert response.status_code == 204 and response.content == b""
    log.refresh_from_db()
    assert log.withdrawn_at is not None and log.session is None
    assert log.revisions.get().snapshot["session_id"] == session.pk
    assert lines(log)  # the checklist stays with it
    detail = api.get(url).json()
    assert (detail["locked"], detail["session"]) == (LOG_WITHDRAWN, None)
    for again in (api.delete(url), api.patch(url, {"minutes": 20}, format="json")):
        assert again.status_code == 403 and again.json()["detail"] == LOG_WITHDRAWN
    assert api.get("/api/v1/me/progress/").json()["adherence"]["attended"] == 0
    fresh = log_session(api, session, minutes=50)
    assert fresh.pk != log.pk and SessionLog.objects.filter(client=her).count() == 2
    (entry,) = selectors.corrections_of(her)
    assert entry["withdrawn"] is True


def test_another_clients_log_or_check_in_answers_404_and_changes_nothing(her, version, pt):
    other = _enrol(version, pt, "Other Client")
    log, assessment = log_extra(api_for(other), other), check_in(api_for(other))
    before = (row(log), row(assessment))
    api = api_for(her)

    responses = [
        api.get(f"/api/v1/me/logs/{log.pk}/"),
        api.patch(f"/api/v1/me/logs/{log.pk}/", {"minutes": 5}, format="json"),
        api.delete(f"/api/v1/me/logs/{log.pk}/"),
        api.get(f"/api/v1/me/assessments/{assessment.pk}/"),
        api.patch(f"/api/v1/me/assessments/{assessment.pk}/", {"vas_sciatic_mm": 0}, format="json"),
        api.delete(f"/api/v1/me/assessments/{assessment.pk}/"),
        api.delete("/api/v1/me/logs/999999/"),
        api_for(pt).patch(f"/api/v1/me/logs/{log.pk}/", {"minutes": 5}, format="json"),
        api_for(pt).delete(f"/api/v1/me/assessments/{assessment.pk}/"),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert all(r.json()["code"] == "not_found" for r in responses)
    assert (row(log), row(assessment)) == before
    assert not SessionLogRevision.objects.exists() and not AssessmentRevision.objects.exists()


# --- check-ins -------------------------------------------------------------------------------


def test_a_check_in_reads_with_its_scores_in_plain_words_and_its_window(her):
    api = api_for(her)
    assessment = check_in(api)

    body = api.get(f"/api/v1/me/assessments/{assessment.pk}/").json()

    assert (body["id"], body["vas_low_back_mm"], body["odi_answers"]) == (
        assessment.pk,
        40,
        [1] * 10,
    )
    assert set(body["plain"]) == {"odi", "low_back", "sciatic"} and all(body["plain"].values())
    assert dt.datetime.fromisoformat(
        body["editable_until"]
    ) == assessment.created_at + dt.timedelta(days=7)
    assert (body["locked"], body["revisions"], body["withdrawn_at"]) == (None, [], None)


def test_a_check_in_patch_changes_the_same_things_as_the_web_form(version, pt, client):
    on_web, on_api = _enrol(version, pt, "Web Client"), _enrol(version, pt, "Api Client")
    web_check_in, api_check_in = check_in(api_for(on_web)), check_in(api_for(on_api))
    client.force_login(on_web)
    form = {"vas_low_back_mm": "25", "vas_sciatic_mm": "5"} | {
        f"odi_{n}": "1" for n in range(1, 11)
    }
    form |= {"pain_locations": ["calf"], "calf_swelling": "no", "symptoms": ["burning"]}

    web = client.post(reverse("tracker:assessment_edit", args=[web_check_in.pk]), form)
    response = api_for(on_api).patch(
        f"/api/v1/me/assessments/{api_check_in.pk}/",
        {"vas_low_back_mm": 25, "pain_locations": ["calf"], "symptoms": ["burning"]},
        format="json",
    )

    assert web.status_code == 302
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["vas_low_back_mm"], body["vas_sciatic_mm"], body["safety"]) == (25, 5, None)
    assert row(api_check_in) == row(web_check_in)
    (api_before,) = AssessmentRevision.objects.filter(assessment=api_check_in)
    (web_before,) = AssessmentRevision.objects.filter(assessment=web_check_in)
    assert (
        api_before.snapshot == web_before.snapshot and api_before.snapshot["vas_low_back_mm"] == 40
    )
    assert body["revisions"][0]["snapshot"]["vas_low_back_mm"] == 40
    (entry,) = selectors.corrections_of(on_api)
    assert "low back pain: 40 mm → 25 mm" in entry["changes"]


def test_a_red_flag_added_in_a_correction_opens_the_hold_and_says_who_was_told(her, pt):
    api = api_for(her)
    assessment = check_in(api)

    response = api.patch(
        f"/api/v1/me/assessments/{assessment.pk}/",
        {"symptoms": ["saddle_numbness"]},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["urgent"] is True
    assert (body["safety"]["signs"], body["safety"]["pt"]) == (["saddle_numbness"], str(pt))
    assert "Paula Therapist" in body["safety"]["told"]
    alert = Alert.objects.get(client=her)
    assert (alert.kind, alert.assessment_id, alert.pt) == ("red_flag", assessment.pk, pt)
    assert state_of(her).state == "held"


def test_check_in_refusals_the_7_days_and_a_withdrawal(her, time_machine):
    api = api_for(her)
    kept, mistake = check_in(api), check_in(api, vas_low_back_mm=90)
    url = f"/api/v1/me/assessments/{mistake.pk}/"

    short = api.patch(url, {"odi_answers": [1] * 9}, format="json")
    unknown = api.patch(url, {"taken_on": "2027-03-01"}, format="json")
    assert short.status_code == 400 and "odi_answers" in short.json()["fields"]
    assert unknown.status_code == 400 and unknown.json()["fields"] == {"taken_on": [UNKNOWN_FIELD]}

    withdrawn = api.delete(url)

    assert withdrawn.status_code == 204
    mistake.refresh_from_db()
    assert mistake.withdrawn_at is not None
    listed = [a["id"] for a in api.get("/api/v1/me/assessments/").json()]
    assert listed == [kept.pk]  # left out of her check-ins, as on the web
    detail = api.get(url).json()
    assert detail["withdrawn_at"] is not None and detail["locked"] == CHECK_IN_WITHDRAWN
    again = api.patch(url, {"vas_low_back_mm": 10}, format="json")
    assert (again.status_code, again.json()["detail"]) == (403, CHECK_IN_WITHDRAWN)

    time_machine.move_to(kept.created_at + dt.timedelta(days=7, minutes=1), tick=False)
    late = [
        api.patch(f"/api/v1/me/assessments/{kept.pk}/", {"vas_low_back_mm": 10}, format="json"),
        api.delete(f"/api/v1/me/assessments/{kept.pk}/"),
    ]
    for response in late:
        assert response.status_code == 403
        assert response.json() == {"detail": CHECK_IN_TOO_LATE, "code": "locked", "fields": {}}
    kept.refresh_from_db()
    assert (kept.vas_low_back_mm, kept.withdrawn_at) == (40, None)
    assert not AssessmentRevision.objects.exists()


# --- the date of a scheduled session's log -----------------------------------------------------


def test_a_scheduled_sessions_log_is_dated_like_the_web_form_and_an_extra_log_needs_its_date(her):
    api = api_for(her)
    today = local_today(her)
    earlier = past(her)[0]
    later_this_week = her.scheduled_sessions.get(date=today + dt.timedelta(days=2))  # Friday
    body = {"status": "completed", "minutes": 40, "rpe": 12}

    on_its_day = api.post(f"/api/v1/me/sessions/{earlier.pk}/log/", body, format="json")
    done_early = api.post(f"/api/v1/me/sessions/{later_this_week.pk}/log/", body, format="json")
    extra = api.post("/api/v1/me/logs/", body, format="json")

    assert on_its_day.status_code == 201, on_its_day.content
    assert on_its_day.json()["performed_on"] == earlier.date.isoformat()
    assert done_early.status_code == 201, done_early.content
    assert done_early.json()["performed_on"] == today.isoformat()  # not in the future
    assert extra.status_code == 400
    assert extra.json()["fields"] == {"performed_on": ["This field is required."]}
    assert SessionLog.objects.filter(client=her).count() == 2
