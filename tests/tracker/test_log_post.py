"""Posting a session's log reads only what checking and saving it needs (her checklist's ids,
not its exercises); a refused log's form is drawn again with her checklist as she reads it."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from programs.models import Exercise
from tests.clock import pin
from tests.factories import ClientFactory, PTFactory, build_program_version, enrolled_client
from tracker import services
from tracker.models import ExerciseLog, ScheduledSession, SessionLog
from tracker.selectors import local_today, session_checklist

pytestmark = [pytest.mark.django_db, pin()]

# Her session and account; her checklist's ids (which finds her session too); in the
# transaction (a savepoint here: two statements) the session locked with its log, her state,
# the log and all its lines. Her enrolment and first day are not read for a log dated on or
# after the session's day.
LOG_QUERIES = 9


def enrolled(lines_per_block: int):
    version = build_program_version(
        slug=f"program-{lines_per_block}", prescriptions_per_block=lines_per_block
    )
    pt, her = PTFactory(), ClientFactory()
    today = local_today(her)
    enrolled_client(today=today, client=her, version=version, pt=pt, weekdays=(0, 2, 4))
    session = ScheduledSession.objects.filter(client=her, date__gte=today).order_by("date").first()
    return her, pt, session


def log_form(session, **fields) -> dict:
    return {
        "status": "completed",
        "performed_on": min(session.date, local_today(session.client)).isoformat(),
        "minutes": "45",
        "rpe": "13",
        **fields,
    }


def post(client, session, data):
    return client.post(reverse("tracker:session_log", args=[session.pk]), data)


def test_a_posted_log_saves_every_line_with_no_more_queries_for_more_lines(
    client, django_assert_max_num_queries, time_machine
):
    counts = []
    for lines_per_block in (1, 4):
        her, _pt, session = enrolled(lines_per_block)
        time_machine.move_to(f"{session.date.isoformat()}T19:00:00+01:00", tick=False)
        lines = session_checklist(session)
        client.force_login(her)
        client.get(reverse("home"))  # her consent, once a session
        data = log_form(session, **{f"rx_{rx.pk}_done": "on" for rx in lines[:2]})
        data[f"rx_{lines[0].pk}_sets"] = "2"
        with django_assert_max_num_queries(LOG_QUERIES) as queries:
            assert post(client, session, data).status_code == 302
        counts.append(len(queries.captured_queries))
        saved = ExerciseLog.objects.filter(log__session=session).order_by("pk")
        assert [line.prescription_id for line in saved] == [rx.pk for rx in lines]
        assert [line.done for line in saved] == [True, True] + [False] * (len(lines) - 2)
        assert saved[0].sets_done == 2
    assert counts[0] == counts[1]


def test_a_refused_log_is_drawn_again_with_her_checklist_as_she_reads_it(client, time_machine):
    her, pt, session = enrolled(2)
    time_machine.move_to(f"{session.date.isoformat()}T19:00:00+01:00", tick=False)
    original = session_checklist(session)[0]
    replacement = Exercise.objects.filter(kind=original.exercise.kind).exclude(
        pk=original.exercise.pk
    )[0]
    services.exercise_swap(
        client=her,
        original=original.exercise,
        replacement=replacement,
        by=pt,
        today=session.date - dt.timedelta(days=1),
    )
    client.force_login(her)
    data = log_form(session, rpe="", **{f"rx_{original.pk}_load": "3 kg"})

    response = post(client, session, data)

    page = response.content.decode()
    assert response.status_code == 200 and not SessionLog.objects.exists()
    assert "How hard did it feel?" in page  # the refusal, next to its field
    assert replacement.name in page and session.template.name in page
    assert 'value="3 kg"' in page  # what she typed is kept


def test_a_log_for_a_session_logged_meanwhile_is_refused_and_nothing_is_saved_twice(time_machine):
    her, _pt, session = enrolled(1)
    time_machine.move_to(f"{session.date.isoformat()}T19:00:00+01:00", tick=False)
    from tracker.services.logs import LogInput

    # Saved by another door (the API, the offline sync) after her page was read: the service
    # reads the session again, locked, with its log.
    stale = ScheduledSession.objects.get(pk=session.pk)
    services.session_log_record(
        client=her,
        session=session,
        data=LogInput(status="completed", performed_on=session.date, minutes=30, rpe=12),
        today=session.date,
    )
    with pytest.raises(ValidationError, match="already logged"):
        services.session_log_record(
            client=her,
            session=stale,
            data=LogInput(status="completed", performed_on=session.date, minutes=30, rpe=12),
            today=session.date,
        )
    assert SessionLog.objects.filter(session=session).count() == 1


def test_a_bad_value_on_a_line_is_refused_and_shown_by_that_line(client, time_machine):
    """A posted log's lines are checked by the form's own line fields: a number of sets out of
    range or a load with a line break is refused, nothing is saved, and the form drawn again
    says so by the line, with what she typed."""
    her, _pt, session = enrolled(2)
    time_machine.move_to(f"{session.date.isoformat()}T19:00:00+01:00", tick=False)
    first, second = session_checklist(session)[:2]
    client.force_login(her)
    data = log_form(
        session,
        **{f"rx_{first.pk}_done": "on", f"rx_{first.pk}_sets": "25"},
        **{f"rx_{second.pk}_load": "2 kg\nand more"},
    )

    response = post(client, session, data)

    page = response.content.decode()
    assert response.status_code == 200 and not SessionLog.objects.exists()
    assert "Enter a number of sets from 0 to 20." in page
    assert 'value="25"' in page
    assert page.count('class="invalid-feedback') >= 2  # one by each line's field


def test_a_post_to_a_logged_session_updates_its_log_and_keeps_the_earlier_one(client, time_machine):
    """The form's save decides under the session's lock: a session logged already (say in
    another tab) has its log updated, with the earlier version kept, never a second log."""
    her, _pt, session = enrolled(1)
    time_machine.move_to(f"{session.date.isoformat()}T19:00:00+01:00", tick=False)
    client.force_login(her)
    assert post(client, session, log_form(session, minutes="30")).status_code == 302

    response = post(client, session, log_form(session, minutes="50"))

    assert response.status_code == 302
    log = SessionLog.objects.get(session=session)
    assert log.minutes == 50 and log.revisions.count() == 1
    assert "Log updated." in [str(m) for m in response.wsgi_request._messages]


def test_a_post_for_another_clients_session_is_not_found(client, time_machine):
    her, _pt, session = enrolled(1)
    time_machine.move_to(f"{session.date.isoformat()}T19:00:00+01:00", tick=False)
    client.force_login(ClientFactory())

    assert post(client, session, log_form(session)).status_code == 404
    assert not SessionLog.objects.exists()
