"""A client's whole pregnancy and her PT's week, through the API alone (as a phone app would
live them): every step the web offers, on the shipped program, with the clock moving from
week 16 to the birth. Only the care link is made outside the API (she accepts a PT's
invitation on its web page)."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.clock import pin
from tests.factories import CareLinkFactory, ClientFactory, PTFactory
from tracker.models import Alert, Enrolment, SessionLog
from tracker.selectors import local_today

pytestmark = [pytest.mark.django_db, pin()]

PASSWORD = "prenafit-demo"


def signed_in(user, name: str) -> APIClient:
    api = APIClient()
    token = api.post(
        "/api/v1/auth/token/",
        {"email": user.email, "password": PASSWORD, "name": name},
        format="json",
    )
    assert token.status_code == 200, token.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return api


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.content[:500])
    return response.json() if response.content and "json" in response["Content-Type"] else None


def at(time_machine, day: dt.date, hour: int = 19) -> None:
    time_machine.move_to(dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC), tick=False)


def test_a_whole_pregnancy_and_a_pts_week_through_the_api_alone(
    time_machine, reference_data, django_capture_on_commit_callbacks
):
    call_command("load_program", "aparicio2023", "--publish", stdout=None)
    pt = PTFactory(full_name="Pilar Torres", time_zone="UTC")
    her = ClientFactory(full_name="Nora Vidal", time_zone="UTC")
    phone = signed_in(her, "Nora's phone")
    desk = signed_in(pt, "Clinic laptop")
    start = local_today(her)

    # Her PT invites her (the link is accepted on the web page it leads to).
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail goes once committed
        invited = desk.post("/api/v1/invitations/", {"email": her.email}, format="json")
    invited = ok(invited, 201)
    assert invited["status"] == "open" and len(mail.outbox) == 1
    assert [i["email"] for i in ok(desk.get("/api/v1/invitations/"))["results"]] == [her.email]
    CareLinkFactory(pt=pt, client=her)

    # Week 16+0: due date, the safety screen, enrolment, reminders.
    due = start + dt.timedelta(days=280 - 7 * 16)
    me = ok(phone.patch("/api/v1/me/", {"due_date": str(due)}, format="json"))
    assert me["gestational_age"] == {"weeks": 16, "days": 0}
    questions = ok(phone.get("/api/v1/me/screening/"))["questions"]
    answers = {q["key"]: False for q in questions}
    screen = ok(phone.post("/api/v1/me/screening/", {"answers": answers}, format="json"), 201)
    assert screen["result"] == "cleared"
    enrolled = ok(
        phone.post(
            "/api/v1/me/enrolment/",
            {"weekdays": ["mon", "wed", "fri"], "start_time": "18:00", "time_zone": "UTC"},
            format="json",
        ),
        201,
    )
    assert enrolled["state"] == "active" and enrolled["weekdays"] == ["mon", "wed", "fri"]
    first = dt.date.fromisoformat(enrolled["first_session"])
    assert first >= start + dt.timedelta(weeks=1)  # the program starts at week 17
    moved = ok(phone.patch("/api/v1/me/enrolment/", {"start_time": "07:30"}, format="json"))
    assert moved["start_time"] == "07:30" and moved["count"] == enrolled["count"]
    prefs = ok(
        phone.patch(
            "/api/v1/me/preferences/",
            {"lead_minutes": 30, "reminders": {"session_missed": {"channels": ["in_app"]}}},
            format="json",
        )
    )
    assert prefs["lead_minutes"] == 30
    assert prefs["reminders"]["session_missed"]["channels"] == ["in_app"]
    baseline = ok(
        phone.post(
            "/api/v1/me/assessments/",
            {"vas_low_back_mm": 20, "vas_sciatic_mm": 5, "odi_answers": [1] * 10},
            format="json",
        ),
        201,
    )

    # Week 17: her first sessions; one she logs without repeating its date, then corrects.
    at(time_machine, first + dt.timedelta(days=2))
    week = ok(
        phone.get(
            "/api/v1/me/sessions/", {"from": str(first), "to": str(first + dt.timedelta(days=2))}
        )
    )
    assert len(week) == 2
    done = ok(
        phone.post(
            f"/api/v1/me/sessions/{week[0]['id']}/log/",
            {"status": "completed", "minutes": 60, "rpe": 13},
            format="json",
        ),
        201,
    )
    assert SessionLog.objects.get(pk=done["id"]).performed_on == dt.date.fromisoformat(
        week[0]["date"]
    )
    corrected = ok(phone.patch(f"/api/v1/me/logs/{done['id']}/", {"minutes": 50}, format="json"))
    assert corrected["minutes"] == 50 and len(corrected["revisions"]) == 1
    partial = ok(
        phone.post(
            f"/api/v1/me/sessions/{week[1]['id']}/log/",
            {"status": "partial", "minutes": 30, "rpe": 12},
            format="json",
        ),
        201,
    )
    assert [log["id"] for log in ok(phone.get("/api/v1/me/logs/"))][:2] == [
        partial["id"],
        done["id"],
    ]

    # Week 20: dizziness during a session. The hold opens, her PT is told and clears it.
    at(time_machine, first + dt.timedelta(weeks=3, days=2))
    session = ok(
        phone.get(
            "/api/v1/me/sessions/",
            {
                "from": str(first + dt.timedelta(weeks=3, days=2)),
                "to": str(first + dt.timedelta(weeks=3, days=2)),
            },
        )
    )[0]
    stop = ok(
        phone.post(
            f"/api/v1/me/sessions/{session['id']}/log/",
            {"status": "partial", "minutes": 20, "rpe": 14, "warning_signs": ["dizziness"]},
            format="json",
        ),
        201,
    )
    assert stop["stop"] is True and "Pilar Torres" in stop["safety"]["told"]
    assert ok(phone.get("/api/v1/me/enrolment/"))["state"] == "held"

    # Her PT's week, from the clinic laptop: unused for over 30 days, its token has expired.
    assert desk.get("/api/v1/clients/").status_code == 401
    desk = signed_in(pt, "Clinic laptop")
    rows = ok(desk.get("/api/v1/clients/"))["results"]
    assert [r["name"] for r in rows] == ["Nora Vidal"] and rows[0]["open_alerts"] == 1
    notice = ok(desk.get("/api/v1/me/notifications/"))[0]
    assert notice["about_client"] == her.pk and notice["alert"]["signs"] == ["dizziness"]
    assert notice["alert"]["sign_labels"] == ["Dizziness"]
    alert = ok(desk.get(f"/api/v1/clients/{her.pk}/alerts/"))[0]
    ok(desk.post(f"/api/v1/clients/{her.pk}/alerts/{alert['id']}/acknowledge/"))
    assert Alert.objects.get(pk=alert["id"]).acknowledged_by == pt
    ok(
        desk.post(
            f"/api/v1/clients/{her.pk}/clearance/",
            {
                "provider": "Dr Ruiz, obstetrician",
                "cleared_on": str(session["date"]),
                "note": "BP fine",
            },
            format="json",
        ),
        201,
    )
    assert ok(phone.get("/api/v1/me/enrolment/"))["state"] == "active"
    ok(
        desk.post(
            f"/api/v1/clients/{her.pk}/notes/",
            {"text": "Cleared; watch for dizziness."},
            format="json",
        ),
        201,
    )
    plan = ok(desk.get(f"/api/v1/clients/{her.pk}/swaps/"))
    original = next(e for e in plan["exercises"] if e["alternatives"])
    swap = ok(
        desk.post(
            f"/api/v1/clients/{her.pk}/swaps/",
            {"original": original["slug"], "replacement": original["alternatives"][0]["slug"]},
            format="json",
        ),
        201,
    )
    assert swap["replacement"]["slug"] == original["alternatives"][0]["slug"]
    schedule = ok(
        desk.patch(
            f"/api/v1/clients/{her.pk}/schedule/",
            {"weekdays": ["tue", "thu", "sat"]},
            format="json",
        )
    )
    assert schedule["weekdays"] == ["tue", "thu", "sat"]
    assert SessionLog.objects.filter(client=her).count() == 3  # her logs kept as they were
    report = desk.get(f"/api/v1/clients/{her.pk}/report.csv")
    assert report.status_code == 200 and report["Content-Type"] == "text/csv; charset=utf-8"
    assert f"alert,{session['date']},,warning_sign,,,,,,,,,,Dizziness".encode() in report.content
    cohort = desk.get("/api/v1/cohort.csv", {"deidentify": "true"})
    assert cohort.status_code == 200 and b"Nora" not in cohort.content
    ok(desk.post(f"/api/v1/clients/{her.pk}/pause/", {"reason": "Holiday"}, format="json"))
    assert ok(phone.get("/api/v1/me/enrolment/"))["state"] == "paused"
    refused = phone.post("/api/v1/me/enrolment/resume/")
    assert refused.status_code == 403  # a pause her PT set is her PT's to lift
    ok(desk.post(f"/api/v1/clients/{her.pk}/resume/"))

    # Week 26: the re-screen; week 34: the follow-up check-in, one she then withdraws and redoes.
    at(time_machine, due - dt.timedelta(weeks=14))
    phone = signed_in(her, "Nora's phone")  # six weeks since she last opened the app
    rescreen = {q["key"]: False for q in questions if q["rescreen"]}
    ok(
        phone.post(
            "/api/v1/me/screening/", {"answers": rescreen, "kind": "rescreen"}, format="json"
        ),
        201,
    )
    at(time_machine, due - dt.timedelta(weeks=6))
    phone = signed_in(her, "Nora's phone")
    wrong = ok(
        phone.post(
            "/api/v1/me/assessments/",
            {"vas_low_back_mm": 90, "vas_sciatic_mm": 5, "odi_answers": [1] * 10},
            format="json",
        ),
        201,
    )
    assert phone.delete(f"/api/v1/me/assessments/{wrong['id']}/").status_code == 204
    ok(
        phone.post(
            "/api/v1/me/assessments/",
            {"vas_low_back_mm": 25, "vas_sciatic_mm": 5, "odi_answers": [1] * 10},
            format="json",
        ),
        201,
    )
    progress = ok(phone.get("/api/v1/me/progress/"))
    assert progress["adherence"]["attended"] >= 2
    assert ok(phone.get(f"/api/v1/me/assessments/{baseline['id']}/"))["locked"]  # past 7 days
    assert ok(phone.get("/api/v1/me/enrolment/"))["state"] == "active"

    # Week 39: the birth. Everything stops; her data is hers to take, then to delete.
    at(time_machine, due - dt.timedelta(days=7))
    phone = signed_in(her, "Nora's phone")
    born = ok(
        phone.post(
            "/api/v1/me/pregnancy/end/",
            {"outcome": "birth", "date": str(due - dt.timedelta(days=7)), "confirm": True},
            format="json",
        ),
        201,
    )
    assert born["state"] == "completed"
    export = ok(phone.get("/api/v1/me/export/"))
    logged = [row for row in export["sessions"] if row.get("log")]
    assert len(logged) == 3 and len(export["assessments"]) == 3  # the withdrawn one is kept
    wrong_password = phone.post("/api/v1/me/delete/", {"password": "not hers"}, format="json")
    assert wrong_password.status_code == 400 and "password" in wrong_password.json()["fields"]
    deleting = ok(phone.post("/api/v1/me/delete/", {"password": PASSWORD}, format="json"), 202)
    assert deleting["deletion_due"]
    assert Enrolment.objects.filter(client=her).exists()  # kept through the grace period
