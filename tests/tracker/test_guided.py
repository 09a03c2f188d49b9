"""Guided mode (issue 17, item 1): her session one exercise at a time at /me/sessions/<id>/go/,
a "Start guided session" button wherever a session is offered, and "too hard" recorded on the
log's exercise lines through the API the page saves with, kept by a web-form edit and shown to
her PT. The page's JavaScript is checked by the browser tests; here: what the server gives it
and what it does with what the page sends."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from programs.loaders import program_load, read_program_file, resolve_program_file
from programs.models import Exercise
from tests.clock import WEDNESDAY_MORNING, pin
from tests.factories import ClientFactory, PTFactory, build_program_version, enrolled_client
from tracker import selectors, services
from tracker.guided import guided_steps
from tracker.models import ExerciseLog, SessionLog
from tracker.selectors import local_today

pytestmark = [pytest.mark.django_db, pin()]

START = "Start guided session"


def steps_of(response) -> list[dict]:
    found = re.search(
        r'<script id="guided-steps" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert found, "no steps on the page"
    return json.loads(found.group(1))


def go_url(session) -> str:
    return reverse("tracker:session_go", args=[session.pk])


@pytest.fixture
def her():
    """A client at week 24 on Wednesday 10 March 2027 (Madrid), linked to her PT, with sessions
    on Mondays, Wednesdays and Fridays from two weeks ago: Monday 8 March was missed, today's
    and Friday's are this week's, Monday 15 March is next week's."""
    version = build_program_version(slug="aparicio2023", prescriptions_per_block=2)
    pt = PTFactory()
    client = ClientFactory()
    today = local_today(client)
    assert today == dt.date(2027, 3, 10)
    enrolment = enrolled_client(
        today=today, client=client, version=version, pt=pt, start=today - dt.timedelta(days=14)
    )
    sessions = {s.date: s for s in enrolment.sessions.all()}
    client.pt, client.today, client.enrolment = pt, today, enrolment
    client.missed = sessions[dt.date(2027, 3, 8)]
    client.today_session = sessions[today]
    client.friday = sessions[dt.date(2027, 3, 12)]
    client.next_week = sessions[dt.date(2027, 3, 15)]
    return client


# --- the page --------------------------------------------------------------------------------


def test_her_session_opens_with_every_exercise_in_order_and_what_the_page_needs(client, her):
    client.force_login(her)
    session = her.today_session

    response = client.get(go_url(session))

    assert response.status_code == 200
    steps = steps_of(response)
    checklist = selectors.session_checklist(session)
    assert [s["prescription"] for s in steps] == [rx.pk for rx in checklist]
    assert [s["name"] for s in steps] == [rx.exercise.name for rx in checklist]
    first = steps[0]
    assert first["block"] == "Warm-up" and first["block_minutes"] == 10
    assert first["dose"] == "2 x 12" and (first["sets"], first["reps"]) == (2, 12)
    assert first["seconds"] is None and first["rest_seconds"] == 0
    assert first["effort"] == "Effort 12-14 on the 6-20 scale"
    assert first["instruction"] == checklist[0].exercise.instructions
    assert first["url"] == checklist[0].exercise.get_absolute_url()
    # The library's alternative: the other exercise of the same kind and body region.
    assert first["alternative"]["name"] == checklist[1].exercise.name
    config = response.context["config"]
    assert config["api_url"] == f"/api/v1/me/sessions/{session.pk}/log/"
    assert config["stop_url"] == "/me/logs/{id}/stop/"
    assert config["session_date"] == "2027-03-10"
    assert (config["week_start"], config["week_end"]) == ("2027-03-08", "2027-03-14")
    assert config["planned_minutes"] == session.planned_minutes
    assert set(config["emergency_signs"]) == {
        "vaginal_bleeding",
        "fluid_leaking",
        "contractions",
        "chest_pain",
    }
    page = response.content.decode()
    # Her check before she starts, the Borg scale in words with its target, and the offline
    # safety message of SAFETY.md section 2, all from the page (translatable).
    assert "Before you start: do you have any of these right now?" in page
    assert page.count('name="check_signs"') == page.count('name="end_signs"') == 9
    assert page.count('name="rpe"') == 15 and "somewhat hard" in page and "Aim for 12 to 14" in page
    assert "Nobody has been told yet; this will be sent when you are back online." in page
    assert "Stop now. Call your maternity unit or the emergency number now." in page
    # Without JavaScript: the whole session as a list and the log form.
    assert checklist[-1].exercise.name in page
    assert reverse("tracker:session_log", args=[session.pk]) in page
    assert re.search(r'<script src="/static/js/guided\.js" nonce="[^"]+"', page)


