"""Session logs, warning signs, check-ins, progress, export and deletion, through the views."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from programs.models import Prescription
from tests.clock import pin
from tests.factories import (
    CareLinkFactory,
    ClientFactory,
    PTFactory,
    build_program_version,
    enrolled_client,
)
from tracker import services
from tracker.models import (
    Alert,
    Assessment,
    Notification,
    SafetyItem,
    SessionLog,
    SessionLogRevision,
)
from tracker.safety import state_of
from tracker.selectors import local_today
from tracker.services.logs import ERR_EXTRA_EXERCISES, other_week_message
from users.models import CareLink, User

pytestmark = [pytest.mark.django_db, pin()]


@pytest.fixture
def setup():
    """A client at week 24 with two weeks of past sessions, linked to her PT; another PT."""
    version = build_program_version(slug="aparicio2023", prescriptions_per_block=1)
    pt, other_pt = PTFactory(), PTFactory()
    client_user = ClientFactory()
    today = local_today(client_user)
    enrolment = enrolled_client(
        today=today, client=client_user, version=version, pt=pt, start=today - dt.timedelta(days=14)
    )
    past = enrolment.sessions.filter(date__lt=today).order_by("date")
    return {
        "client": client_user,
        "pt": pt,
        "other_pt": other_pt,
        "today": today,
        "enrolment": enrolment,
        "past": list(past),
    }


def post_log(client, session, **overrides):
    data = {
        "status": "completed",
        "performed_on": session.date.isoformat(),
        "minutes": "60",
        "rpe": "13",
        "notes": "",
        **overrides,
    }
    return client.post(reverse("tracker:session_log", args=[session.pk]), data)


def test_logging_a_session_saves_it_and_confirms(client, setup):
    client.force_login(setup["client"])
    session = setup["past"][0]
    response = post_log(client, session, avg_heart_rate="128")
    assert response.status_code == 302
    log = SessionLog.objects.get(session=session)
    assert (log.status, log.minutes, log.rpe, log.avg_heart_rate, log.flagged) == (
        "completed",
        60,
        13,
        128,
        False,
    )
    page = client.get(response["Location"]).content.decode()
    assert "Session logged" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"rpe": "25"}, "rpe", "Select a valid choice"),
        ({"minutes": "500"}, "minutes", "Enter a number of minutes from 0 to 240."),
        ({"minutes": "-3"}, "minutes", "Enter a number of minutes from 0 to 240."),
        ({"avg_heart_rate": "300"}, "avg_heart_rate", "from 40 to 220 beats a minute"),
        ({"rpe": ""}, "rpe", "How hard did it feel?"),
        ({"minutes": "0"}, "minutes", "How many minutes"),
        ({"status": "skipped", "skip_reason": ""}, "skip_reason", "Say why you skipped"),
        ({"performed_on": "2099-01-01"}, "performed_on", "cannot be in the future"),
        ({"performed_on": "2020-01-01"}, "performed_on", "before your program started"),
        ({"performed_on": "not a date"}, "performed_on", "Enter a valid date"),
    ],
)
def test_bad_logs_are_refused_next_to_the_field_and_nothing_is_saved(
    client, setup, overrides, field, message
):
    client.force_login(setup["client"])
    response = post_log(client, setup["past"][0], **overrides)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors.get(field))
    assert not SessionLog.objects.exists()


def test_a_session_is_logged_once_and_a_second_post_edits_it_keeping_history(client, setup):
    client.force_login(setup["client"])
    session = setup["past"][0]
    post_log(client, session)
    post_log(client, session, status="partial", minutes="30", rpe="12")

    log = SessionLog.objects.get(session=session)
    assert (log.status, log.minutes) == ("partial", 30)
    assert SessionLog.objects.filter(session=session).count() == 1
    revision = SessionLogRevision.objects.get(log=log)
    assert revision.snapshot["status"] == "completed" and revision.snapshot["minutes"] == 60
    assert "Edited once" in client.get(reverse("tracker:logs")).content.decode()


def test_a_warning_sign_shows_the_stop_page_flags_the_log_and_alerts_her_pt_only(client, setup):
    client.force_login(setup["client"])
    response = post_log(client, setup["past"][1], warning_signs=["dizziness", "chest_pain"])

    log = SessionLog.objects.get()
    assert log.flagged and log.warning_signs == ["chest_pain", "dizziness"]
    assert response["Location"] == reverse("tracker:stop", args=[log.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Stop exercising and contact your care provider" in page and "Dizziness" in page
    alert = Alert.objects.get()
    assert (alert.client, alert.kind, alert.session_log) == (setup["client"], "warning_sign", log)
    assert (
        Notification.objects.filter(recipient=setup["pt"], urgent=True, kind="warning_sign").count()
        == 1
    )
    assert not Notification.objects.filter(recipient=setup["other_pt"]).exists()
    # Inside Prenafit her PT sees which signs (the e-mail names none: see the reminder tests).
    title = Notification.objects.get(recipient=setup["pt"]).title
    assert "Chest pain" in title and "Dizziness" in title
    assert alert.signs == ["chest_pain", "dizziness"] and alert.pt == setup["pt"]
    # The program is held: no session prompt until a clearance.
    assert state_of(setup["client"]).state == "held"


def test_a_session_logged_while_not_active_is_kept_and_flagged_for_her_pt(client, setup):
    services.pause_open(
        client=setup["client"], by=setup["pt"], reason="check-up", today=setup["today"]
    )
    client.force_login(setup["client"])
    response = post_log(client, setup["past"][0])
    assert response.status_code == 302
    log = SessionLog.objects.get()
    assert log.flagged and not log.warning_signs


def test_an_extra_unscheduled_session_can_be_logged(client, setup):
    client.force_login(setup["client"])
    response = client.post(
        reverse("tracker:extra_log"),
        {
            "status": "completed",
            "performed_on": setup["today"].isoformat(),
            "minutes": "30",
            "rpe": "12",
        },
    )
    assert response.status_code == 302
    log = SessionLog.objects.get()
    assert log.session is None and log.minutes == 30


def _odi(values):
    return {
        f"odi_{i + 1}": ("declined" if v == "declined" else ("" if v is None else str(v)))
        for i, v in enumerate(values)
    }


def test_a_check_in_is_scored_and_new_leg_weakness_alerts_her_pt(client, setup):
    client.force_login(setup["client"])
    data = {
        "vas_low_back_mm": "42",
        "vas_sciatic_mm": "30",
        "pain_locations": ["low_back", "back_of_thigh"],
        "symptoms": ["weakness"],
        **_odi([2, 2, 2, 2, 2, 2, 2, "declined", 2, 2]),
    }
    response = client.post(reverse("tracker:assessment_new"), data, follow=True)

    assessment = Assessment.objects.get()
    assert (assessment.kind, assessment.odi_percent, assessment.urgent) == ("baseline", 40.0, True)
    assert assessment.odi_answers[7] is None
    page = response.content.decode()
    assert "New leg weakness: call your doctor as soon as possible" in page
    assert "fits the path of the sciatic nerve" in page
    assert "40.0%: some effect on daily life" in page and "moderate)" not in page
    # Exactly who was told: her PT, by name.
    assert f"Your physical therapist {setup['pt']} has been alerted in Prenafit." in page
    assert "Stop exercising and call your doctor as soon as possible." in page
    assert Alert.objects.filter(kind="leg_weakness", client=setup["client"]).count() == 1
    assert Notification.objects.filter(recipient=setup["pt"], kind="leg_weakness").exists()

    # Still weak a week later: no second alert while the first is open.
    client.post(reverse("tracker:assessment_new"), data)
    assert Alert.objects.filter(kind="leg_weakness").count() == 1
    assert Assessment.objects.order_by("pk").last().kind == "check_in"


def checkin(**overrides):
    """A complete check-in: both pain scales set, all ten ODI sections answered."""
    return {"vas_low_back_mm": "20", "vas_sciatic_mm": "5", **_odi([1] * 10), **overrides}


def test_an_untouched_pain_slider_is_refused_never_saved_as_0(client, setup):
    client.force_login(setup["client"])
    data = checkin()
    del data["vas_low_back_mm"]
    data["vas_sciatic_mm"] = ""

    response = client.post(reverse("tracker:assessment_new"), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    for field in ("vas_low_back_mm", "vas_sciatic_mm"):
        assert "Move the slider to show how much it hurts, or tick “no pain”." in errors[field]
    assert not Assessment.objects.exists()


def test_the_form_starts_with_no_pain_value_set(client, setup):
    client.force_login(setup["client"])
    page = client.get(reverse("tracker:assessment_new")).content.decode()
    assert 'name="vas_low_back_mm" id="id_vas_low_back_mm" value=""' in page
    assert 'name="vas_sciatic_mm" id="id_vas_sciatic_mm" value=""' in page
    assert "No low back pain" in page and "No sciatic pain" in page


def test_ticking_no_pain_saves_0_and_a_contradiction_is_refused(client, setup):
    client.force_login(setup["client"])
    data = checkin(vas_low_back_mm="", vas_low_back_mm_none="on", vas_sciatic_mm="35")
    client.post(reverse("tracker:assessment_new"), data)
    assessment = Assessment.objects.get()
    assert (assessment.vas_low_back_mm, assessment.vas_sciatic_mm) == (0, 35)

    refused = client.post(
        reverse("tracker:assessment_new"), checkin(vas_sciatic_mm="40", vas_sciatic_mm_none="on")
    )
    assert "You ticked “no pain” but also chose a number above 0" in str(
        refused.context["form"].errors["vas_sciatic_mm"]
    )
    assert Assessment.objects.count() == 1


def test_sex_life_not_applicable_is_left_out_of_the_score(client, setup):
    client.force_login(setup["client"])
    page = client.get(reverse("tracker:assessment_new")).content.decode()
    assert "Not applicable to me" in page

    answers = _odi([2] * 10)
    answers["odi_8"] = "not_applicable"
    client.post(reverse("tracker:assessment_new"), checkin(**answers))

    assessment = Assessment.objects.get()
    assert assessment.odi_answers[7] is None
    assert assessment.odi_percent == 40.0  # 18 / 45
    refused = client.post(reverse("tracker:assessment_new"), checkin(odi_1="not_applicable"))
    assert "odi_1" in refused.context["form"].errors  # only sex life offers it


def test_the_calf_question_and_the_red_flags_are_asked_in_plain_words(client, setup):
    client.force_login(setup["client"])
    page = client.get(reverse("tracker:assessment_new")).content.decode()
    # Always in the page (it works without JavaScript), labelled as for calf pain.
    assert "If your calf hurts: is one calf swollen, red or warm?" in page
    assert 'name="calf_swelling"' in page and "Ordinary cramps at night" in page
    for words in (
        "New numbness between your legs or around your back passage",
        "cannot feel when your bladder is full",
        "New numbness or weakness in both legs",
        "Bleeding from your vagina",
        "Fluid leaking from your vagina",
        "Regular, painful contractions",
        "Chest pain",
    ):
        assert words in page, words


def test_a_ticked_calf_needs_the_follow_up_answer(client, setup):
    client.force_login(setup["client"])
    response = client.post(reverse("tracker:assessment_new"), checkin(pain_locations=["calf"]))
    assert "tell us whether one calf is swollen, red or warm" in str(
        response.context["form"].errors["calf_swelling"]
    )
    assert not Assessment.objects.exists()

    response = client.post(
        reverse("tracker:assessment_new"),
        checkin(pain_locations=["calf"], calf_swelling="no"),
        follow=True,
    )
    page = response.content.decode()
    assert Assessment.objects.get().symptoms == []
    assert "Calf pain can fit the path of the sciatic nerve" in page
    assert "if one calf is like that, stop exercising" in page
    assert state_of(setup["client"]).state == "active"


def test_a_swollen_calf_opens_a_hold_and_the_page_says_who_was_told(client, setup):
    client.force_login(setup["client"])
    response = client.post(
        reverse("tracker:assessment_new"),
        checkin(pain_locations=["calf"], calf_swelling="yes"),
        follow=True,
    )

    assessment = Assessment.objects.get()
    assert assessment.symptoms == ["calf_swelling"] and assessment.urgent
    assert state_of(setup["client"]).state == "held"
    alert = Alert.objects.get()
    assert (alert.signs, alert.pt) == (["calf_swelling"], setup["pt"])
    page = response.content.decode()
    assert "Stop exercising. Contact your midwife, obstetrician or doctor today." in page
    assert f"Your physical therapist {setup['pt']} has been alerted in Prenafit." in page
    assert "fits the path of the sciatic nerve" not in page
    # Seen again later, the page still says the same.
    again = client.get(reverse("tracker:assessment", args=[assessment.pk])).content.decode()
    assert f"Your physical therapist {setup['pt']} has been alerted" in again


def test_a_red_flag_without_a_pt_says_nobody_was_told(client):
    user = ClientFactory()
    enrolled_client(today=local_today(user), client=user)
    client.force_login(user)

    response = client.post(
        reverse("tracker:assessment_new"), checkin(red_flags=["saddle_numbness"]), follow=True
    )

    page = response.content.decode()
    assert "Stop exercising and seek urgent medical care now." in page
    assert "Nobody has been told" in page
    assert "has been alerted" not in page
    assert state_of(user).state == "held"


def test_a_check_in_with_too_few_odi_answers_is_not_the_baseline(client, setup):
    client.force_login(setup["client"])
    sparse = checkin(**_odi([1] * 7 + [None] * 3))
    response = client.post(reverse("tracker:assessment_new"), sparse, follow=True)
    first = Assessment.objects.get()
    assert first.kind == "check_in" and first.odi_percent is None
    assert "cannot be your baseline" in response.content.decode()

    client.post(reverse("tracker:assessment_new"), checkin())
    assert Assessment.objects.order_by("pk").last().kind == "baseline"


def test_progress_shows_the_baseline_week_and_changes_since_that_week(client, setup):
    client.force_login(setup["client"])
    client.post(reverse("tracker:assessment_new"), checkin(vas_low_back_mm="20"))
    Assessment.objects.update(gestational_week=16)
    client.post(reverse("tracker:assessment_new"), checkin(vas_low_back_mm="32"))

    page = client.get(reverse("tracker:progress")).content.decode()

    assert "Your baseline: week 16" in page
    assert "+12 mm since week 16" in page
    assert "since baseline" not in page
    assert "mild pain" in page and "little effect on daily life" in page


def test_week_34_is_never_a_check_in_outside_33_to_35_plus_6(client):
    user = ClientFactory()
    today = local_today(user)
    enrolled_client(today=today, week=37, client=user)
    client.force_login(user)
    client.post(reverse("tracker:assessment_new"), checkin())  # the baseline
    client.post(reverse("tracker:assessment_new"), checkin())

    assert list(Assessment.objects.order_by("pk").values_list("kind", flat=True)) == [
        "baseline",
        "check_in",
    ]


def test_the_check_in_nearest_to_34_plus_0_is_the_week_34_measure(client):
    user = ClientFactory()
    today = local_today(user)
    enrolled_client(today=today, week=34, client=user)  # 34+0 today
    due = user.pregnancy.due_date
    client.force_login(user)
    for ga_days in (16 * 7, 33 * 7 + 1, 34 * 7, 35 * 7 + 3):
        services.assessment_record(
            client=user,
            vas_low_back_mm=20,
            vas_sciatic_mm=5,
            odi_answers=[1] * 10,
            pain_locations=[],
            symptoms=[],
            today=due - dt.timedelta(days=280 - ga_days),
        )

    kinds = list(Assessment.objects.order_by("taken_on").values_list("kind", flat=True))
    assert kinds == ["baseline", "check_in", "follow_up", "check_in"]
    progress = client.get(reverse("tracker:progress")).context
    assert progress["follow_up"].gestational_week == 34
    assert progress["baseline"].gestational_week == 16


def test_a_check_in_with_out_of_range_pain_is_refused(client, setup):
    client.force_login(setup["client"])
    response = client.post(
        reverse("tracker:assessment_new"), {"vas_low_back_mm": "101", "vas_sciatic_mm": "-1"}
    )
    errors = response.context["form"].errors
    assert "vas_low_back_mm" in errors and "vas_sciatic_mm" in errors
    assert not Assessment.objects.exists()


def test_export_json_matches_what_was_logged(client, setup):
    client.force_login(setup["client"])
    session = setup["past"][0]
    post_log(client, session, minutes="55", rpe="14")
    client.post(
        reverse("tracker:assessment_new"),
        {"vas_low_back_mm": "20", "vas_sciatic_mm": "5", **_odi([1] * 10)},
    )

    data = client.get(reverse("tracker:export_json")).json()

    assert data["profile"]["due_date"] == setup["client"].pregnancy.due_date.isoformat()
    row = next(s for s in data["sessions"] if s["date"] == session.date.isoformat())
    assert (row["status"], row["minutes"], row["rpe"], row["gestational_week"]) == (
        "done",
        55,
        14,
        session.gestational_week,
    )
    (a,) = data["assessments"]
    assert (a["vas_low_back_mm"], a["vas_sciatic_mm"], a["odi_percent"], a["odi_band"]) == (
        20,
        5,
        20.0,
        "minimal",
    )
    assert data["adherence"]["attended"] == 1
    assert data["adherence"]["scheduled"] == len(setup["past"])
    csv_text = client.get(reverse("tracker:export_csv")).content.decode()
    assert f"session,{session.date.isoformat()},{session.gestational_week},done,55,14" in csv_text


def test_account_deletion_removes_her_data_and_her_pts_access(client, setup):
    client.force_login(setup["client"])
    post_log(client, setup["past"][0], warning_signs=["headache"])
    user_id = setup["client"].pk

    refused = client.post(reverse("tracker:delete_account"), {"confirm": "delete"})
    assert "Type DELETE in capital letters" in refused.content.decode()
    assert User.objects.filter(pk=user_id).exists()

    client.post(reverse("tracker:delete_account"), {"confirm": "DELETE"})
    assert User.objects.filter(pk=user_id).exists()  # after the grace period (test_deletion.py)
    services.accounts_purge(now=timezone.now() + services.GRACE)

    assert not User.objects.filter(pk=user_id).exists()
    assert not SessionLog.objects.exists() and not Alert.objects.exists()
    assert not CareLink.objects.filter(client_id=user_id).exists()
    assert not Notification.objects.filter(about_client_id=user_id).exists()
    client.force_login(setup["pt"])
    assert client.get(reverse("tracker:pt_clearance", args=[user_id])).status_code == 404


def test_progress_page_has_an_empty_state_and_tables(client, setup):
    client.force_login(setup["client"])
    page = client.get(reverse("tracker:progress")).content.decode()
    assert "No pain check-in yet" in page
    assert "The same data as tables" in page


def test_progress_page_query_count_does_not_grow_with_logs(
    client, setup, django_assert_max_num_queries
):
    client.force_login(setup["client"])
    with django_assert_max_num_queries(25) as few:
        client.get(reverse("tracker:progress"))
    baseline = len(few.captured_queries)  # read now: later requests reset the query log
    for session in setup["past"]:
        post_log(client, session)
    for _ in range(5):
        client.post(
            reverse("tracker:assessment_new"),
            {"vas_low_back_mm": "20", "vas_sciatic_mm": "5", **_odi([1] * 10)},
        )
    with django_assert_max_num_queries(baseline):
        response = client.get(reverse("tracker:progress"))
    assert response.context["adherence"].attended == len(setup["past"])
    assert "<svg" in response.content.decode()


def test_her_pt_link_is_kept_for_unrelated_clients(setup):
    other = ClientFactory()
    CareLinkFactory(pt=setup["other_pt"], client=other)
    assert CareLink.objects.filter(client=other).exists()


def test_a_short_session_logged_as_completed_gets_a_gentle_nudge(client, setup):
    client.force_login(setup["client"])
    page = client.get(post_log(client, setup["past"][0], minutes="20")["Location"]).content.decode()
    assert "You logged 20 of 60 minutes as completed" in page
    page = client.get(post_log(client, setup["past"][1], minutes="55")["Location"]).content.decode()
    assert "as completed" not in page


# --- a log belongs to its session's week (issue 15, part 2) ------------------------------------


def test_the_week_message_names_the_planned_day_and_its_monday_to_sunday_week():
    assert other_week_message(dt.date(2027, 4, 14)) == (
        "A session planned for Wednesday 14 April is logged in its own week (12 to 18 April). "
        "To log another day, log an extra session or move this one first."
    )
    assert "planned for Wednesday 31 March" in other_week_message(dt.date(2027, 3, 31))
    assert "(29 March to 4 April)" in other_week_message(dt.date(2027, 3, 31))


def test_a_session_is_logged_in_its_own_week_not_the_next(client, setup):
    client.force_login(setup["client"])
    session = setup["past"][0]
    sunday = session.date + dt.timedelta(days=6 - session.date.weekday())
    next_monday = sunday + dt.timedelta(days=1)
    assert next_monday < setup["today"]  # a past day: only the week refuses it

    refused = post_log(client, session, performed_on=next_monday.isoformat())

    assert refused.status_code == 200
    assert refused.context["form"].errors["performed_on"] == [other_week_message(session.date)]
    assert "is logged in its own week" in refused.content.decode()
    assert not SessionLog.objects.exists()

    saved = post_log(client, session, performed_on=sunday.isoformat())
    assert saved.status_code == 302
    assert SessionLog.objects.get(session=session).performed_on == sunday


def test_editing_a_log_keeps_it_in_its_sessions_week(client, setup):
    client.force_login(setup["client"])
    session = setup["past"][0]
    post_log(client, session)
    next_monday = session.date + dt.timedelta(days=7 - session.date.weekday())

    refused = post_log(client, session, performed_on=next_monday.isoformat(), minutes="45")

    assert refused.context["form"].errors["performed_on"] == [other_week_message(session.date)]
    log = SessionLog.objects.get(session=session)
    assert (log.performed_on, log.minutes) == (session.date, 60)
    assert not log.revisions.exists()


def test_an_extra_session_is_dated_freely_in_the_past_but_not_tomorrow(client, setup):
    client.force_login(setup["client"])
    two_weeks_ago = setup["past"][0].date  # another week, still in her program
    body = {"status": "completed", "minutes": "30", "rpe": "12"}
    tomorrow = (setup["today"] + dt.timedelta(days=1)).isoformat()

    refused = client.post(reverse("tracker:extra_log"), {**body, "performed_on": tomorrow})
    assert "cannot be in the future" in str(refused.context["form"].errors["performed_on"])
    assert not SessionLog.objects.exists()

    saved = client.post(
        reverse("tracker:extra_log"), {**body, "performed_on": two_weeks_ago.isoformat()}
    )
    assert saved.status_code == 302
    assert SessionLog.objects.get().performed_on == two_weeks_ago


def test_the_api_refuses_exercises_on_an_extra_session_instead_of_dropping_them(setup):
    api = APIClient()
    api.force_authenticate(setup["client"])
    rx = Prescription.objects.filter(block__template_id=setup["past"][0].template_id).first()
    body = {"status": "completed", "performed_on": setup["today"].isoformat(), "minutes": 30}
    body["rpe"] = 12
    lines = [{"prescription": rx.pk, "done": True, "sets_done": 2}]

    refused = api.post("/api/v1/me/logs/", {**body, "exercises": lines}, format="json")

    assert refused.status_code == 400
    assert refused.json()["fields"]["exercises"] == [str(ERR_EXTRA_EXERCISES)]
    assert not SessionLog.objects.exists()
    saved = api.post("/api/v1/me/logs/", {**body, "notes": "Squats, 2 sets"}, format="json")
    assert saved.status_code == 201
    assert SessionLog.objects.get().notes == "Squats, 2 sets"


def test_editing_away_a_warning_sign_never_closes_the_hold_it_opened(client, setup):
    client.force_login(setup["client"])
    session = setup["past"][1]
    post_log(client, session, warning_signs=["dizziness"])
    hold = SafetyItem.objects.get(client=setup["client"], kind="hold")
    assert state_of(setup["client"]).state == "held"

    response = post_log(client, session)  # the same log again, the sign ticked off

    assert response.status_code == 302
    log = SessionLog.objects.get(session=session)
    assert log.warning_signs == [] and log.flagged
    assert log.revisions.get().snapshot["warning_signs"] == ["dizziness"]
    hold.refresh_from_db()
    assert hold.closed_at is None and hold.session_log_id == log.pk
    assert state_of(setup["client"]).state == "held"
    assert Alert.objects.filter(client=setup["client"]).count() == 1


# --- her state decides the flag; progress drawn once for the same data (issue 19) -----------


@pytest.mark.parametrize(
    "change",
    ["none", "absolute", "relative", "hold", "rescreen_due", "pause", "closed", "ended", "born"],
)
def test_a_log_is_flagged_exactly_when_her_derived_state_is_not_active(setup, change):
    """The service asks her state in one query (`safety.active_clients_q`): the same answer as
    `state_of`, whatever makes her not active (SAFETY.md section 1)."""
    from tracker.models import PregnancyProfile
    from tracker.services.logs import LogInput

    her, session = setup["client"], setup["past"][0]
    if change in SafetyItem.Kind.values:
        SafetyItem.objects.create(client=her, kind=change)
    elif change == "closed":
        SafetyItem.objects.create(client=her, kind="hold", closed_at=timezone.now())
    elif change == "ended":
        PregnancyProfile.objects.filter(client=her).update(ended_on=setup["today"])
    elif change == "born":
        PregnancyProfile.objects.filter(client=her).update(birth_date=setup["today"])

    log = services.session_log_record(
        client=her,
        session=session,
        data=LogInput(status="completed", performed_on=session.date, minutes=45, rpe=13),
        today=setup["today"],
    )

    assert log.flagged is (not state_of(her).active)
    assert log.flagged is (change not in ("none", "closed"))


class CacheSpy:
    """Stands in for the cache of `tracker.fragments` and `tracker.charts`: records which keys
    were written, and can fail like a cache server that is down."""

    def __init__(self, real, broken=False):
        self.real, self.broken, self.written = real, broken, []

    def _check(self):
        if self.broken:
            raise ConnectionError("cache down")

    def get(self, key, *args, **kwargs):
        self._check()
        return self.real.get(key, *args, **kwargs)

    def get_many(self, keys, *args, **kwargs):
        self._check()
        return self.real.get_many(keys, *args, **kwargs)

    def set(self, key, value, *args, **kwargs):
        self._check()
        self.written.append(key)
        return self.real.set(key, value, *args, **kwargs)

    def set_many(self, mapping, *args, **kwargs):
        self._check()
        self.written += list(mapping)
        return self.real.set_many(mapping, *args, **kwargs)


@pytest.fixture
def cache_spy(monkeypatch):
    from django.core.cache import cache

    from tracker import fragments

    spy = CacheSpy(cache)
    monkeypatch.setattr(fragments, "cache", spy)  # the charts' too
    return spy


def _svgs(page: str) -> list[str]:
    import re

    return re.findall(r"<svg.*?</svg>", page, flags=re.DOTALL)


def test_progress_is_drawn_once_and_again_when_a_check_in_changes(client, setup, cache_spy):
    """Her charts and tables are kept under a digest of what they show: the same data is a
    cache hit, and a check-in changed in the database (nothing deleted, no hook) is drawn
    anew at once."""
    client.force_login(setup["client"])
    for session in setup["past"][:2]:
        post_log(client, session)
    client.post(reverse("tracker:assessment_new"), checkin(vas_low_back_mm="20"))
    check_in = Assessment.objects.get()
    url = reverse("tracker:progress")
    first = client.get(url).content.decode()
    assert f"Low back pain: week {check_in.gestational_week}, 20" in first

    cache_spy.written.clear()
    again = client.get(url).content.decode()
    assert cache_spy.written == []  # every chart and the tables from the cache
    assert _svgs(again) == _svgs(first) and len(_svgs(first)) >= 3

    Assessment.objects.filter(pk=check_in.pk).update(vas_low_back_mm=35)
    changed = client.get(url).content.decode()

    assert f"Low back pain: week {check_in.gestational_week}, 35" in changed
    assert f"Low back pain: week {check_in.gestational_week}, 20" not in changed
    assert "<td>35</td>" in changed and "<td>20</td>" not in changed  # the tables too
    assert _svgs(changed)[0] != _svgs(first)[0] and _svgs(changed)[1:] == _svgs(first)[1:]
    charts_drawn = [k for k in cache_spy.written if k.startswith("fragment:chart-svg:")]
    assert len(charts_drawn) == 1  # the pain chart
    assert len([k for k in cache_spy.written if k.startswith("fragment:progress-tables")]) == 1


def test_progress_and_home_work_when_the_cache_is_down(client, setup, cache_spy):
    client.force_login(setup["client"])
    post_log(client, setup["past"][0])
    client.post(reverse("tracker:assessment_new"), checkin(vas_low_back_mm="20"))
    cache_spy.broken = True

    progress = client.get(reverse("tracker:progress"))
    home = client.get(reverse("home"))

    assert progress.status_code == home.status_code == 200
    assert len(_svgs(progress.content.decode())) >= 3
    assert "The same data as tables" in progress.content.decode()


@pytest.mark.django_db(transaction=True)
def test_one_session_sent_twice_at_once_is_logged_once(setup, monkeypatch):
    """Both submissions pass every check before either locks the session: the second waits
    for the first, then is told the session is logged (whether it reads the first's log or
    meets the one-log-a-session constraint), never a 500."""
    from tests.tracker.test_races import logged_in, meet_before, on_postgresql, race
    from tracker.services import logs

    if on_postgresql.args[0]:
        pytest.skip(on_postgresql.kwargs["reason"])
    meet_before(monkeypatch, logs, "_locked_session")
    session = setup["past"][0]
    tabs = [logged_in(setup["client"]), logged_in(setup["client"])]

    responses = race(*[lambda http=http: post_log(http, session) for http in tabs])

    assert sorted(r.status_code for r in responses) == [200, 302]
    refused = next(r for r in responses if r.status_code == 200).content.decode()
    assert "This session is already logged" in refused
    assert SessionLog.objects.filter(session=session).count() == 1
