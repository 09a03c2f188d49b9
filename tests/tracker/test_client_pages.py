"""The client's pages through the test client: forms, refusals, states, feed, query counts."""

import datetime as dt

import pytest
from django.urls import reverse
from icalendar import Calendar

from programs.models import Exercise, Prescription
from tests.clock import THURSDAY_NOVEMBER, pin
from tests.factories import (
    CareLinkFactory,
    ClientFactory,
    PTFactory,
    build_program_version,
    enrolled_client,
)
from tracker import services
from tracker.models import Enrolment, PregnancyProfile, ScheduledSession, Screening
from tracker.safety import state_of
from tracker.selectors import local_today

TODAY = THURSDAY_NOVEMBER.date()

pytestmark = [pytest.mark.django_db, pin(THURSDAY_NOVEMBER)]


@pytest.fixture
def version():
    return build_program_version(slug="aparicio2023")


def test_new_client_goes_from_due_date_to_screen_to_enrolment(client, version):
    user = ClientFactory()
    client.force_login(user)
    today = local_today(user)
    assert "Enter your due date" in client.get(reverse("home")).content.decode()

    due = today + dt.timedelta(days=280 - 7 * 20)
    response = client.post(reverse("tracker:pregnancy"), {"due_date": due.isoformat()})
    assert response["Location"] == reverse("tracker:screening")

    from tracker.models import ScreeningQuestion

    answers = {q.key: "no" for q in ScreeningQuestion.objects.all()}
    response = client.post(reverse("tracker:screening"), answers, follow=True)
    assert "Nothing in your answers stands in the way" in response.content.decode()

    response = client.post(
        reverse("tracker:enrol"),
        {
            "weekdays": ["0", "1", "4"],
            "start_time": "07:30",
            "time_zone": "Europe/Madrid",
            "version": version.pk,
        },
        follow=True,
    )
    page = response.content.decode()
    assert "You are enrolled" in page
    assert "Monday and Tuesday are back to back" in page  # a warning, not a refusal
    enrolment = Enrolment.objects.get(client=user)
    assert enrolment.weekdays == [0, 1, 4] and enrolment.start_time == dt.time(7, 30)
    first = enrolment.sessions.earliest("date").date  # her first session, not 17+0
    assert f"The first is on {first:%A} {first.day} {first:%B}." in page


def test_a_due_date_in_the_past_is_refused_next_to_the_field(client):
    user = ClientFactory()
    client.force_login(user)
    response = client.post(reverse("tracker:pregnancy"), {"due_date": "2020-01-01"})
    assert response.status_code == 200
    assert "Your due date is in the past" in str(response.context["form"].errors["due_date"])
    assert not PregnancyProfile.objects.filter(client=user).exists()


def test_an_unanswered_screen_question_is_refused_next_to_it(client):
    user = ClientFactory()
    client.force_login(user)
    response = client.post(reverse("tracker:screening"), {"anaemia": "no"})
    assert response.status_code == 200
    assert "Answer yes or no." in str(response.context["form"].errors["placenta_previa"])
    assert not Screening.objects.filter(client=user).exists()


def test_enrolment_needs_exactly_three_days(client, version):
    user = ClientFactory()
    client.force_login(user)
    today = local_today(user)
    client.post(
        reverse("tracker:pregnancy"), {"due_date": (today + dt.timedelta(days=150)).isoformat()}
    )
    from tracker.models import ScreeningQuestion

    client.post(
        reverse("tracker:screening"), {q.key: "no" for q in ScreeningQuestion.objects.all()}
    )
    response = client.post(
        reverse("tracker:enrol"),
        {"weekdays": ["0", "2"], "start_time": "18:00", "time_zone": "UTC", "version": version.pk},
    )
    assert "Choose exactly three days a week." in str(response.context["form"].errors["weekdays"])
    assert not Enrolment.objects.filter(client=user).exists()


def test_home_shows_todays_session_block_by_block_with_heart_rate_in_bpm(client, version):
    user = ClientFactory()
    today = local_today(user)
    enrolled_client(
        today=today, week=24, client=user, version=version, weekdays=_three_days_with(today)
    )
    client.force_login(user)

    page = client.get(reverse("home")).content.decode()

    assert "Today: session" in page
    assert "Warm-up" in page and "Cool-down and stretching" in page
    assert "Effort 12-14 on the 6-20 scale" in page