def test_the_shipped_program_gives_countdowns_rests_and_the_heart_rate_ceiling(client):
    version = program_load(read_program_file(resolve_program_file("aparicio2023"))).version
    user = ClientFactory()
    today = local_today(user)
    enrolment = enrolled_client(today=today, week=24, client=user, version=version)
    session = enrolment.sessions.order_by("date").first()
    client.force_login(user)

    steps = {s["name"]: s for s in steps_of(client.get(go_url(session)))}

    walking = steps["Brisk walking"]
    assert walking["dose"] == "10 min" and walking["seconds"] == 600 and walking["sets"] == 1
    assert walking["heart_rate"].startswith("Keep your heart rate under about 140 beats a minute")
    assert "cool, airy place" in walking["block_notes"]
    holds = steps["Pelvic floor long holds"]
    assert holds["dose"] == "6 x 8 s" and (holds["seconds"], holds["sets"]) == (8, 6)
    assert holds["rest"] == "rest 8 s" and holds["rest_seconds"] == 8 and holds["reps"] is None
    clams = steps["Side-lying clam"]
    assert clams["seconds"] is None and (clams["sets"], clams["reps"]) == (2, 15)


def test_her_pts_swap_shows_and_the_exercise_swapped_out_is_never_offered_back(client, her):
    session = her.friday
    original, replacement = (rx.exercise for rx in selectors.session_checklist(session)[:2])
    services.exercise_swap(
        client=her, original=original, replacement=replacement, by=her.pt, today=her.today
    )
    client.force_login(her)

    steps = steps_of(client.get(go_url(session)))

    swapped = steps[0]
    assert swapped["name"] == replacement.name and swapped["swapped_from"] == original.name
    assert swapped["instruction"] == replacement.instructions
    # Its only library alternative is the exercise her PT took out: none is offered.
    assert swapped["alternative"] is None


def test_another_clients_session_is_not_found(client, her):
    other = ClientFactory()
    client.force_login(other)
    assert client.get(go_url(her.today_session)).status_code == 404
    client.force_login(her.pt)
    assert client.get(go_url(her.today_session)).status_code == 404


def test_a_logged_session_sends_her_to_its_log(client, her):
    session = her.today_session
    services.session_log_record(
        client=her,
        session=session,
        data=services.LogInput(status="completed", performed_on=her.today, minutes=40, rpe=13),
        today=her.today,
    )
    client.force_login(her)

    response = client.get(go_url(session), follow=True)

    assert response.redirect_chain[-1][0] == reverse("tracker:session_log", args=[session.pk])
    assert "This session is logged already." in response.content.decode()
    assert START not in client.get(reverse("tracker:session", args=[session.pk])).content.decode()


def test_while_her_program_is_paused_she_sees_the_notice_and_no_start(client, her):
    services.enrolment_pause(enrolment=her.enrolment, by=her, reason="", today=her.today)
    client.force_login(her)

    response = client.get(go_url(her.today_session))

    assert response.status_code == 200
    page = response.content.decode()
    assert "safety-notice" in page and "Your program is paused." in page
    assert "guided-steps" not in page and "guided.js" not in page
    for url in (
        reverse("home"),
        reverse("tracker:week"),
        reverse("tracker:session", args=[her.today_session.pk]),
        reverse("tracker:session", args=[her.missed.pk]),
    ):
        assert START not in client.get(url).content.decode(), url


