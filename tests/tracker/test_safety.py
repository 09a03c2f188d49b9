"""The safety loop's core (SAFETY.md sections 1 to 5): items open and close through one
service, and the program's state is derived from what is open."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.clock import THURSDAY_NOVEMBER, pin
from tests.factories import (
    CareLinkFactory,
    ClientFactory,
    PTFactory,
    all_no,
    enrolled_client,
)
from tracker import safety, services
from tracker.gestation import date_at
from tracker.models import (
    Alert,
    AuditEvent,
    PlanChange,
    SafetyItem,
    ScheduledSession,
    Screening,
    ScreeningQuestion,
)
from tracker.safety import state_of
from users.models import User
from users.services import care_link_end

TODAY = THURSDAY_NOVEMBER.date()

pytestmark = [pytest.mark.django_db, pin(THURSDAY_NOVEMBER)]

K = SafetyItem.Kind


@pytest.mark.parametrize(
    ("ended", "born", "kinds", "state"),
    [
        (True, True, {K.ABSOLUTE}, "ended"),
        (False, True, {K.ABSOLUTE, K.HOLD}, "completed"),
        (False, False, {K.ABSOLUTE, K.HOLD, K.RELATIVE, K.PAUSE}, "blocked"),
        (False, False, {K.HOLD, K.RELATIVE, K.PAUSE}, "held"),
        (False, False, {K.RESCREEN_DUE, K.PAUSE}, "held"),
        (False, False, {K.RELATIVE, K.PAUSE}, "pending_clearance"),
        (False, False, {K.PAUSE}, "paused"),
        (False, False, set(), "active"),
    ],
)
def test_the_state_is_the_first_match_of_her_open_items(ended, born, kinds, state):
    assert safety.derive(ended=ended, born=born, open_kinds=kinds) == state


def _screen(client, **yes):
    answers = all_no() | {key: True for key in yes}
    return services.screening_submit(client=client, answers=answers, today=TODAY)


def _admin():
    return User.objects.create_user(
        email="admin@example.org", password="x-long-password-1", is_staff=True
    )


def _upcoming(enrolment):
    return enrolment.sessions.filter(date__gt=TODAY, status=ScheduledSession.Status.SCHEDULED)


def test_a_warning_sign_holds_the_program_in_any_state_and_names_who_was_told():
    pt = PTFactory()
    enrolment = enrolled_client(today=TODAY, pt=pt)
    services.pause_open(client=enrolment.client, by=enrolment.client, reason="trip", today=TODAY)

    result = services.hold_open(
        client=enrolment.client,
        signs=["dizziness", "vaginal_bleeding"],
        by=enrolment.client,
        alert_kind=Alert.Kind.WARNING_SIGN,
    )

    assert state_of(enrolment.client).state == "held"  # a hold wins over her pause
    assert result.signs == ["vaginal_bleeding", "dizziness"]  # most urgent first
    assert result.tier == safety.EMERGENCY
    assert "maternity unit or the emergency number" in result.message
    assert result.pt == pt and str(pt) in result.told
    assert Alert.objects.get().pt == pt

    services.pause_lift(client=enrolment.client, by=enrolment.client, today=TODAY)
    assert state_of(enrolment.client).state == "held"  # lifting her pause does not lift a hold
    services.clearance_record(
        client=enrolment.client, recorded_by=pt, provider="Dr Ruiz", today=TODAY
    )
    assert state_of(enrolment.client).active


def test_without_a_pt_nobody_is_told_and_the_page_says_so():
    enrolment = enrolled_client(today=TODAY)
    result = services.hold_open(
        client=enrolment.client, signs=["headache"], by=enrolment.client, alert_kind="warning_sign"
    )
    assert result.pt is None
    assert "Nobody has been told" in result.told
    assert result.tier == safety.TODAY


def test_signs_that_are_not_triggers_open_nothing():
    enrolment = enrolled_client(today=TODAY)
    assert (
        services.hold_open(
            client=enrolment.client, signs=["shooting"], by=enrolment.client, alert_kind="red_flag"
        )
        is None
    )
    assert state_of(enrolment.client).active


def test_a_positive_screen_cannot_be_undone_by_answering_again():
    client = ClientFactory()
    services.pregnancy_save(
        client=client, due_date=TODAY + dt.timedelta(weeks=20), lmp_date=None, today=TODAY
    )
    _screen(client, placenta_previa=True)
    assert state_of(client).state == "blocked"
    _screen(client)  # all "no"
    assert state_of(client).state == "blocked"
    with pytest.raises(ValidationError, match="not to exercise"):
        services.enrolment_create(
            client=client, weekdays=[0, 2, 4], start_time=dt.time(18), time_zone="UTC", today=TODAY
        )
    items = SafetyItem.objects.filter(client=client)
    assert [(i.kind, i.question_key, i.is_open) for i in items] == [
        ("absolute", "placenta_previa", True)
    ]


def test_an_absolute_yes_needs_a_confirmation_when_the_door_asks_for_one():
    client = ClientFactory()
    with pytest.raises(ValidationError) as refused:
        services.screening_submit(
            client=client,
            answers=all_no() | {"ruptured_membranes": True},
            today=TODAY,
            confirm_absolute=False,
        )
    assert "confirm_absolute" in refused.value.error_dict
    assert not SafetyItem.objects.filter(client=client).exists()


def test_without_a_pt_she_may_self_clear_a_relative_item_but_never_an_absolute_one():
    enrolment = enrolled_client(today=TODAY)
    client = enrolment.client
    _screen(client, anaemia=True)
    assert state_of(client).state == "pending_clearance"

    clearance = services.clearance_record(
        client=client,
        recorded_by=client,
        provider="Dr Vega, obstetrician",
        cleared_on=TODAY,
        today=TODAY,
    )
    assert clearance.self_reported
    assert state_of(client).active
    assert PlanChange.objects.filter(client=client, description__contains="self-reported")

    _screen(client, heart_disease=True)
    assert state_of(client).state == "blocked"
    with pytest.raises(PermissionDenied, match="PT or an admin"):
        services.clearance_record(client=client, recorded_by=client, provider="GP", today=TODAY)
    services.clearance_record(client=client, recorded_by=_admin(), provider="GP", today=TODAY)
    assert state_of(client).active


def test_with_a_pt_she_cannot_self_clear_even_an_item_opened_before_the_link():
    enrolment = enrolled_client(today=TODAY)
    client = enrolment.client
    _screen(client, anaemia=True)  # opened while she had no PT
    pt = PTFactory()
    CareLinkFactory(pt=pt, client=client)
    with pytest.raises(PermissionDenied, match=str(pt)):
        services.clearance_record(client=client, recorded_by=client, provider="GP", today=TODAY)
    with pytest.raises(PermissionDenied):
        services.clearance_record(
            client=client, recorded_by=PTFactory(), provider="GP", today=TODAY
        )
    assert state_of(client).state == "pending_clearance"


def test_an_item_opened_while_she_had_a_pt_stays_for_a_pt_or_admin_after_unlinking():
    pt = PTFactory()
    enrolment = enrolled_client(today=TODAY, pt=pt)
    client = enrolment.client
    services.hold_open(client=client, signs=["dizziness"], by=client, alert_kind="warning_sign")
    care_link_end(link=client.pt_links.get(), ended_by=pt)
    with pytest.raises(PermissionDenied, match="while you had a PT"):
        services.clearance_record(client=client, recorded_by=client, provider="GP", today=TODAY)


def test_a_pts_pause_is_hers_to_lift_only_once_that_pt_no_longer_looks_after_her():
    pt = PTFactory()
    enrolment = enrolled_client(today=TODAY, pt=pt)
    client = enrolment.client
    future = _upcoming(enrolment).count()
    services.pause_open(client=client, by=pt, reason="back pain review", today=TODAY)
    assert state_of(client).state == "paused"
    assert _upcoming(enrolment).count() == 0

    with pytest.raises(PermissionDenied, match="only your PT"):
        services.pause_lift(client=client, by=client, today=TODAY)
    care_link_end(link=client.pt_links.get(), ended_by=pt)
    services.pause_lift(client=client, by=client, today=TODAY)
    assert state_of(client).active
    assert _upcoming(enrolment).count() == future


def test_an_admins_pause_is_not_hers_to_lift():
    enrolment = enrolled_client(today=TODAY)
    services.pause_open(client=enrolment.client, by=_admin(), reason="check", today=TODAY)
    with pytest.raises(PermissionDenied):
        services.pause_lift(client=enrolment.client, by=enrolment.client, today=TODAY)


def test_her_pt_reviews_a_relative_answer_with_a_note():
    pt = PTFactory()
    enrolment = enrolled_client(today=TODAY, pt=pt)
    _screen(enrolment.client, sedentary=True)
    item = SafetyItem.objects.get(question_key="sedentary")
    with pytest.raises(ValidationError):
        services.item_review(item=item, by=pt, note="  ", today=TODAY)
    with pytest.raises(PermissionDenied):
        services.item_review(item=item, by=PTFactory(), note="seen", today=TODAY)
    services.item_review(item=item, by=pt, note="Walks daily now; fine to start.", today=TODAY)
    item.refresh_from_db()
    assert item.closed_how == "reviewed" and state_of(enrolment.client).active


def test_an_ended_pregnancy_stops_everything_and_her_pt_can_undo_a_mistake():
    pt = PTFactory()
    enrolment = enrolled_client(today=TODAY, pt=pt)
    client = enrolment.client
    future = _upcoming(enrolment).count()
    with pytest.raises(ValidationError):
        services.pregnancy_end(
            client=client, outcome="ended", on=TODAY, confirm=False, by=client, today=TODAY
        )
    services.pregnancy_end(
        client=client, outcome="ended", on=TODAY, confirm=True, by=client, today=TODAY
    )
    assert state_of(client).state == "ended"
    assert _upcoming(enrolment).count() == 0
    assert enrolment.sessions.filter(cancel_reason="ended").count() == future

    with pytest.raises(PermissionDenied):
        services.pregnancy_reopen(client=client, by=client, today=TODAY)
    services.pregnancy_reopen(client=client, by=pt, today=TODAY)
    assert state_of(client).active
    assert _upcoming(enrolment).count() == future
    assert PlanChange.objects.filter(client=client, description__contains="undid").exists()
    assert AuditEvent.objects.filter(client=client, what="plan change", actor=pt).exists()


def test_an_ended_pregnancy_may_be_before_week_20_but_not_in_the_future():
    enrolment = enrolled_client(today=TODAY, week=18)
    client = enrolment.client
    with pytest.raises(ValidationError):
        services.pregnancy_end(
            client=client,
            outcome="ended",
            on=TODAY + dt.timedelta(days=1),
            confirm=True,
            by=client,
            today=TODAY,
        )
    services.pregnancy_end(
        client=client, outcome="ended", on=TODAY, confirm=True, by=client, today=TODAY
    )
    assert state_of(client).state == "ended"


def test_without_the_26_week_rescreen_she_is_held_at_28_and_answering_releases_her():
    enrolment = enrolled_client(today=TODAY, week=28)
    client = enrolment.client
    now = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC)
    assert services.rescreen_sweep(now=now) == 0  # her whole screen today answered it
    Screening.objects.filter(client=client).update(submitted_at=now - dt.timedelta(weeks=8))
    assert services.rescreen_sweep(now=now) == 1
    assert services.rescreen_sweep(now=now) == 0  # idempotent
    assert state_of(client).state == "held"

    answers = {q.key: False for q in ScreeningQuestion.objects.filter(rescreen=True)}
    assert len(answers) == 6  # placenta, twins (two), bleeding, labour, waters
    services.screening_submit(client=client, answers=answers, today=TODAY, kind="rescreen")
    assert state_of(client).active


def test_a_client_before_28_weeks_is_not_held_for_the_rescreen():
    enrolment = enrolled_client(today=TODAY, week=27)
    now = dt.datetime.combine(TODAY, dt.time(12), tzinfo=dt.UTC)
    assert services.rescreen_sweep(now=now) == 0
    assert date_at(enrolment.client.pregnancy.due_date, 28) > TODAY
