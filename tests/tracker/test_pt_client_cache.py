"""Her PT's client page (issue 19): its body comes from the cache on a second look, keyed by
her data version (`tracker.versions`), her date, the viewer, the viewer's time zone and the
`?swap=` asked (`tracker.views.pt.client_detail`). After any write about her or about what
the page shows, by a service or straight through the ORM, the page shows it; two viewers never
see each other's body; each request gets its own CSRF and one-time tokens."""

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.clock import pin
from tests.factories import (
    CareLinkFactory,
    ClientFactory,
    PTFactory,
    build_program_version,
    enrolled_client,
)
from tracker import fragments, selectors, services, versions
from tracker.models import Alert, PlanChange, PTNote, SafetyItem, ScheduledSession
from tracker.services.logs import LogInput
from users.idempotency import FORM_FIELD
from users.models import CareLink
from users.services import care_link_end, user_update_profile

pytestmark = [pytest.mark.django_db, pin()]

# A look served from the cache: the session, the viewer, her data version, the access check,
# the audit row and the layout's unread count. Nothing of the body.
HIT_QUERIES = 6


@pytest.fixture
def case():
    version = build_program_version(
        slug="aparicio2023", templates_per_phase=3, prescriptions_per_block=2
    )
    pt = PTFactory(full_name="Paula Terapeuta")
    user = ClientFactory()
    today = selectors.local_today(user)
    enrolled_client(
        today=today, client=user, version=version, pt=pt, start=today - dt.timedelta(days=14)
    )
    PTNote.objects.create(client=user, author=pt, text="First impressions")
    return pt, user


