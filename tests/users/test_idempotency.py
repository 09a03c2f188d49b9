"""Writes happen once, whichever door sends them twice: the API's `Idempotency-Key` and the web
forms' one-time token (users/idempotency.py). A retry gets the first answer and writes nothing;
the same key with a different request answers 422; a refusal leaves the key free."""

import datetime as dt
import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from tests.clock import WEDNESDAY_MORNING, pin
from tests.factories import ClientFactory, PTFactory, enrolled_client
from tests.tracker.test_races import meet_before, on_postgresql, race
from tracker.models import Assessment, PTNote, SessionLog
from tracker.selectors import local_today
from users.idempotency import ALREADY_SAVED, ERR_KEY_REUSED, KEEP, request_keys_prune
from users.models import RequestKey

pytestmark = [pytest.mark.django_db, pin()]


@pytest.fixture
def her(reference_data):
    enrolment = enrolled_client(today=WEDNESDAY_MORNING.date(), week=24)
    return enrolment.client


def extra_log(client, **changes) -> dict:
    body = {
        "status": "completed",
        "performed_on": local_today(client).isoformat(),
        "minutes": 40,
        "rpe": 12,
        "notes": "Walked by the river.",
    }
    return body | changes


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def post(api, path, body, key):
    return api.post(path, body, format="json", headers={"Idempotency-Key": key})


# --- the API ----------------------------------------------------------------------------------


def test_an_api_retry_with_the_same_key_returns_the_first_answer_and_logs_once(her):
    api, key = api_for(her), str(uuid.uuid4())

    first = post(api, "/api/v1/me/logs/", extra_log(her), key)
    again = post(api, "/api/v1/me/logs/", extra_log(her), key)

    assert first.status_code == 201, first.content
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert SessionLog.objects.filter(client=her).count() == 1


def test_without_a_key_two_posts_make_two_extra_logs(her):
    api = api_for(her)

    api.post("/api/v1/me/logs/", extra_log(her), format="json")
    api.post("/api/v1/me/logs/", extra_log(her), format="json")

    assert SessionLog.objects.filter(client=her).count() == 2


def test_a_phone_replaying_weeks_later_still_gets_the_first_answer(her, time_machine):
    api, key, body = api_for(her), "offline-log-7f3a", extra_log(her)
    first = post(api, "/api/v1/me/logs/", body, key)
    time_machine.move_to(WEDNESDAY_MORNING + dt.timedelta(days=40), tick=False)

    again = post(api, "/api/v1/me/logs/", body, key)

    assert (again.status_code, again.json()) == (201, first.json())
    assert SessionLog.objects.filter(client=her).count() == 1


def test_the_same_key_with_a_different_body_answers_422_and_writes_nothing(her):
    api, key = api_for(her), str(uuid.uuid4())
    post(api, "/api/v1/me/logs/", extra_log(her), key)

    other = post(api, "/api/v1/me/logs/", extra_log(her, minutes=55), key)

    assert other.status_code == 422
    assert other.json()["detail"] == str(ERR_KEY_REUSED)
    assert list(SessionLog.objects.filter(client=her).values_list("minutes", flat=True)) == [40]


def test_a_key_is_scoped_to_its_route_and_its_user(her):
    key = str(uuid.uuid4())
    post(api_for(her), "/api/v1/me/logs/", extra_log(her), key)
    other = enrolled_client(today=WEDNESDAY_MORNING.date(), client=ClientFactory()).client

    theirs = post(api_for(other), "/api/v1/me/logs/", extra_log(other), key)
    check_in = post(
        api_for(her),
        "/api/v1/me/assessments/",
        {"vas_low_back_mm": 20, "vas_sciatic_mm": 0, "odi_answers": [0] * 10},
        key,
    )

    assert theirs.status_code == 201 and check_in.status_code == 201, check_in.content
    assert SessionLog.objects.filter(client=other).count() == 1
    assert Assessment.objects.filter(client=her).count() == 1


