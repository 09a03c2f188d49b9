"""A session keeps its id, link and calendar UID when an admin moves her to a new program
version (after a confirmation page) or her days change: future unlogged sessions are updated in
place, logged ones never change."""

import datetime as dt
import html
import re

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from programs.models import SessionTemplate
from programs.services import version_clone_as_draft, version_publish
from tests.clock import pin
from tests.factories import AdminFactory, ClientFactory, build_program_version, enrolled_client
from tracker import services
from tracker.admin import MOVE_DONE, MOVE_QUESTION
from tracker.models import (
    Assessment,
    AuditEvent,
    Delivery,
    Enrolment,
    PlanChange,
    ReminderKind,
    ScheduledSession,
    SessionLog,
)
from tracker.reminders.delivery import delivery_send
from tracker.reminders.timing import session_start
from tracker.selectors import local_today
from tracker.services.enrolment import AUDIT_CLIENTS_MOVED, schedule_move_clients

pytestmark = [pytest.mark.django_db, pin()]

CHANGELIST = "admin:programs_programversion_changelist"


@pytest.fixture
def setup():
    """Her program at version 1 with two weeks logged and a check-in, and a published
    version 2 whose sessions have new names."""
    v1 = build_program_version(slug="aparicio2023", prescriptions_per_block=1)
    v1.program.name = "Aparicio 2023"
    v1.program.save()
    user = ClientFactory(time_zone="UTC")
    today = local_today(user)
    enrolment = enrolled_client(
        today=today, client=user, version=v1, start=today - dt.timedelta(days=14)
    )
    for session in enrolment.sessions.filter(date__lt=today):
        services.session_log_record(
            client=user,
            session=session,
            data=services.LogInput(
                status="completed", performed_on=session.date, minutes=50, rpe=13
            ),
            today=today,
        )
    services.assessment_record(
        client=user,
        vas_low_back_mm=31,
        vas_sciatic_mm=8,
        odi_answers=[1] * 10,
        pain_locations=[],
        symptoms=[],
        today=today,
    )
    v2 = version_clone_as_draft(version=v1)
    for template in SessionTemplate.objects.filter(phase__version=v2):
        template.name = f"{template.name} renewed"
        template.save()
    version_publish(version=v2)
    return user, enrolment, v1, v2, today


def _logged(user):
    return set(
        SessionLog.objects.filter(client=user).values_list(
            "pk", "session_id", "session__date", "session__version", "status", "minutes"
        )
    )


def _future(enrolment, today):
    return {
        s.pk: s
        for s in ScheduledSession.objects.filter(
            enrolment=enrolment, date__gt=today
        ).select_related("template")
    }


def _move_action(client, version, confirm: bool):
    data = {"action": "move_clients_here", "_selected_action": [version.pk]}
    if confirm:
        data["post"] = "yes"
    return client.post(reverse(CHANGELIST), data, follow=confirm)


def test_the_move_asks_first_with_the_count_and_the_version_and_moves_nobody(client, setup):
    user, enrolment, _v1, v2, today = setup
    enrolled_client(today=today, version=enrolment.program_version)  # a second client
    before = {pk: s.version_id for pk, s in _future(enrolment, today).items()}
    client.force_login(AdminFactory())

    page = _move_action(client, v2, confirm=False)

    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    assert "Move 2 clients to Aparicio 2023, version 2?" in text
    assert MOVE_QUESTION % {"n": 2, "program": "Aparicio 2023", "number": 2} in text
    assert 'name="post" value="yes"' in text
    assert {pk: s.version_id for pk, s in _future(enrolment, today).items()} == before
    assert not AuditEvent.objects.filter(what=AUDIT_CLIENTS_MOVED).exists()


