"""Her side of the safety loop through the web pages (SAFETY.md sections 1 to 5): the home
notice in every state, with and without a PT; her own clearance; "tell my PT I've been seen";
the "are you sure?" step and sticky answers; the 26-week re-screen; the end of the pregnancy;
the stop page; on-hold sessions in the week, the calendar and the iCal feed."""

import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from tests.clock import pin
from tests.factories import (
    ClientFactory,
    PTFactory,
    all_no,
    build_program_version,
    enrolled_client,
)
from tracker import services
from tracker.models import (
    Alert,
    Clearance,
    Notification,
    PregnancyProfile,
    SafetyItem,
    ScheduledSession,
    Screening,
    ScreeningQuestion,
    SessionLog,
)
from tracker.safety import rescreen_answered, state_of
from tracker.selectors import local_today

pytestmark = [pytest.mark.django_db, pin()]

RELATIVE = "anaemia"
ABSOLUTE = "ruptured_membranes"
SESSION_PROMPTS = ("Today: session", "Next session", "Log this session", "Log an extra session")


@pytest.fixture
def version():
    return build_program_version(slug="aparicio2023", prescriptions_per_block=1)


def _enrol(version, *, pt=None, week=24, start=None):
    user = ClientFactory()
    today = local_today(user)
    enrolled_client(today=today, week=week, client=user, version=version, pt=pt, start=start)
    return user, today


def _page(response) -> str:
    """What the page says: its text without the scripts' data (every client page carries the
    offline messages static/js/offline.js may need, which the page does not show)."""
    text = re.sub(r"<script\b[^>]*>.*?</script>", "", response.content.decode(), flags=re.S)
    return html.unescape(text)


def _home(client, user) -> str:
    client.force_login(user)
    return _page(client.get(reverse("home")))


def _answers(**yes) -> dict[str, bool]:
    return all_no() | dict.fromkeys(yes, True)


def _put_in(state: str, user, today, by=None):
    """Bring her program into `state` through the services every door calls."""
    if state == "held":
        services.hold_open(
            client=user, signs=["dizziness"], by=user, alert_kind=Alert.Kind.WARNING_SIGN
        )
    elif state == "pending_clearance":
        services.screening_submit(client=user, answers=_answers(**{RELATIVE: 1}), today=today)
    elif state == "blocked":
        services.screening_submit(client=user, answers=_answers(**{ABSOLUTE: 1}), today=today)
    elif state == "paused":
        services.pause_open(client=user, by=by or user, reason="holiday", today=today)
    assert state_of(user).state == state


def _web_form(answers: dict[str, bool]) -> dict[str, str]:
    return {k: "yes" if v else "no" for k, v in answers.items()}


# --- home: a calm notice in every state, true about who reviews it ----------------------------


@pytest.mark.parametrize("state", ["held", "pending_clearance", "blocked", "paused"])
def test_home_with_a_pt_names_her_pt_and_offers_no_session(client, version, state):
    pt = PTFactory()
    user, today = _enrol(version, pt=pt)
    _put_in(state, user, today)

    page = _home(client, user)

    assert f'data-state="{state}"' in page
    assert not any(prompt in page for prompt in SESSION_PROMPTS)
    assert "Record my care provider's clearance" not in page  # she has a PT
    if state == "paused":
        assert "You paused your program" in page and "Reason: holiday" in page
        assert "Resume" in page
    else:
        assert f"Your PT {pt} will review this" in page
        assert "Tell my PT I've been seen" in page
        assert "nobody here reviews" not in page


@pytest.mark.parametrize("state", ["held", "pending_clearance", "blocked", "paused"])
def test_home_without_a_pt_says_nobody_reviews_it_and_shows_her_way_forward(client, version, state):
    user, today = _enrol(version)
    _put_in(state, user, today)

    page = _home(client, user)

    assert f'data-state="{state}"' in page
    assert not any(prompt in page for prompt in SESSION_PROMPTS)
    assert "Your PT" not in page and "Tell my PT" not in page
    if state == "paused":
        assert "Resume" in page
    else:
        assert "You have no physical therapist in Prenafit, so nobody here reviews this" in page
    if state in ("held", "pending_clearance"):
        assert "Record my care provider's clearance" in page
        assert "self-reported" in page
    if state == "blocked":
        question = ScreeningQuestion.objects.get(key=ABSOLUTE).text
        assert f"Only a PT or an admin can record a clearance for “{question}”" in page
        assert "Record my care provider's clearance" not in page
    if state == "held":
        assert "Dizziness" in page
        assert "Contact your midwife, obstetrician or doctor today" in page


