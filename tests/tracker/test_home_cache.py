"""Her home page's body comes from the cache, keyed by her data version (tracker/versions.py),
her local day and her time zone (tracker.views.home): the second visit reads no more than the
layout does, and any write about her or the shared content, by any door, is on the next page.
"""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from programs.models import Exercise
from tests.clock import THURSDAY_NOVEMBER, pin
from tests.factories import ClientFactory, PTFactory, build_program_version, enrolled_client
from tracker import services, views
from tracker.models import Alert, SafetyItem, ScheduledSession
from tracker.selectors import local_today, session_checklist
from users.idempotency import FORM_FIELD
from users.models import User

pytestmark = [pytest.mark.django_db, pin(THURSDAY_NOVEMBER)]

HOME = reverse("home")
# A hit: her session, her account, her data version, the layout's unread count.
HIT_QUERIES = 4


@pytest.fixture
def version():
    return build_program_version(slug="aparicio2023")


@pytest.fixture
def pt():
    return PTFactory(full_name="Marta Ruiz")


def enrol(version, pt=None, name="Lucía Gómez", **kwargs):
    """A client at 24+0 today, enrolled Tuesday, Thursday and Saturday: a session today."""
    her = ClientFactory(full_name=name, **kwargs)
    enrolled_client(
        today=local_today(her), week=24, client=her, version=version, weekdays=(1, 3, 5), pt=pt
    )
    return her


@pytest.fixture
def her(version, pt):
    return enrol(version, pt)


@pytest.fixture
def draws(monkeypatch):
    """How many times her home's body was drawn (its data read) rather than taken from the
    cache."""
    calls = []
    original = views._client_home_context

    def counted(user, today):
        calls.append(user.pk)
        return original(user, today)

    monkeypatch.setattr(views, "_client_home_context", counted)
    return calls


def body(page: str) -> str:
    """The page's main part, with the per-request tokens blanked."""
    main = page[page.index("<main") : page.index("</main>")]
    main = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "csrf", main)
    return re.sub(rf'name="{FORM_FIELD}" value="[^"]+"', "once", main)


def home(http) -> str:
    response = http.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def logged_in(user) -> Client:
    http = Client()
    http.force_login(user)
    return http


def today_session(her) -> ScheduledSession:
    return ScheduledSession.objects.get(client=her, date=local_today(her))


def test_the_second_visit_is_served_from_the_cache(her, draws, django_assert_max_num_queries):
    http = logged_in(her)
    first = home(http)
    assert draws == [her.pk]
    assert "Today: session" in first and "Your physical therapist is Marta Ruiz." in first

    with django_assert_max_num_queries(HIT_QUERIES):
        again = home(http)

    assert draws == [her.pk]  # nothing of hers was read again
    assert body(again) == body(first)


def test_the_same_page_as_drawn_without_the_cache(her, draws, settings):
    http = logged_in(her)
    cached = [home(http), home(http)]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    uncached = home(http)
    assert len(draws) == 2  # the dummy cache keeps nothing
    assert body(cached[0]) == body(cached[1]) == body(uncached)


def test_a_log_shows_at_once_through_the_service_and_the_orm(her, draws):
    http = logged_in(her)
    assert "Log this session" in home(http)
    session = today_session(her)

    response = http.post(
        reverse("tracker:session_log", args=[session.pk]),
        {
            "status": "completed",
            "performed_on": session.date.isoformat(),
            "minutes": "60",
            "rpe": "13",
        },
    )
    assert response.status_code == 302
    page = home(http)
    assert "Edit your log" in page and "state-done" in page and "Start guided session" not in page

    session.log.__class__.objects.filter(session=session).update(status="skipped")  # any door
    assert "state-skipped" in home(http)
    assert len(draws) == 3


def test_a_check_in_shows_at_once(her):
    http = logged_in(her)
    assert "Your baseline pain check-in is due." in home(http)
    services.assessment_record(
        client=her,
        vas_low_back_mm=20,
        vas_sciatic_mm=5,
        odi_answers=[1] * 10,
        pain_locations=[],
        symptoms=[],
        today=local_today(her),
    )
    assert "Your baseline pain check-in is due." not in home(http)


def test_a_pt_pause_a_safety_item_and_its_closing_by_the_orm_show_at_once(her, pt):
    http = logged_in(her)
    assert "safety-notice" not in home(http)

    services.pt_pause(client=her, by=pt, reason="Holiday", today=local_today(her))
    page = home(http)
    assert "Marta Ruiz paused your program" in page and "Reason: Holiday" in page

    services.pt_resume(client=her, by=pt, today=local_today(her))
    services.hold_open(client=her, signs=["dizziness"], by=her, alert_kind=Alert.Kind.WARNING_SIGN)
    page = home(http)
    assert "Your sessions are on hold." in page and "Dizziness" in page

    SafetyItem.objects.filter(client=her).update(closed_at=THURSDAY_NOVEMBER)  # no service
    page = home(http)
    assert "safety-notice" not in page and "Today: session" in page


def test_writes_her_page_does_not_show_still_draw_it_again(her, pt, draws):
    """A note or an acknowledged alert changes nothing she sees, but her version moves with
    any write about her: the body is drawn again, never served from a key that could be
    stale."""
    http = logged_in(her)
    home(http)
    services.note_add(client=her, author=pt, text="Watch her form on squats")
    home(http)
    hold = services.hold_open(
        client=her, signs=["headache"], by=her, alert_kind=Alert.Kind.WARNING_SIGN
    )
    home(http)
    services.alert_acknowledge(alert=hold.alert, by=pt)
    home(http)
    home(http)
    assert len(draws) == 4