def test_a_refused_request_leaves_its_key_free_for_the_corrected_one(her):
    api, key = api_for(her), str(uuid.uuid4())

    refused = post(api, "/api/v1/me/logs/", extra_log(her, rpe=30), key)
    corrected = post(api, "/api/v1/me/logs/", extra_log(her), key)

    assert refused.status_code == 400
    assert corrected.status_code == 201
    assert SessionLog.objects.filter(client=her).count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "line\nbreak", "caf\u00e9"])
def test_a_malformed_key_is_refused_with_a_message(her, key):
    response = post(api_for(her), "/api/v1/me/logs/", extra_log(her), key)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["fields"]
    assert not SessionLog.objects.filter(client=her).exists()


def test_every_api_write_accepts_a_key_and_the_schema_says_so():
    """A new POST endpoint cannot forget the rule: each is wrapped, and documented."""
    from drf_spectacular.generators import SchemaGenerator

    def views(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from views(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and hasattr(p.callback, "cls"):
                yield prefix + str(p.pattern), p.callback.cls

    api_views = [(route, cls) for route, cls in views(get_resolver().url_patterns)]
    posts = [
        (route, cls)
        for route, cls in api_views
        if route.startswith("api/v1/") and hasattr(cls, "post")
    ]
    assert len(posts) >= 15
    signing_in = {"api/v1/auth/token/"}  # no data is written: a second sign-in is a new token
    unmarked = [
        route
        for route, cls in posts
        if route not in signing_in and not getattr(cls.post, "idempotent", False)
    ]
    assert unmarked == []

    schema = SchemaGenerator().get_schema(request=None, public=True)
    documented = {
        path
        for path, item in schema["paths"].items()
        if "post" in item
        and any(p["name"] == "Idempotency-Key" for p in item["post"].get("parameters", []))
    }
    assert "/api/v1/me/logs/" in documented
    assert "/api/v1/me/assessments/" in documented
    assert "/api/v1/auth/token/" not in documented
    assert len(documented) == len(posts) - len(signing_in)


# --- the web ----------------------------------------------------------------------------------


def form_of(client, **changes) -> dict:
    data = {
        "status": "completed",
        "performed_on": local_today(client).isoformat(),
        "minutes": "35",
        "rpe": "12",
        "notes": "",
    }
    return data | changes


def test_back_then_save_again_keeps_one_extra_log_and_says_so(her, client):
    client.force_login(her)
    token = str(uuid.uuid4())
    data = form_of(her, request_key=token)

    first = client.post(reverse("tracker:extra_log"), data)
    again = client.post(reverse("tracker:extra_log"), data | {"minutes": "45"})

    assert first.status_code == 302 and again.status_code == 302
    assert again["Location"] == first["Location"]
    assert str(ALREADY_SAVED) in [str(m) for m in get_messages(again.wsgi_request)]
    assert list(SessionLog.objects.filter(client=her).values_list("minutes", flat=True)) == [35]


def test_a_form_with_errors_leaves_its_token_free(her, client):
    client.force_login(her)
    token = str(uuid.uuid4())

    refused = client.post(reverse("tracker:extra_log"), form_of(her, rpe="", request_key=token))
    saved = client.post(reverse("tracker:extra_log"), form_of(her, request_key=token))

    assert refused.status_code == 200
    assert saved.status_code == 302
    assert SessionLog.objects.filter(client=her).count() == 1


def test_a_pt_note_sent_twice_is_saved_once(reference_data, client):
    pt = PTFactory()
    her = enrolled_client(today=WEDNESDAY_MORNING.date(), pt=pt).client
    client.force_login(pt)
    data = {"text": "Check her hip on Friday.", "request_key": str(uuid.uuid4())}
    url = reverse("tracker:pt_note_add", args=[her.pk])

    client.post(url, data)
    client.post(url, data)

    assert PTNote.objects.filter(client=her).count() == 1


def _decorated_views():
    """URL name -> view, for every view wrapped in `once_per_form`."""
    found = {}

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{namespace}{p.namespace}:" if p.namespace else namespace)
            elif getattr(p.callback, "once_per_form", False):
                found[namespace + p.name] = p.callback

    walk(get_resolver().url_patterns)
    return found


# Views whose form posts to its own page (the others are posted to from other pages' forms).
SELF_POSTING = {
    "tracker:screening",
    "tracker:rescreen",
    "tracker:enrol",
    "tracker:pregnancy_end",
    "tracker:birth",
    "tracker:session_log",
    "tracker:extra_log",
    "tracker:assessment_new",
    "tracker:pt_clearance",
    "invite",
}


def test_every_form_that_posts_to_a_creating_view_carries_a_one_time_token():
    import pathlib
    import re

    templates = list(pathlib.Path("templates").rglob("*.html"))
    decorated = _decorated_views()
    assert {"tracker:extra_log", "tracker:pt_note_add", "invite"} <= set(decorated)
    missing, unused = [], []
    for name in sorted(set(decorated) - SELF_POSTING):
        forms = [
            (path, line)
            for path in templates
            for line in path.read_text().splitlines()
            if "<form" in line and re.search(rf"url '{re.escape(name)}'", line)
        ]
        if not forms:
            unused.append(name)
        missing += [f"{path}: {name}" for path, line in forms if "one_time_token" not in line]
    assert missing == [] and unused == []


def test_every_self_posting_create_page_carries_a_one_time_token(her, client):
    pt = PTFactory()
    from tests.factories import CareLinkFactory

    CareLinkFactory(pt=pt, client=her)
    session = her.scheduled_sessions.order_by("date").first()
    from tests.factories import all_no
    from tracker import services

    newcomer, screened = ClientFactory(), ClientFactory()
    today = WEDNESDAY_MORNING.date()
    for new in (newcomer, screened):
        due = today + dt.timedelta(days=100)
        services.pregnancy_save(client=new, due_date=due, lmp_date=None, today=today)
    services.screening_submit(client=screened, answers=all_no(), today=today)
    pages = {
        "tracker:screening": (newcomer, []),
        "tracker:enrol": (screened, []),
        "tracker:pregnancy_end": (her, []),
        "tracker:birth": (her, []),
        "tracker:session_log": (her, [session.pk]),
        "tracker:extra_log": (her, []),
        "tracker:assessment_new": (her, []),
        "tracker:pt_clearance": (pt, [her.pk]),
        "invite": (pt, []),
    }
    assert set(pages) == SELF_POSTING - {"tracker:rescreen"}  # asked from 25+4 only
    for name, (user, args) in pages.items():
        client.force_login(user)
        page = client.get(reverse(name, args=args))
        assert page.status_code == 200, name
        assert b'name="request_key"' in page.content, name


# --- keeping keys -----------------------------------------------------------------------------


def test_keys_are_forgotten_after_90_days_and_not_before(her, time_machine):
    post(api_for(her), "/api/v1/me/logs/", extra_log(her), "old-key")
    time_machine.move_to(WEDNESDAY_MORNING + dt.timedelta(days=60), tick=False)
    post(api_for(her), "/api/v1/me/logs/", extra_log(her), "new-key")

    pruned = request_keys_prune(now=WEDNESDAY_MORNING + KEEP + dt.timedelta(minutes=1))

    assert pruned == 1
    assert list(RequestKey.objects.values_list("key", flat=True)) == ["new-key"]
    assert SessionLog.objects.filter(client=her).count() == 2


# --- two at once -----------------------------------------------------------------------------


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_double_tap_sending_one_key_twice_at_once_logs_once(reference_data, monkeypatch):
    """Both requests are released together just before they claim the key: the unique key
    makes the second wait for the first's transaction, then replay its answer."""
    from users import idempotency

    her = enrolled_client(today=WEDNESDAY_MORNING.date()).client
    meet_before(monkeypatch, idempotency, "fingerprint")
    body, key = extra_log(her), str(uuid.uuid4())

    def send():
        return post(api_for(her), "/api/v1/me/logs/", body, key)

    first, second = race(send, send)

    assert first.status_code == second.status_code == 201, (first.content, second.content)
    assert first.json() == second.json()
    assert SessionLog.objects.filter(client=her).count() == 1