def test_a_pause_set_by_her_pt_is_not_hers_to_resume(client, version):
    pt = PTFactory()
    user, today = _enrol(version, pt=pt)
    _put_in("paused", user, today, by=pt)

    page = _home(client, user)
    assert f"Your PT {pt} paused your program" in page
    assert 'name="next" value="home"' not in page  # no Resume form
    settings_page = _page(client.get(reverse("tracker:schedule")))
    assert "only your PT (or an admin) can resume it" in settings_page

    response = client.post(reverse("tracker:schedule_resume"), {"next": "home"}, follow=True)
    assert "only your PT (or an admin) can resume it" in _page(response)
    assert state_of(user).state == "paused"


def test_she_resumes_her_own_pause_from_home(client, version):
    user, today = _enrol(version)
    _put_in("paused", user, today)
    client.force_login(user)
    response = client.post(reverse("tracker:schedule_resume"), {"next": "home"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert state_of(user).state == "active"
    assert "Welcome back" in _page(response)


def test_home_after_the_end_is_neutral_and_after_the_birth_is_kind(client, version):
    ended, today = _enrol(version)
    services.pregnancy_end(
        client=ended, outcome="ended", on=today, confirm=True, by=ended, today=today
    )
    page = _home(client, ended)
    assert 'data-state="ended"' in page and "nothing more is planned" in page
    assert "congratulat" not in page.lower() and "Thank you" not in page
    assert not any(prompt in page for prompt in SESSION_PROMPTS)

    born, today = _enrol(version, week=39)
    services.pregnancy_end(
        client=born, outcome="birth", on=today, confirm=True, by=born, today=today
    )
    page = _home(client, born)
    assert 'data-state="completed"' in page and "take good care of yourself" in page
    assert "congratulat" not in page.lower()


# --- her own clearance, and telling her PT -----------------------------------------------------


def _clearance(client, **data):
    payload = {"provider": "Dr Ruiz, obstetrician", "cleared_on": "", "note": "", **data}
    return client.post(reverse("tracker:safety_clearance"), payload, follow=True)


def test_without_a_pt_she_records_her_own_clearance_for_a_relative_answer(client, version):
    user, today = _enrol(version)
    _put_in("pending_clearance", user, today)
    client.force_login(user)

    response = _clearance(client, cleared_on=today.isoformat(), note="fine to exercise")

    assert "Your care provider's clearance is recorded (self-reported)" in _page(response)
    assert state_of(user).state == "active"
    clearance = Clearance.objects.get(client=user)
    assert clearance.self_reported and clearance.recorded_by == user
    assert (clearance.provider, clearance.cleared_on) == ("Dr Ruiz, obstetrician", today)
    assert 'data-state="active"' not in _home(client, user)  # the notice is gone


def test_without_a_pt_she_cannot_clear_an_absolute_answer(client, version):
    user, today = _enrol(version)
    _put_in("blocked", user, today)
    client.force_login(user)

    response = _clearance(client, cleared_on=today.isoformat())

    assert "must be recorded by a PT or an admin, not by you" in _page(response)
    assert state_of(user).state == "blocked"
    assert not Clearance.objects.filter(client=user).exists()


def test_with_a_pt_her_own_clearance_is_refused_with_her_pts_name(client, version):
    pt = PTFactory()
    user, today = _enrol(version, pt=pt)
    _put_in("pending_clearance", user, today)
    client.force_login(user)

    response = _clearance(client, cleared_on=today.isoformat())

    assert f"Your PT {pt} will review this" in _page(response)
    assert state_of(user).state == "pending_clearance"


def test_a_clearance_without_a_provider_or_dated_tomorrow_is_refused(client, version):
    user, today = _enrol(version)
    _put_in("held", user, today)
    client.force_login(user)
    assert "This field is required." in _page(_clearance(client, provider=""))
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert "cannot be in the future" in _page(_clearance(client, cleared_on=tomorrow))
    assert state_of(user).state == "held"


def test_tell_my_pt_sends_her_pt_an_in_app_message(client, version):
    pt, other_pt = PTFactory(), PTFactory()
    user, today = _enrol(version, pt=pt)
    _put_in("held", user, today)
    client.force_login(user)

    response = client.post(
        reverse("tracker:safety_seen"),
        {"provider": "Midwife Ana", "seen_on": today.isoformat()},
        follow=True,
    )

    assert f"Your PT {pt} has been told in Prenafit" in _page(response)
    notice = Notification.objects.get(recipient=pt, kind=Notification.Kind.SEEN)
    assert notice.about_client == user and "Midwife Ana" in notice.title
    assert not Notification.objects.filter(recipient=other_pt).exists()
    assert state_of(user).state == "held"  # telling is not a clearance


def test_tell_my_pt_without_a_pt_tells_nobody_and_says_so(client, version):
    user, today = _enrol(version)
    _put_in("held", user, today)
    client.force_login(user)
    response = client.post(
        reverse("tracker:safety_seen"),
        {"provider": "Midwife Ana", "seen_on": today.isoformat()},
        follow=True,
    )
    assert "You have no PT in Prenafit to tell" in _page(response)
    assert not Notification.objects.filter(kind=Notification.Kind.SEEN).exists()


# --- the screen: "are you sure?", sticky answers, the re-screen -------------------------------


def test_an_absolute_yes_is_saved_only_after_are_you_sure(client, version):
    user = ClientFactory()
    today = local_today(user)
    services.pregnancy_save(
        client=user, due_date=today + dt.timedelta(days=140), lmp_date=None, today=today
    )
    client.force_login(user)
    form = _web_form(_answers(**{ABSOLUTE: 1}))

    first = client.post(reverse("tracker:screening"), form)

    page = _page(first)
    assert first.status_code == 200 and "Are you sure?" in page
    assert ScreeningQuestion.objects.get(key=ABSOLUTE).text in page
    assert not Screening.objects.filter(client=user).exists()
    assert not SafetyItem.objects.filter(client=user).exists()

    second = client.post(reverse("tracker:screening"), form | {"confirm_absolute": "yes"})

    assert second["Location"] == reverse("tracker:screening_result")
    assert state_of(user).state == "blocked"
    result = _page(client.get(second["Location"]))
    assert "Please don't exercise in this program for now" in result
    assert "Answer the screen again" not in result and "Continue to enrolment" not in result


def test_changing_an_absolute_yes_to_no_at_are_you_sure_saves_no_item(client, version):
    user = ClientFactory()
    today = local_today(user)
    services.pregnancy_save(
        client=user, due_date=today + dt.timedelta(days=140), lmp_date=None, today=today
    )
    client.force_login(user)
    client.post(reverse("tracker:screening"), _web_form(_answers(**{ABSOLUTE: 1})))
    response = client.post(reverse("tracker:screening"), _web_form(all_no()))
    assert response["Location"] == reverse("tracker:screening_result")
    assert not SafetyItem.objects.filter(client=user).exists()


@pytest.mark.parametrize("key,state", [(RELATIVE, "pending_clearance"), (ABSOLUTE, "blocked")])
def test_answering_the_screen_again_never_clears_an_earlier_yes(client, version, key, state):
    user, today = _enrol(version)
    client.force_login(user)
    yes = _web_form(_answers(**{key: 1})) | {"confirm_absolute": "yes"}
    client.post(reverse("tracker:screening"), yes)
    assert state_of(user).state == state

    form_page = _page(client.get(reverse("tracker:screening")))
    assert "Answering again never clears an earlier yes" in form_page

    response = client.post(reverse("tracker:screening"), _web_form(all_no()), follow=True)

    assert state_of(user).state == state
    page = _page(response)
    assert ScreeningQuestion.objects.get(key=key).text in page
    assert "Answering the screen again does not clear these answers" in page
    assert "Nothing in your answers stands in the way" not in page
    assert "Answer the screen again" not in page


def test_the_rescreen_page_asks_only_the_rescreen_questions(client, version):
    user, today = _enrol(version, week=26)
    client.force_login(user)
    asked = set(
        ScreeningQuestion.objects.filter(active=True, rescreen=True).values_list("key", flat=True)
    )
    assert asked and "heart_disease" not in asked

    response = client.get(reverse("tracker:rescreen"))

    assert set(response.context["form"].fields) == asked
    page = _page(response)
    assert "26-week safety re-screen" in page
    assert ScreeningQuestion.objects.get(key="heart_disease").text not in page

    saved = client.post(reverse("tracker:rescreen"), dict.fromkeys(asked, "no"))
    assert saved["Location"] == reverse("tracker:screening_result")
    screening = Screening.objects.filter(client=user).first()
    assert screening.kind == Screening.Kind.RESCREEN and set(screening.answers) == asked
    assert rescreen_answered(user, user.pregnancy.due_date)


def test_a_yes_on_the_rescreen_asks_are_you_sure_and_then_blocks(client, version):
    user, today = _enrol(version, week=26)
    client.force_login(user)
    asked = ScreeningQuestion.objects.filter(active=True, rescreen=True).values_list(
        "key", flat=True
    )
    form = dict.fromkeys(asked, "no") | {"placenta_previa": "yes"}
    assert "Are you sure?" in _page(client.post(reverse("tracker:rescreen"), form))
    assert state_of(user).state == "active"
    client.post(reverse("tracker:rescreen"), form | {"confirm_absolute": "yes"})
    assert state_of(user).state == "blocked"


def _screened_at_enrolment(user, *, weeks_ago):
    """Her whole screen was answered long before 25+4 (a screen from 25+4 on answers the
    re-screen's questions too)."""
    Screening.objects.filter(client=user).update(
        submitted_at=timezone.now() - dt.timedelta(weeks=weeks_ago)
    )


def test_home_asks_for_the_rescreen_from_25_plus_4_until_answered(client, version):
    early, _ = _enrol(version, week=25)  # 25+0
    assert "26-week safety re-screen" not in _home(client, early)

    user, today = _enrol(version, week=26)  # past 25+4
    _screened_at_enrolment(user, weeks_ago=10)
    assert "It is time for the 26-week safety re-screen" in _home(client, user)
    asked = ScreeningQuestion.objects.filter(active=True, rescreen=True).values_list(
        "key", flat=True
    )
    client.post(reverse("tracker:rescreen"), dict.fromkeys(asked, "no"))
    assert "It is time for the 26-week safety re-screen" not in _home(client, user)


def test_held_by_an_unanswered_rescreen_home_links_to_it_and_answering_lifts_it(client, version):
    user, today = _enrol(version, week=28)
    _screened_at_enrolment(user, weeks_ago=10)
    assert services.rescreen_sweep(now=timezone.now()) == 1
    page = _home(client, user)
    assert 'data-state="held"' in page
    assert "The 26-week safety re-screen has not been answered yet" in page
    assert reverse("tracker:rescreen") in page

    asked = ScreeningQuestion.objects.filter(active=True, rescreen=True).values_list(
        "key", flat=True
    )
    client.post(reverse("tracker:rescreen"), dict.fromkeys(asked, "no"))
    assert state_of(user).state == "active"


# --- the end of the pregnancy -----------------------------------------------------------------


def test_ended_after_are_you_sure_is_neutral_and_cancels_later_sessions(client, version):
    user, today = _enrol(version, week=18)
    client.force_login(user)
    url = reverse("tracker:pregnancy_end")
    page = _page(client.get(url))
    assert "My baby was born" in page and "My pregnancy has ended" in page

    form = {"outcome": "ended", "date": today.isoformat()}
    first = client.post(url, form)
    assert "Are you sure?" in _page(first)
    assert PregnancyProfile.objects.get(client=user).ended_on is None

    response = client.post(url, form | {"confirm": "yes"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("home")
    page = _page(response)
    assert "Your program has ended and nothing more is planned" in page
    assert "congratulat" not in page.lower() and "baby" not in page.lower()
    assert PregnancyProfile.objects.get(client=user).ended_on == today
    later = ScheduledSession.objects.filter(client=user, date__gt=today)
    assert later.exists()
    assert set(later.values_list("status", "cancel_reason")) == {("cancelled", "ended")}
    assert state_of(user).state == "ended"


def test_the_birth_page_keeps_its_url_asks_are_you_sure_and_never_congratulates(client, version):
    user, today = _enrol(version, week=39)
    client.force_login(user)
    url = reverse("tracker:birth")
    assert client.get(url).context["form"].initial == {"outcome": "birth"}
    form = {"outcome": "birth", "date": today.isoformat()}
    assert "Are you sure?" in _page(client.post(url, form))
    assert state_of(user).state == "active"

    response = client.post(url, form | {"confirm": "yes"}, follow=True)

    page = _page(response)
    assert "The birth is recorded" in page and "congratulat" not in page.lower()
    assert state_of(user).state == "completed"
    assert not ScheduledSession.objects.filter(
        client=user, date__gt=today, status="scheduled"
    ).exists()


def test_a_birth_date_in_the_future_is_refused_next_to_the_date(client, version):
    user, today = _enrol(version, week=39)
    client.force_login(user)
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("tracker:pregnancy_end"), {"outcome": "birth", "date": tomorrow, "confirm": "yes"}
    )
    assert "cannot be in the future" in str(response.context["form"].errors["date"])
    assert state_of(user).state == "active"


def test_home_asks_gently_from_the_due_date_plus_7_days(client, version):
    user, today = _enrol(version, week=39)
    question = "Has your pregnancy ended?"
    PregnancyProfile.objects.filter(client=user).update(due_date=today - dt.timedelta(days=6))
    assert question not in _home(client, user)
    PregnancyProfile.objects.filter(client=user).update(due_date=today - dt.timedelta(days=7))
    page = _home(client, user)
    assert question in page and reverse("tracker:pregnancy_end") in page


def test_schedule_settings_show_the_state_and_link_to_the_end_page(client, version):
    user, today = _enrol(version)
    _put_in("held", user, today)
    client.force_login(user)
    page = _page(client.get(reverse("tracker:schedule")))
    assert 'data-state="held"' in page and "On hold" in page
    assert reverse("tracker:pregnancy_end") in page


# --- the stop page ----------------------------------------------------------------------------


def _log_with(client, user, today, signs):
    session = ScheduledSession.objects.filter(client=user, date__lt=today).order_by("date").first()
    return client.post(
        reverse("tracker:session_log", args=[session.pk]),
        {
            "status": "partial",
            "performed_on": session.date.isoformat(),
            "minutes": "20",
            "rpe": "13",
            "notes": "",
            "warning_signs": signs,
        },
    )


def test_the_stop_page_names_her_pt_who_was_alerted(client, version):
    pt = PTFactory()
    user, today = _enrol(version, pt=pt, start=local_today(ClientFactory()) - dt.timedelta(days=7))
    client.force_login(user)

    response = _log_with(client, user, today, ["vaginal_bleeding"])

    log = SessionLog.objects.get(client=user)
    assert response["Location"] == reverse("tracker:stop", args=[log.pk])
    page = _page(client.get(response["Location"]))
    assert "Call your maternity unit or the emergency number now" in page
    assert "Vaginal bleeding" in page
    assert f"Your physical therapist {pt} has been alerted" in page
    assert "Nobody has been told" not in page
    assert Alert.objects.get(client=user).pt == pt


def test_the_stop_page_without_a_pt_says_nobody_was_told(client, version):
    user, today = _enrol(version, start=local_today(ClientFactory()) - dt.timedelta(days=7))
    client.force_login(user)

    response = _log_with(client, user, today, ["dizziness"])

    page = _page(client.get(response["Location"]))
    assert "Contact your midwife, obstetrician or doctor today" in page
    assert "Nobody has been told: you have no physical therapist in Prenafit" in page
    assert "has been alerted" not in page
    assert "Your sessions are on hold" in page


def test_the_same_sign_again_shows_the_one_alert_already_raised(client, version):
    pt = PTFactory()
    user, today = _enrol(version, pt=pt, start=local_today(ClientFactory()) - dt.timedelta(days=7))
    client.force_login(user)
    _log_with(client, user, today, ["dizziness"])
    extra = client.post(
        reverse("tracker:extra_log"),
        {
            "status": "partial",
            "performed_on": today.isoformat(),
            "minutes": "10",
            "rpe": "11",
            "notes": "",
            "warning_signs": ["dizziness"],
        },
    )
    page = _page(client.get(extra["Location"]))
    assert Alert.objects.filter(client=user).count() == 1
    assert f"Your physical therapist {pt} has been alerted" in page


def test_a_log_while_paused_is_saved_flagged_and_says_so(client, version):
    pt = PTFactory()
    user, today = _enrol(version, pt=pt, start=local_today(ClientFactory()) - dt.timedelta(days=7))
    _put_in("paused", user, today)
    client.force_login(user)
    session = ScheduledSession.objects.filter(client=user, date__lt=today).order_by("date").first()
    response = client.post(
        reverse("tracker:session_log", args=[session.pk]),
        {
            "status": "completed",
            "performed_on": session.date.isoformat(),
            "minutes": "60",
            "rpe": "13",
            "notes": "",
        },
        follow=True,
    )
    assert SessionLog.objects.get(client=user).flagged
    assert f"flagged for your PT {pt}" in _page(response)
    assert "Well done" not in _page(response)


# --- on hold in the week, the calendar and the feed ------------------------------------------


def test_week_and_calendar_show_future_sessions_on_hold_while_not_active(client, version):
    user, today = _enrol(version)
    client.force_login(user)
    assert "on hold" not in _page(client.get(reverse("tracker:calendar")))

    _put_in("held", user, today)

    calendar = _page(client.get(reverse("tracker:calendar")))
    assert "state-on_hold" in calendar and "state-upcoming" not in calendar
    assert "Your sessions from today on are on hold" in calendar
    next_week = today + dt.timedelta(days=7)
    week = _page(client.get(reverse("tracker:week"), {"start": next_week.isoformat()}))
    assert "state-on_hold" in week and "state-upcoming" not in week


def _feed_events(client, user):
    token = user.enrolment.feed_token
    response = client.get(reverse("tracker:calendar_feed", args=[token]))
    return Calendar.from_ical(response.content).walk("VEVENT")


def test_the_feed_marks_sessions_on_hold_tentative_and_drops_their_alarm(client, version):
    user, today = _enrol(version)
    active = _feed_events(client, user)
    assert active and all(str(e.get("STATUS", "")) != "TENTATIVE" for e in active)

    _put_in("held", user, today)

    events = _feed_events(client, user)
    assert len(events) == len(active)
    assert all(str(e["STATUS"]) == "TENTATIVE" for e in events)
    assert all(str(e["SUMMARY"]).startswith("On hold: Prenafit session") for e in events)
    assert not any(e.walk("VALARM") for e in events)


def test_the_feed_keeps_paused_sessions_on_hold_and_drops_them_after_the_end(client, version):
    user, today = _enrol(version)
    scheduled = len(_feed_events(client, user))
    _put_in("paused", user, today)

    paused = _feed_events(client, user)
    assert len(paused) == scheduled  # cancelled by the pause, shown on hold
    assert all(str(e["STATUS"]) == "TENTATIVE" for e in paused)

    services.pause_lift(client=user, by=user, today=today)
    services.pregnancy_end(
        client=user, outcome="ended", on=today, confirm=True, by=user, today=today
    )
    assert [e for e in _feed_events(client, user) if e.decoded("DTSTART").date() > today] == []