def test_shared_content_and_names_show_at_once(her, pt):
    http = logged_in(her)
    line = session_checklist(today_session(her))[0]
    assert line.exercise.name in home(http)

    Exercise.objects.filter(pk=line.exercise.pk).update(name="Wall squat, renamed")
    assert "Wall squat, renamed" in home(http)

    User.objects.filter(pk=pt.pk).update(full_name="Marta Ruiz Soler")
    assert "Your physical therapist is Marta Ruiz Soler." in home(http)

    her.full_name = "Carmen Gómez"
    her.save(update_fields=["full_name"])
    assert "Hello, Carmen" in home(http)


def test_a_swap_her_pt_makes_shows_at_once(her, pt, time_machine):
    # Saturday, her next session: her PT's swap takes effect from the day after the one given.
    time_machine.move_to(THURSDAY_NOVEMBER + dt.timedelta(days=2), tick=False)
    http = logged_in(her)
    original = session_checklist(today_session(her))[0].exercise
    assert "chosen by your PT" not in home(http)
    replacement = Exercise.objects.filter(kind=original.kind).exclude(pk=original.pk).first()
    services.exercise_swap(
        client=her,
        original=original,
        replacement=replacement,
        by=pt,
        today=local_today(her) - dt.timedelta(days=1),
    )
    assert f"instead of {original.name}, chosen by your PT" in home(http)


def test_what_depends_on_the_day_follows_the_day_not_the_hour(her, draws, time_machine):
    """Nothing on her home depends on the hour: the same day at 07:00 and at 22:00 in Madrid is
    the same page (one draw); her local midnight makes a new one."""
    http = logged_in(her)
    morning = THURSDAY_NOVEMBER.replace(hour=6)  # 07:00 in Madrid
    time_machine.move_to(morning, tick=False)
    first = home(http)
    assert "Log this session" in first
    time_machine.move_to(morning.replace(hour=21), tick=False)  # 22:00, after her 18:00 session
    assert body(home(http)) == body(first)  # "today" is a day, not a time
    assert len(draws) == 1
    time_machine.move_to(morning.replace(hour=23, minute=30), tick=False)  # 00:30 Friday
    page = home(http)
    assert "Today: session" not in page and "No session today" in page


def test_her_time_zone_is_part_of_the_key(her, time_machine):
    http = logged_in(her)
    time_machine.move_to(THURSDAY_NOVEMBER.replace(hour=23, minute=30), tick=False)
    assert "No session today" in home(http)  # 00:30 on Friday in Madrid
    User.objects.filter(pk=her.pk).update(time_zone="America/New_York")  # 18:30 on Thursday
    assert "Today: session" in home(http)


def test_two_clients_never_see_each_others_part(version, pt, draws):
    one, other = enrol(version, pt, name="Ana Uno"), enrol(version, pt, name="Eva Otra")
    first, second = logged_in(one), logged_in(other)
    assert "Hello, Ana" in home(first)
    page = home(second)
    assert "Hello, Eva" in page and "Ana" not in page
    assert "Hello, Ana" in home(first) and "Hello, Eva" in home(second)
    assert sorted(draws) == sorted([one.pk, other.pk])


def test_her_language_is_part_of_the_key(her):
    http = logged_in(her)
    assert "Log this session" in home(http)
    User.objects.filter(pk=her.pk).update(language="es")
    page = home(http)
    assert "Log this session" not in page and "Registrar esta sesión" in page


def test_each_request_gets_its_own_tokens_in_a_cached_form(her, pt, draws):
    """Her "tell my PT I've been seen" form, from the cache: this request's CSRF token (the
    form can be sent) and a fresh one-time token each time."""
    services.hold_open(client=her, signs=["dizziness"], by=her, alert_kind=Alert.Kind.WARNING_SIGN)
    http = Client(enforce_csrf_checks=True)
    http.force_login(her)
    pages = [home(http), home(http)]
    assert len(draws) == 1
    tokens = [re.findall(rf'name="{FORM_FIELD}" value="([^"]+)"', page) for page in pages]
    assert all(len(found) == 1 for found in tokens) and tokens[0] != tokens[1]
    assert "placeholder" not in pages[1]
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', pages[1]).group(1)
    response = http.post(
        reverse("tracker:safety_seen"),
        {
            "csrfmiddlewaretoken": csrf,
            FORM_FIELD: tokens[1][0],
            "provider": "Dr Vidal, midwife",
            "seen_on": local_today(her).isoformat(),
        },
    )
    assert response.status_code == 302  # accepted: not a CSRF failure
    assert body(pages[0]) == body(pages[1])


def test_flash_messages_stay_outside_the_cached_part(her):
    http = logged_in(her)
    home(http)
    session = today_session(her)
    http.post(
        reverse("tracker:session_log", args=[session.pk]),
        {
            "status": "completed",
            "performed_on": session.date.isoformat(),
            "minutes": "60",
            "rpe": "13",
        },
    )
    assert "Session logged. Well done!" in home(http)
    assert "Session logged. Well done!" not in home(http)  # a hit, without the message