def test_a_session_link_opens_before_and_after_the_admins_move_with_the_new_template(client, setup):
    user, enrolment, v1, v2, today = setup
    session = enrolment.sessions.filter(date__gt=today).order_by("date").first()
    uid, sequence = session.uid, session.sequence
    url = reverse("tracker:session", args=[session.pk])
    api = APIClient()
    token = api.post(
        "/api/v1/auth/token/", {"email": user.email, "password": "prenafit-demo"}, format="json"
    ).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    api_url = f"/api/v1/me/sessions/{session.pk}/"
    old_name = session.template.name
    logged = _logged(user)
    future_ids = set(_future(enrolment, today))

    client.force_login(user)
    before = client.get(url)
    api_before = api.get(api_url)
    assert before.status_code == 200 and old_name in before.content.decode()
    assert api_before.status_code == 200 and api_before.json()["template_name"] == old_name

    admin = AdminFactory()
    client.force_login(admin)
    done = _move_action(client, v2, confirm=True)
    moved = MOVE_DONE % {"n": 1, "program": "Aparicio 2023", "number": 2}
    assert moved in html.unescape(done.content.decode())

    client.force_login(user)
    after = client.get(url)
    api_after = api.get(api_url)
    new_name = f"{old_name} renewed"
    assert after.status_code == 200 and new_name in after.content.decode()
    assert api_after.status_code == 200 and api_after.json()["template_name"] == new_name
    session.refresh_from_db()
    assert (session.uid, session.version_id, session.template.phase.version_id) == (
        uid,
        v2.pk,
        v2.pk,
    )
    assert session.sequence == sequence + 1  # calendars see the change
    # Every future session kept its id and moved; every logged one and the check-in stayed.
    assert set(_future(enrolment, today)) == future_ids
    assert {s.version_id for s in _future(enrolment, today).values()} == {v2.pk}
    assert _logged(user) == logged and {v for *_, v, _s, _m in logged} == {v1.pk}
    assert Assessment.objects.filter(client=user, vas_low_back_mm=31).count() == 1
    # Recorded: her plan history and one audit row with the version and her id only.
    assert PlanChange.objects.filter(client=user, changed_by=admin).count() == 1
    event = AuditEvent.objects.get(what=AUDIT_CLIENTS_MOVED)
    assert (event.actor, event.client_ids, event.object_type, event.object_id) == (
        admin,
        [user.pk],
        "programs.ProgramVersion",
        str(v2.pk),
    )


def test_a_reminder_emails_link_still_opens_after_the_move(client, setup):
    user, enrolment, _v1, v2, today = setup
    session = enrolment.sessions.filter(date__gt=today).order_by("date").first()
    due = session_start(session.date, session.start_time, "UTC") - dt.timedelta(hours=1)
    row = Delivery.objects.create(
        recipient=user,
        kind=ReminderKind.SESSION_UPCOMING,
        object_key=f"session:{session.pk}",
        due_at=due,
    )
    assert delivery_send(row.pk, now=due) == "sent"
    (email,) = mail.outbox
    path = re.search(r"https?://[^/\s]+(/me/sessions/\d+/)", email.body).group(1)

    schedule_move_clients(
        enrolments=Enrolment.objects.filter(pk=enrolment.pk),
        version=v2,
        by=AdminFactory(),
    )

    client.force_login(user)
    page = client.get(path)
    assert page.status_code == 200
    assert f"{session.template.name} renewed" in page.content.decode()


def test_a_session_she_moved_keeps_its_day_through_a_version_move(setup):
    user, enrolment, _v1, v2, today = setup
    session = enrolment.sessions.filter(date__gt=today + dt.timedelta(days=7)).first()
    planned = session.date
    services.session_reschedule(
        session=session, new_date=planned + dt.timedelta(days=1), today=today
    )

    services.schedule_move_to_version(enrolment=enrolment, version=v2, today=today)

    session.refresh_from_db()
    assert (session.date, session.original_date, session.version_id) == (
        planned + dt.timedelta(days=1),
        planned,
        v2.pk,
    )
    assert not enrolment.sessions.filter(date=planned).exists()  # not planned twice