def test_home_keeps_todays_blocks_until_what_they_show_changes(client, version, monkeypatch):
    """Today's blocks are kept under a digest of everything they show: a second visit is a
    cache hit, and an exercise renamed in the library shows at once (nothing is deleted)."""
    from django.core.cache import cache

    from tracker import fragments

    written = []

    class Spy:
        def get(self, key, *args, **kwargs):
            return cache.get(key, *args, **kwargs)

        def set(self, key, value, *args, **kwargs):
            written.append(key)
            return cache.set(key, value, *args, **kwargs)

    monkeypatch.setattr(fragments, "cache", Spy())
    user = ClientFactory()
    today = local_today(user)
    enrolled_client(
        today=today, week=24, client=user, version=version, weekdays=_three_days_with(today)
    )
    client.force_login(user)
    first = client.get(reverse("home")).content.decode()
    assert "Today: session" in first

    written.clear()
    assert client.get(reverse("home")).content.decode().count("list-group-item") == first.count(
        "list-group-item"
    )
    assert written == []

    session = ScheduledSession.objects.get(client=user, date=today)
    rx = Prescription.objects.filter(block__template=session.template).first()
    Exercise.objects.filter(pk=rx.exercise_id).update(name_en="Renamed in the library")
    page = client.get(reverse("home")).content.decode()

    assert "Renamed in the library" in page
    assert [k for k in written if k.startswith("fragment:session-blocks:")]


def test_home_finds_todays_and_the_next_session_past_any_cancelled_ones(version):
    """Home reads today's and the next session in one query of her first few; past a few
    cancelled ones it asks again, so it always shows what the two plain queries would."""
    import uuid

    from tracker.selectors import _today_and_next, next_session, sessions_of

    user = ClientFactory()
    today = local_today(user)
    enrolment = enrolled_client(
        today=today, week=24, client=user, version=version, weekdays=_three_days_with(today)
    )

    def plain():
        todays = sessions_of(user).filter(date=today, status="scheduled").first()
        return todays, next_session(user, today + dt.timedelta(days=1))

    coming = list(enrolment.sessions.filter(date__gt=today).order_by("date", "start_time"))
    for cancelled in range(6):
        ScheduledSession.objects.filter(pk__in=[s.pk for s in coming[:cancelled]]).update(
            status="cancelled", cancel_reason="moved"
        )
        assert _today_and_next(user, today) == plain()
        assert plain()[0] is not None and plain()[1] == coming[cancelled]

    todays = ScheduledSession.objects.get(client=user, date=today)
    for hour in range(5):  # cancelled ones earlier today
        ScheduledSession.objects.filter(pk=todays.pk).update(start_time=dt.time(20, 0))
        earlier = ScheduledSession.objects.get(pk=todays.pk)
        earlier.pk, earlier.uid, earlier.start_time = None, uuid.uuid4(), dt.time(8 + hour, 0)
        earlier.status, earlier.cancel_reason = "cancelled", "moved"
        earlier.save()
    assert _today_and_next(user, today) == plain()
    assert _today_and_next(user, today)[0].pk == todays.pk


def _three_days_with(day):
    d = day.weekday()
    return sorted({d, (d + 2) % 7, (d + 4) % 7})


def test_home_before_week_17_says_when_the_program_starts(client, version):
    user = ClientFactory()
    today = local_today(user)
    enrolled_client(today=today, week=12, client=user, version=version)
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    first = ScheduledSession.objects.filter(enrolment__client=user).earliest("date")
    days = (first.date - today).days
    assert "Your program starts in week 17: your first session is on" in page
    assert f"{first.date:%A} {first.date.day} {first.date:%B}" in page and f"in {days} days" in page


def test_pending_clearance_is_shown_on_home(client, version):
    user = ClientFactory()
    pt = PTFactory()
    CareLinkFactory(pt=pt, client=user)
    today = local_today(user)
    enrolled_client(today=today, week=24, client=user, version=version)
    from tracker.models import ScreeningQuestion

    answers = {q.key: False for q in ScreeningQuestion.objects.all()} | {"anaemia": True}
    services.screening_submit(client=user, answers=answers, today=today)
    client.force_login(user)
    page = client.get(reverse("home")).content.decode()
    assert "Waiting for clearance" in page
    assert f"Your PT {pt} will review this" in page
    assert "Log this session" not in page  # no session prompt while she waits