def _url(user, **query):
    url = reverse("tracker:pt_client", args=[user.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _look(client, user, **query) -> str:
    response = client.get(_url(user, **query))
    assert response.status_code == 200
    return response.content.decode()


def _hit(client, user, django_assert_max_num_queries, **query) -> str:
    with django_assert_max_num_queries(HIT_QUERIES):
        return _look(client, user, **query)


def _untokened(page: str) -> str:
    """The page without what each request makes anew (its tokens and its CSP nonce)."""
    page = re.sub(rf'(name="(?:csrfmiddlewaretoken|{FORM_FIELD})" value=")[^"]+', r"\1", page)
    return re.sub(r'((?:nonce|name="csrf-token" content)=")[^"]+', r"\1", page)


def _attended(page: str) -> tuple[int, int]:
    found = re.search(r'<div class="small">(\d+) / (\d+)</div>', page)
    return int(found[1]), int(found[2])


def test_the_second_look_is_served_from_the_cache(client, case, django_assert_max_num_queries):
    pt, user = case
    client.force_login(pt)

    first = _look(client, user)  # drawn (and the session saved once after logging in)
    again = _hit(client, user, django_assert_max_num_queries)

    for page in (first, again):
        assert "First impressions" in page and f'<h1 class="h3">{user}</h1>' in page
        assert f"<title>{user} · Prenafit</title>" in page  # the title, outside the body
        assert "js/sections.js" in page
    assert fragments.CSRF_PLACEHOLDER not in again
    assert fragments.ONE_TIME_PLACEHOLDER not in again


def test_each_look_is_audited_even_from_the_cache(client, case):
    from tracker.models import AuditEvent

    pt, user = case
    client.force_login(pt)
    before = AuditEvent.objects.count()

    _look(client, user)
    _look(client, user)

    events = AuditEvent.objects.order_by("pk")[before:]
    assert [(e.actor, e.what, e.client_ids) for e in events] == [(pt, "client page", [user.pk])] * 2


# --- every kind of write shows at once --------------------------------------------------------


def _log_a_past_session(pt, user):
    session = (
        ScheduledSession.objects.filter(client=user, date__lt=selectors.local_today(user))
        .order_by("date")
        .first()
    )
    services.session_log_record(
        client=user,
        session=session,
        data=LogInput(status="completed", performed_on=session.date, minutes=30, rpe=12),
        today=selectors.local_today(user),
    )


def _check_in(pt, user):
    services.assessment_record(
        client=user,
        vas_low_back_mm=47,
        vas_sciatic_mm=13,
        odi_answers=[1] * 10,
        pain_locations=["low_back"],
        symptoms=[],
        today=selectors.local_today(user),
    )


def _note(pt, user):
    services.note_add(client=user, author=pt, text="Walks more easily this week")


def _pause(pt, user):
    services.pt_pause(client=user, by=pt, reason="", today=selectors.local_today(user))


def _safety_item(pt, user):  # straight through the ORM
    SafetyItem.objects.create(
        client=user, kind=SafetyItem.Kind.HOLD, reason="Bleeding reported by phone"
    )


def _acknowledge(pt, user):
    services.alert_acknowledge(alert=Alert.objects.get(client=user), by=pt)


def _rename_exercise(pt, user):  # shared content, by a bulk update
    exercise = selectors.exercises_in_plan(selectors.enrolment_of(user)).first()
    type(exercise).objects.filter(pk=exercise.pk).update(name_en="Renamed side plank")


def _rename_her_pt(pt, user):
    pt.full_name = "Paula Renamed"
    pt.save()


def _rename_her(pt, user):
    user.full_name = "Renamed Client"
    user.save()


def _edit_a_note_by_sql(pt, user):  # no model, no signal: the trigger still sees it
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tracker_ptnote SET text = %s WHERE client_id = %s",
            ["Rewritten by raw SQL", user.pk],
        )


def _plan_change(pt, user):
    PlanChange.objects.create(client=user, changed_by=pt, description="Moved to evenings")


# Each write, and (what the page shows before, what it shows after).
WRITES = {
    "log": (_log_a_past_session, None),
    "check-in": (_check_in, (None, "47 mm")),
    "note": (_note, (None, "Walks more easily this week")),
    "pt action": (_pause, ("tracker:pt_pause", "tracker:pt_resume")),
    "safety item": (_safety_item, (None, "Bleeding reported by phone")),
    "alert acknowledged": (_acknowledge, ("tracker:pt_alert_ack", "acknowledged by Paula")),
    "exercise renamed": (_rename_exercise, (None, "Renamed side plank")),
    "her pt renamed": (_rename_her_pt, ("Paula Terapeuta", "Paula Renamed")),
    "she is renamed": (_rename_her, (None, '<h1 class="h3">Renamed Client</h1>')),
    "raw sql": (_edit_a_note_by_sql, ("First impressions", "Rewritten by raw SQL")),
    "plan change": (_plan_change, (None, "Moved to evenings")),
}


def _shown(marker, user) -> str | None:
    if marker is None or not marker.startswith("tracker:"):
        return marker
    if marker == "tracker:pt_alert_ack":
        alert = Alert.objects.get(client=user)
        return reverse(marker, args=[user.pk, alert.pk])
    return reverse(marker, args=[user.pk])


@pytest.mark.parametrize("write", sorted(WRITES))
def test_the_page_shows_each_kind_of_write_at_once(
    client, case, write, django_assert_max_num_queries
):
    pt, user = case
    Alert.objects.create(client=user, kind=Alert.Kind.WARNING_SIGN, pt=pt)
    client.force_login(pt)
    change, markers = WRITES[write]
    _look(client, user)
    before = _hit(client, user, django_assert_max_num_queries)  # from the cache

    change(pt, user)
    after = _look(client, user)

    assert after != before
    if markers is None:  # the log: one more session attended
        attended, scheduled = _attended(before)
        assert _attended(after) == (attended + 1, scheduled)
        return
    gone, new = (_shown(m, user) for m in markers)
    assert new not in before and new in after
    if gone is not None:
        assert gone in before and gone not in after
    assert _untokened(_hit(client, user, django_assert_max_num_queries)) == _untokened(after)


def test_her_new_day_draws_the_page_again(client, case, django_assert_max_num_queries):
    pt, user = case
    client.force_login(pt)
    _look(client, user)
    _hit(client, user, django_assert_max_num_queries)
    today = selectors.local_today(user)

    # Just past her midnight (hours later: the entry itself is kept a day).
    midnight = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0, 5))
    with time_machine.travel(midnight.replace(tzinfo=zoneinfo.ZoneInfo(user.time_zone))):
        assert selectors.local_today(user) == today + dt.timedelta(days=1)
        with CaptureQueriesContext(connection) as drawn:
            _look(client, user)  # drawn for her new date
        _hit(client, user, django_assert_max_num_queries)
    assert len(drawn) > HIT_QUERIES


# --- per viewer, per request ------------------------------------------------------------------


def _held_still(monkeypatch):
    """Her version held still: only the other inputs of the key can tell bodies apart."""
    monkeypatch.setattr(versions, "client_version", lambda client: "held still")