def test_new_weekdays_reuse_most_sessions_in_place(setup):
    user, enrolment, _v1, _v2, today = setup
    before = _future(enrolment, today)
    logged = _logged(user)

    services.schedule_change(
        enrolment=enrolment,
        weekdays=[1, 3, 5],
        start_time=dt.time(7, 30),
        time_zone="UTC",
        today=today,
    )

    after = _future(enrolment, today)
    assert {s.date.weekday() for s in after.values()} == {1, 3, 5}
    assert {s.start_time for s in after.values()} == {dt.time(7, 30)}
    assert len(set(after) & set(before)) >= min(len(after), len(before))  # all reused
    assert all(after[pk].uid == before[pk].uid for pk in set(after) & set(before))
    assert len(set(after) ^ set(before)) <= 2  # only a surplus or a shortfall at the end
    assert _logged(user) == logged


def test_a_move_during_a_pause_keeps_her_cancelled_sessions(setup):
    user, enrolment, _v1, v2, today = setup
    services.pause_open(client=user, by=user, reason="Holiday", today=today)
    before = set(_future(enrolment, today))

    services.schedule_move_to_version(enrolment=enrolment, version=v2, today=today)

    after = _future(enrolment, today)
    assert set(after) == before
    assert {(s.version_id, s.status, s.cancel_reason) for s in after.values()} == {
        (v2.pk, "cancelled", "paused")
    }


def test_a_pause_lifted_brings_back_the_same_sessions_with_their_links(client, setup):
    user, enrolment, _v1, _v2, today = setup
    before = set(_future(enrolment, today))
    services.pause_open(client=user, by=user, reason="Holiday", today=today)

    services.pause_lift(client=user, by=user, today=today)

    after = _future(enrolment, today)
    assert set(after) == before
    assert {(s.status, s.cancel_reason) for s in after.values()} == {("scheduled", "")}
    client.force_login(user)
    assert client.get(reverse("tracker:session", args=[min(after)])).status_code == 200


def test_the_move_takes_the_same_number_of_queries_for_a_short_and_a_long_schedule(
    django_assert_max_num_queries,
):
    v1 = build_program_version(slug="aparicio2023", prescriptions_per_block=1)
    today = local_today(ClientFactory(time_zone="UTC"))
    late = enrolled_client(today=today, week=40, version=v1)
    early = enrolled_client(today=today, week=17, version=v1)
    v2 = version_clone_as_draft(version=v1)
    version_publish(version=v2)
    assert late.sessions.count() < 10 < 60 < early.sessions.count()

    with django_assert_max_num_queries(40) as few:
        services.schedule_move_to_version(enrolment=late, version=v2, today=today)
    with django_assert_max_num_queries(len(few.captured_queries)):
        services.schedule_move_to_version(enrolment=early, version=v2, today=today)
    moved = early.sessions.filter(date__gt=today)
    assert set(moved.values_list("version", flat=True)) == {v2.pk}


def test_the_enrolment_admins_move_asks_first_then_moves_the_selected_client(client, setup):
    user, enrolment, _v1, v2, today = setup
    other = enrolled_client(today=today, version=enrolment.program_version)
    client.force_login(AdminFactory())
    url = reverse("admin:tracker_enrolment_changelist")
    data = {"action": "move_to_current_version", "_selected_action": [enrolment.pk]}

    asked = client.post(url, data)
    assert "Move 1 client to Aparicio 2023, version 2?" in html.unescape(asked.content.decode())
    assert set(enrolment.sessions.filter(date__gt=today).values_list("version", flat=True)) == {
        enrolment.program_version_id
    }

    client.post(url, {**data, "post": "yes"})
    assert set(enrolment.sessions.filter(date__gt=today).values_list("version", flat=True)) == {
        v2.pk
    }
    other.refresh_from_db()
    assert other.program_version_id != v2.pk  # not selected, not moved