def test_a_client_cannot_open_another_clients_session(client, version):
    mine = enrolled_client(today=TODAY, client=ClientFactory(), version=version)
    theirs = enrolled_client(today=TODAY, client=ClientFactory(), version=version)
    client.force_login(mine.client)
    other_session = theirs.sessions.first()
    assert client.get(reverse("tracker:session", args=[other_session.pk])).status_code == 404
    response = client.post(
        reverse("tracker:session_reschedule", args=[other_session.pk]), {"date": "2030-01-01"}
    )
    assert response.status_code == 404
    assert ScheduledSession.objects.get(pk=other_session.pk).date == other_session.date


def test_rescheduling_from_the_session_page_confirms_and_refuses_past_dates(client, version):
    user = ClientFactory()
    today = local_today(user)
    enrolment = enrolled_client(today=today, client=user, version=version)
    session = enrolment.sessions.filter(date__gt=today).order_by("date").first()
    client.force_login(user)

    past = client.post(
        reverse("tracker:session_reschedule", args=[session.pk]),
        {"date": "2020-01-01"},
        follow=True,
    )
    assert "You cannot move a session into the past." in past.content.decode()

    free_day = next(
        session.date + dt.timedelta(days=n)
        for n in range(1, 7)
        if (session.date + dt.timedelta(days=n)).weekday() not in enrolment.weekdays
    )
    moved = client.post(
        reverse("tracker:session_reschedule", args=[session.pk]),
        {"date": free_day.isoformat()},
        follow=True,
    )
    assert "Session moved to" in moved.content.decode()
    session.refresh_from_db()
    assert session.date == free_day


def test_calendar_feed_has_one_event_per_active_session_and_dies_when_regenerated(client, version):
    user = ClientFactory()
    today = local_today(user)
    enrolment = enrolled_client(today=today, client=user, version=version)
    session = enrolment.sessions.order_by("date").first()
    services.session_reschedule(
        session=session, new_date=session.date + dt.timedelta(days=1), today=today
    )
    cancelled = enrolment.sessions.order_by("-date").first()
    ScheduledSession.objects.filter(pk=cancelled.pk).update(status="cancelled")
    old_url = reverse("tracker:calendar_feed", args=[enrolment.feed_token])

    response = client.get(old_url)
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    active = enrolment.sessions.filter(status="scheduled")
    assert len(events) == active.count()
    by_uid = {str(e["UID"]): e for e in events}
    moved = by_uid[f"{session.uid}@prenafit"]
    assert int(moved["SEQUENCE"]) == 1
    assert moved.decoded("DTSTART").date() == session.date + dt.timedelta(days=1)
    assert f"{cancelled.uid}@prenafit" not in by_uid
    assert moved.walk("VALARM")[0].decoded("TRIGGER") == dt.timedelta(minutes=-60)

    client.force_login(user)
    client.post(reverse("tracker:feed_regenerate"))
    assert client.get(old_url).status_code == 404
    enrolment.refresh_from_db()
    assert (
        client.get(reverse("tracker:calendar_feed", args=[enrolment.feed_token])).status_code == 200
    )


def test_pt_records_clearance_for_her_client_only(client, version):
    pt, other_pt = PTFactory(), PTFactory()
    user = ClientFactory()
    CareLinkFactory(pt=pt, client=user)
    today = local_today(user)
    enrolment = enrolled_client(today=today, client=user, version=version)
    from tracker.models import ScreeningQuestion

    answers = {q.key: False for q in ScreeningQuestion.objects.all()} | {"anaemia": True}
    services.screening_submit(client=user, answers=answers, today=today)  # pauses

    client.force_login(other_pt)
    url = reverse("tracker:pt_clearance", args=[user.pk])
    assert client.post(url, {"provider": "Dr X"}).status_code == 404

    client.force_login(pt)
    question = ScreeningQuestion.objects.get(key="anaemia")
    assert question.text in client.get(url).content.decode()
    response = client.post(
        url, {"provider": "Dr Ruiz, midwife", "note": "OK to exercise"}, follow=True
    )
    assert "Clearance recorded" in response.content.decode()
    assert state_of(enrolment.client).state == "active"


@pytest.mark.parametrize("url_name", ["tracker:calendar", "tracker:week", "home"])
def test_client_pages_run_a_bounded_number_of_queries(
    client, version, url_name, django_assert_max_num_queries
):
    short = ClientFactory()
    today = local_today(short)
    enrolled_client(today=today, week=40, client=short, version=version)
    long = ClientFactory()
    enrolled_client(
        today=today, week=24, client=long, version=version, start=today - dt.timedelta(days=49)
    )
    for _ in range(10):
        enrolled_client(today=today, client=ClientFactory(), version=version)

    client.force_login(short)
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse(url_name)).status_code == 200
    client.force_login(long)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(url_name)).status_code == 200