@pytest.mark.parametrize("same_version", [False, True])
def test_two_viewers_never_see_each_others_body(
    client, case, same_version, monkeypatch, django_assert_max_num_queries
):
    """Her PT hands her over to another (which changes her version, unless held still)."""
    pt, user = case
    if same_version:
        _held_still(monkeypatch)
    edit = reverse("tracker:pt_note_edit", args=[user.pk, PTNote.objects.get(client=user).pk])
    other = PTFactory(full_name="Olga Otra", time_zone=pt.time_zone)
    as_other = Client()
    as_other.force_login(other)
    client.force_login(pt)
    mine = _look(client, user)
    mine_again = _hit(client, user, django_assert_max_num_queries)

    care_link_end(link=CareLink.objects.get(client=user, pt=pt), ended_by=pt)
    CareLinkFactory(pt=other, client=user)
    theirs = _look(as_other, user)
    theirs_again = _hit(as_other, user, django_assert_max_num_queries)

    for page in (mine, mine_again):  # her note's author may edit it; the other PT may not
        assert f'href="{edit}"' in page
    for page in (theirs, theirs_again):
        assert f'href="{edit}"' not in page and "First impressions" in page


@pytest.mark.parametrize("same_version", [False, True])
def test_times_are_in_the_viewers_time_zone(client, case, same_version, monkeypatch):
    """Her PT moves to New York (which changes the shared version, unless held still)."""
    pt, user = case
    if same_version:
        _held_still(monkeypatch)
    created = Alert.objects.create(client=user, kind=Alert.Kind.WARNING_SIGN, pt=pt).created_at
    madrid = timezone.localtime(created, zoneinfo.ZoneInfo(pt.time_zone)).strftime("%H:%M")
    new_york = timezone.localtime(created, zoneinfo.ZoneInfo("America/New_York"))
    new_york = new_york.strftime("%H:%M")
    client.force_login(pt)
    before = _look(client, user)

    user_update_profile(
        user=pt, full_name=pt.full_name, time_zone="America/New_York", language=pt.language
    )
    after = _look(client, user)

    assert madrid != new_york
    assert madrid in before and new_york not in before
    assert new_york in after and madrid not in after


def test_the_exercise_asked_about_is_its_own_body(client, case, django_assert_max_num_queries):
    pt, user = case
    client.force_login(pt)
    chosen = selectors.exercises_in_plan(selectors.enrolment_of(user)).first()
    swap = reverse("tracker:pt_swap", args=[user.pk])
    selected = f'<option value="{chosen.pk}" selected>'

    plain = _look(client, user)
    asked = _look(client, user, swap=chosen.pk)

    assert selected not in plain and f'action="{swap}"' not in plain
    assert selected in asked
    assert selected not in _hit(client, user, django_assert_max_num_queries)
    assert selected in _hit(client, user, django_assert_max_num_queries, swap=chosen.pk)


def _tokens(page: str) -> tuple[list[str], list[str]]:
    csrf = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    once = re.findall(rf'name="{FORM_FIELD}" value="([^"]+)"', page)
    return csrf, once


def test_each_request_gets_its_own_tokens_and_its_forms_work(case, django_assert_max_num_queries):
    pt, user = case
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(pt)

    first = _look(browser, user)
    second = _hit(browser, user, django_assert_max_num_queries)

    (csrf1, once1), (csrf2, once2) = _tokens(first), _tokens(second)
    assert csrf1 and once1 and len(csrf2) == len(csrf1) and len(once2) == len(once1)
    assert len(set(once2)) == len(once2)  # one per form
    assert not set(once1) & set(once2)  # and new for each request
    assert fragments.CSRF_PLACEHOLDER not in second
    nonce = re.search(r'<script src="[^"]*sections\.js" nonce="([^"]+)"', second)[1]
    assert nonce in second and nonce not in first
    # The note form of the page from the cache sends, once.
    action = reverse("tracker:pt_note_add", args=[user.pk])
    markup = re.search(rf'<form method="post" action="{action}"[^>]*>(.*?)</form>', second)[1]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]+)"', markup))
    response = browser.post(action, {**fields, "text": "Sent from the cached page"})
    assert response.status_code == 302
    assert PTNote.objects.filter(client=user, text="Sent from the cached page").count() == 1
    assert "Sent from the cached page" in _look(browser, user)


def test_a_cache_that_fails_costs_only_the_drawing(client, case, monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("the cache is down")

    pt, user = case
    client.force_login(pt)
    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)

    for _ in range(2):
        assert "First impressions" in _look(client, user)