# --- "Start guided session" ------------------------------------------------------------------


def test_start_is_offered_on_sessions_she_can_do_and_log_now(client, her):
    client.force_login(her)

    def starts(url) -> set[str]:
        page = client.get(url).content.decode()
        return set(re.findall(r'href="(/me/sessions/\d+/go/)"[^>]*>' + START, page))

    assert starts(reverse("home")) == {go_url(her.today_session)}
    assert starts(reverse("tracker:week")) == {
        go_url(her.missed),
        go_url(her.today_session),
        go_url(her.friday),
    }
    for session in (her.missed, her.today_session, her.friday):
        assert starts(reverse("tracker:session", args=[session.pk])) == {go_url(session)}
    # Next week's session is logged in its own week: not offered yet (its page still opens).
    assert starts(reverse("tracker:session", args=[her.next_week.pk])) == set()
    assert starts(reverse("tracker:week") + "?start=2027-03-15") == set()
    assert client.get(go_url(her.next_week)).status_code == 200


def test_on_a_rest_day_home_offers_the_next_session_of_the_week(client, her, time_machine):
    time_machine.move_to(dt.datetime(2027, 3, 11, 10, 0, tzinfo=dt.UTC), tick=False)  # Thursday
    client.force_login(her)
    page = client.get(reverse("home")).content.decode()
    assert "No session today" in page
    assert f'href="{go_url(her.friday)}"' in page and START in page

    time_machine.move_to(dt.datetime(2027, 3, 13, 10, 0, tzinfo=dt.UTC), tick=False)  # Saturday
    page = client.get(reverse("home")).content.decode()
    assert "No session today" in page and "Next session: Monday 15 March" in page
    assert START not in page  # next week's: logged in its own week


# --- what the page sends: "too hard" ---------------------------------------------------------


def guided_body(session, today, **changes) -> dict:
    """The body guided.js posts at the end: the first exercise too hard, the rest done."""
    lines = selectors.session_checklist(session)
    exercises = [
        {"prescription": rx.pk, "done": i > 0, "sets_done": 2 if i > 0 else 1, "too_hard": i == 0}
        for i, rx in enumerate(lines)
    ]
    body = {
        "status": "partial",
        "performed_on": today.isoformat(),
        "minutes": 38,
        "rpe": 13,
        "notes": "",
        "warning_signs": [],
        "exercises": exercises,
    }
    return body | changes


@pytest.fixture
def guided_log(her):
    """Her guided log of today's session, sent as the page sends it: signed in on the web, with
    the page's CSRF token (the API refuses a session-authenticated write without one)."""
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(her)
    page = api.get(go_url(her.today_session))
    token = page.cookies["csrftoken"].value
    response = api.post(
        reverse("api_session_log", args=[her.today_session.pk]),
        guided_body(her.today_session, her.today),
        format="json",
        headers={"X-CSRFToken": token, "Idempotency-Key": "guided-1"},
    )
    assert response.status_code == 201, response.content
    return SessionLog.objects.get(pk=response.json()["id"])


def test_too_hard_is_saved_on_its_exercise_line_in_the_log_the_form_would_make(her, guided_log):
    log = guided_log
    assert (log.session, log.status, log.minutes, log.rpe) == (her.today_session, "partial", 38, 13)
    assert log.performed_on == her.today and not log.warning_signs and not log.flagged
    first, *rest = selectors.session_checklist(her.today_session)
    lines = {e.prescription_id: e for e in ExerciseLog.objects.filter(log=log)}
    assert lines[first.pk].too_hard and not lines[first.pk].done
    assert not any(lines[rx.pk].too_hard for rx in rest)
    assert all(lines[rx.pk].done and lines[rx.pk].sets_done == 2 for rx in rest)
    # Her API reads say so too.
    api = APIClient()
    api.force_login(her)
    detail = api.get(reverse("api_log", args=[log.pk])).json()
    assert [e["too_hard"] for e in detail["exercises"]] == [True] + [False] * len(rest)


