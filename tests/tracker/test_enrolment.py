"""Pregnancy, screening, enrolment and the schedule, through the services."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from programs.services import version_clone_as_draft, version_publish
from tests.clock import THURSDAY_NOVEMBER, pin
from tests.factories import (
    CareLinkFactory,
    ClientFactory,
    PTFactory,
    all_no,
    build_program_version,
    enrolled_client,
)
from tracker import services
from tracker.gestation import date_at
from tracker.models import Notification, ScheduledSession, Screening, SessionLog
from tracker.safety import state_of

TODAY = THURSDAY_NOVEMBER.date()

pytestmark = [pytest.mark.django_db, pin(THURSDAY_NOVEMBER)]


def test_due_date_in_the_past_or_too_far_ahead_is_refused_with_a_message():
    client = ClientFactory()
    with pytest.raises(ValidationError, match="in the past"):
        services.pregnancy_save(
            client=client,
            due_date=TODAY - dt.timedelta(days=1),
            lmp_date=None,
            today=TODAY,
        )
    with pytest.raises(ValidationError, match="more than 40 weeks away"):
        services.pregnancy_save(
            client=client,
            due_date=TODAY + dt.timedelta(days=300),
            lmp_date=None,
            today=TODAY,
        )


def test_lmp_gives_the_due_date_280_days_later():
    profile = services.pregnancy_save(
        client=ClientFactory(),
        due_date=None,
        lmp_date=dt.date(2026, 8, 1),
        today=TODAY,
    )
    assert profile.due_date == dt.date(2027, 5, 8)


def test_schedule_from_10_weeks_matches_the_hand_count():
    # Due Wednesday 2 June 2027: 17+0 is Wednesday 23 Dec 2026 and 42+0 Wednesday 16 June 2027.
    due = dt.date(2027, 6, 2)
    today = date_at(due, 10)
    enrolment = enrolled_client(today=today, week=10)
    dates = list(enrolment.sessions.order_by("date").values_list("date", flat=True))

    assert dates[0] == dt.date(2026, 12, 23)
    assert all(d.weekday() in (0, 2, 4) for d in dates)
    assert dates[-1] == dt.date(2027, 6, 16)
    # 25 whole weeks (Wed to Tue) hold one Mon, Wed and Fri each, plus 42+0 itself: 76.
    assert len(dates) == 76
    assert len(set(dates)) == len(dates)


def test_enrolment_query_count_does_not_grow_with_the_number_of_sessions(
    django_assert_max_num_queries,
):
    version = build_program_version(slug="aparicio2023")
    late = ClientFactory()
    early = ClientFactory()
    for client, week in ((late, 40), (early, 10)):
        services.pregnancy_save(
            client=client,
            due_date=TODAY + dt.timedelta(days=280 - 7 * week),
            lmp_date=None,
            today=TODAY,
        )
        services.screening_submit(client=client, answers=all_no(), today=TODAY)

    def enrol(client):
        return services.enrolment_create(
            client=client,
            weekdays=[0, 2, 4],
            start_time=dt.time(18),
            time_zone="UTC",
            today=TODAY,
            version=version,
        )

    with django_assert_max_num_queries(30) as few:
        enrol(late)
    with django_assert_max_num_queries(len(few.captured_queries)):
        enrol(early)
    assert late.enrolment.sessions.count() < 10 < 70 < early.enrolment.sessions.count()


def _log(session, status=SessionLog.Status.COMPLETED):
    return SessionLog.objects.create(
        client=session.client,
        session=session,
        status=status,
        performed_on=session.date,
        minutes=60,
        rpe=13,
    )


def test_changing_weekdays_keeps_logged_sessions_and_rebuilds_only_the_future():
    start = TODAY - dt.timedelta(days=21)
    enrolment = enrolled_client(today=TODAY, week=24, start=start)
    past = list(enrolment.sessions.filter(date__lt=TODAY).order_by("date"))
    logs = [_log(s) for s in past[:-1]]  # the last past one stays missed
    # A future session logged early (done ahead of time) must survive too.
    future_logged = enrolment.sessions.filter(date__gt=TODAY).order_by("date").first()
    logs.append(_log(future_logged))
    before = {(log.pk, log.session_id, log.session.date, log.status) for log in logs}

    services.schedule_change(
        enrolment=enrolment,
        weekdays=[1, 3, 5],
        start_time=dt.time(7, 30),
        time_zone="Europe/Madrid",
        today=TODAY,
    )

    after = {
        (log.pk, log.session_id, log.session.date, log.status)
        for log in SessionLog.objects.select_related("session")
    }
    assert after == before
    assert enrolment.sessions.filter(pk=past[-1].pk).exists()  # past unlogged kept
    future = enrolment.sessions.filter(date__gt=TODAY).exclude(pk=future_logged.pk)
    assert future.exists()
    assert {s.date.weekday() for s in future} == {1, 3, 5}
    assert {s.start_time for s in future} == {dt.time(7, 30)}


def test_recording_the_birth_cancels_later_sessions_and_keeps_earlier_data():
    enrolment = enrolled_client(today=TODAY, week=38, start=TODAY - dt.timedelta(days=14))
    for session in enrolment.sessions.filter(date__lt=TODAY):
        _log(session)
    total = enrolment.sessions.count()
    birth = TODAY - dt.timedelta(days=1)

    services.birth_record(client=enrolment.client, birth_date=birth, today=TODAY)

    enrolment.refresh_from_db()
    assert state_of(enrolment.client).state == "completed"
    assert enrolment.sessions.count() == total  # nothing deleted
    later = enrolment.sessions.filter(date__gt=birth)
    assert later.exists()
    assert set(later.values_list("status", "cancel_reason")) == {("cancelled", "birth")}
    assert not enrolment.sessions.filter(date__lte=birth, status="cancelled").exists()
    assert SessionLog.objects.count() == enrolment.sessions.filter(date__lt=TODAY).count()


def test_birth_in_the_future_is_refused():
    enrolment = enrolled_client(today=TODAY, week=38)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        services.birth_record(
            client=enrolment.client, birth_date=TODAY + dt.timedelta(days=1), today=TODAY
        )


def _screen(client, **yes):
    answers = all_no()
    answers.update({k: True for k in yes})
    return services.screening_submit(client=client, answers=answers, today=TODAY)


def _pregnant(client, week=20):
    services.pregnancy_save(
        client=client,
        due_date=TODAY + dt.timedelta(days=280 - 7 * week),
        lmp_date=None,
        today=TODAY,
    )


def test_an_absolute_contraindication_gives_no_schedule_and_tells_her_pt():
    build_program_version(slug="aparicio2023")
    pt, other_pt, client = PTFactory(), PTFactory(), ClientFactory()
    CareLinkFactory(pt=pt, client=client)
    _pregnant(client)

    screening = _screen(client, placenta_previa=True)

    assert screening.result == Screening.Result.BLOCKED
    with pytest.raises(ValidationError, match="talk to your obstetric care provider"):
        services.enrolment_create(
            client=client, weekdays=[0, 2, 4], start_time=dt.time(18), time_zone="UTC", today=TODAY
        )
    assert not ScheduledSession.objects.filter(client=client).exists()
    assert Notification.objects.filter(recipient=pt, about_client=client, urgent=True).count() == 1
    assert not Notification.objects.filter(recipient=other_pt).exists()


def test_a_relative_contraindication_builds_a_schedule_that_waits_for_clearance():
    build_program_version(slug="aparicio2023")
    pt, client = PTFactory(), ClientFactory()
    CareLinkFactory(pt=pt, client=client)
    _pregnant(client)
    _screen(client, anaemia=True)

    enrolment = services.enrolment_create(
        client=client, weekdays=[0, 2, 4], start_time=dt.time(18), time_zone="UTC", today=TODAY
    )
    assert state_of(client).state == "pending_clearance"
    assert enrolment.sessions.exists()

    clearance = services.clearance_record(
        client=client, recorded_by=pt, provider="Dr Ruiz, obstetrician", note="Fine.", today=TODAY
    )
    assert state_of(client).state == "active"
    assert (clearance.recorded_by, clearance.provider) == (pt, "Dr Ruiz, obstetrician")
    assert not clearance.self_reported


def test_a_new_yes_on_rescreening_holds_the_schedule_until_clearance():
    enrolment = enrolled_client(today=TODAY, week=24)
    pt = PTFactory()
    CareLinkFactory(pt=pt, client=enrolment.client)
    future = enrolment.sessions.filter(date__gt=TODAY).count()

    _screen(enrolment.client, arrhythmia=True)
    assert state_of(enrolment.client).state == "pending_clearance"
    _screen(enrolment.client)  # all "no" again: answers are sticky
    assert state_of(enrolment.client).state == "pending_clearance"

    with pytest.raises(PermissionDenied):  # another PT may not clear her
        services.clearance_record(
            client=enrolment.client, recorded_by=PTFactory(), provider="GP", today=TODAY
        )
    services.clearance_record(
        client=enrolment.client, recorded_by=pt, provider="GP", note="", today=TODAY
    )
    assert state_of(enrolment.client).state == "active"
    assert enrolment.sessions.filter(date__gt=TODAY, status="scheduled").count() == future


def test_pause_and_resume_rebuild_the_future_only():
    enrolment = enrolled_client(today=TODAY, week=24, start=TODAY - dt.timedelta(days=7))
    logged = [_log(s) for s in enrolment.sessions.filter(date__lt=TODAY)]
    future = enrolment.sessions.filter(date__gt=TODAY).count()

    services.enrolment_pause(
        enrolment=enrolment, by=enrolment.client, reason="Holiday", today=TODAY
    )
    assert enrolment.sessions.filter(date__gt=TODAY, status="scheduled").count() == 0
    services.enrolment_resume(enrolment=enrolment, by=enrolment.client, today=TODAY)

    assert enrolment.sessions.filter(date__gt=TODAY, status="scheduled").count() == future
    assert SessionLog.objects.count() == len(logged)


def test_reschedule_keeps_the_calendar_uid_and_refuses_bad_dates():
    enrolment = enrolled_client(today=TODAY, week=24)
    session = enrolment.sessions.filter(date__gt=TODAY).order_by("date").first()
    uid = session.uid
    tuesday = session.date + dt.timedelta(days=(1 - session.date.weekday()) % 7 or 7)

    with pytest.raises(ValidationError, match="into the past"):
        services.session_reschedule(
            session=session, new_date=TODAY - dt.timedelta(days=1), today=TODAY
        )
    other = enrolment.sessions.exclude(pk=session.pk).filter(date__gt=TODAY).first()
    with pytest.raises(ValidationError, match="already have a session"):
        services.session_reschedule(session=session, new_date=other.date, today=TODAY)

    warnings = services.session_reschedule(session=session, new_date=tuesday, today=TODAY)
    session.refresh_from_db()
    assert (session.date, session.uid, session.sequence) == (tuesday, uid, 1)
    assert isinstance(warnings, list)

    _log(session)
    with pytest.raises(ValidationError, match="already logged"):
        services.session_reschedule(
            session=session, new_date=tuesday + dt.timedelta(days=1), today=TODAY
        )


def test_moving_to_a_new_version_changes_future_unlogged_sessions_only():
    v1 = build_program_version(slug="aparicio2023")
    enrolment = enrolled_client(
        today=TODAY, week=24, version=v1, start=TODAY - dt.timedelta(days=7)
    )
    for session in enrolment.sessions.filter(date__lt=TODAY):
        _log(session)
    v2 = version_clone_as_draft(version=v1)
    version_publish(version=v2)

    services.schedule_move_to_version(enrolment=enrolment, version=v2, today=TODAY)

    assert set(enrolment.sessions.filter(date__lt=TODAY).values_list("version", flat=True)) == {
        v1.pk
    }
    assert set(enrolment.sessions.filter(date__gt=TODAY).values_list("version", flat=True)) == {
        v2.pk
    }
    enrolment.refresh_from_db()
    assert enrolment.program_version == v2


def test_a_draft_version_cannot_be_used_for_sessions():
    v1 = build_program_version(slug="aparicio2023")
    enrolment = enrolled_client(today=TODAY, week=24, version=v1)
    draft = version_clone_as_draft(version=v1)
    with pytest.raises(ValidationError, match="published"):
        services.schedule_move_to_version(enrolment=enrolment, version=draft, today=TODAY)