def test_editing_a_guided_log_with_the_form_keeps_too_hard(client, her, guided_log):
    first, second, *_ = selectors.session_checklist(her.today_session)
    client.force_login(her)

    response = client.post(
        reverse("tracker:session_log", args=[her.today_session.pk]),
        {
            "status": "partial",
            "performed_on": her.today.isoformat(),
            "minutes": "45",
            "rpe": "13",
            "notes": "",
            f"rx_{second.pk}_done": "on",
        },
    )

    assert response.status_code == 302
    guided_log.refresh_from_db()
    assert guided_log.minutes == 45
    lines = {e.prescription_id: e for e in ExerciseLog.objects.filter(log=guided_log)}
    assert lines[first.pk].too_hard and not lines[second.pk].too_hard
    # Only a change that names it changes it (her API's correction).
    api = APIClient()
    api.force_login(her)
    api.patch(
        reverse("api_log", args=[guided_log.pk]),
        {"exercises": [{"prescription": first.pk, "too_hard": False}]},
        format="json",
        headers={"Idempotency-Key": "fix-1"},
    )
    assert not ExerciseLog.objects.get(log=guided_log, prescription=first).too_hard


def test_her_pt_and_her_history_show_too_hard_beside_the_exercise(client, her, guided_log):
    name = selectors.session_checklist(her.today_session)[0].exercise.name
    client.force_login(her.pt)
    assert (  # her recent logs, a section of her PT's page loaded when opened
        f"too hard: {name}"
        in client.get(reverse("tracker:pt_client_logs", args=[her.pk])).content.decode()
    )
    client.force_login(her)
    page = client.get(reverse("tracker:logs")).content.decode()
    assert page.count("too hard:") == 1 and f"too hard: {name}" in page


def test_yes_at_the_check_saves_a_skipped_log_with_the_signs_and_opens_the_stop_page(client, her):
    """What the page sends when she ticks a warning sign before starting: the log, the hold,
    her PT told, and the stop page the page goes to (`stop_url` with the log's id)."""
    api = APIClient()
    api.force_login(her)
    response = api.post(
        reverse("api_session_log", args=[her.today_session.pk]),
        {
            "status": "skipped",
            "skip_reason": "other",
            "performed_on": her.today.isoformat(),
            "minutes": 0,
            "warning_signs": ["dizziness"],
            "exercises": [],
        },
        format="json",
    )

    assert response.status_code == 201
    result = response.json()
    assert result["stop"] is True and result["safety"]["pt"] == str(her.pt)
    client.force_login(her)
    stop = client.get("/me/logs/{id}/stop/".replace("{id}", str(result["id"])))
    assert stop.status_code == 200 and "Dizziness" in stop.content.decode()


# --- queries ---------------------------------------------------------------------------------


def test_the_steps_take_the_same_queries_for_a_short_and_a_long_session(
    django_assert_max_num_queries,
):
    sessions = []
    for slug, per_block in (("short", 1), ("long", 4)):
        version = build_program_version(slug=slug, prescriptions_per_block=per_block)
        today = WEDNESDAY_MORNING.date()
        enrolment = enrolled_client(today=today, client=ClientFactory(), version=version)
        sessions.append(enrolment.sessions.order_by("date").first())
    assert Exercise.objects.count() >= 20

    with django_assert_max_num_queries(5) as short:
        assert len(guided_steps(sessions[0], 24)) == 5
    with django_assert_max_num_queries(len(short.captured_queries)):
        assert len(guided_steps(sessions[1], 24)) == 20


def test_the_page_runs_a_bounded_number_of_queries(client, her, django_assert_max_num_queries):
    client.force_login(her)
    with django_assert_max_num_queries(20):
        assert client.get(go_url(her.today_session)).status_code == 200
