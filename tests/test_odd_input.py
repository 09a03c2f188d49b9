"""Odd input never answers 500: every URL pattern, as her PT and as the client.

For each pattern (listed by the resolver, like the authorization matrix, whose cast and URL
samples this reuses) and each odd value below, two requests with the pattern's method:
  - the value in every path argument whose converter accepts it (the other arguments real);
  - the real path, with the value in every query parameter a view reads and, for a POST,
    in every form or serializer field the app declares.
The admin's patterns are walked as the admin too (her PT and the client are sent to its log-in
before it reads anything, so they try one value there). The answer may be anything a user can
act on (a page, a redirect, a 4xx with a message), never a server error:
`response.status_code < 500` and no exception.
"""

import re

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests import test_authorization_matrix
from tests.clock import pin
from tests.test_authorization_matrix import (
    MATRIX,
    MATRIX_MOMENT,
    all_patterns,
    row_key,
    sample_kwargs,
)

pytestmark = [pin(MATRIX_MOMENT), pytest.mark.probe]
matrix_cast = test_authorization_matrix.cast  # the matrix's cast (a module-scoped fixture)

ODD = {
    "first day of the calendar": "0001-01-01",
    "last day of the calendar": "9999-12-31",
    "Arabic-Indic digit": "٣",
    "full-width digit": "３",
    "superscript digit": "²",
    "NUL": "1\x00",
    "long number": "9" * 40,
    "long text": "x" * 3000,
}

# Every query parameter a view of ours reads (`request.GET`, `query_params`), and the admin's.
QUERY_PARAMETERS = (
    "start",  # the week page; the rows to skip in a section of the PT's client page
    "swap",  # the PT's client page
    "outcome",  # the end of pregnancy page
    "page",
    "q",
    "show",
    "sort",
    "deidentify",
    "from",
    "to",
    "date",
    "week",
    "kind",
    "region",
    "source",
    "next",
    "o",
    "p",
)


def _form_fields() -> tuple[str, ...]:
    """Every field name our forms and API serializers declare, and the dynamic ones."""
    from django import forms
    from rest_framework import serializers

    import tracker.api.serializers
    import tracker.forms
    import users.api
    import users.forms

    names = {f"odi_{n}" for n in range(1, 11)}
    for module in (tracker.forms, users.forms):
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, forms.BaseForm):
                names.update(getattr(obj, "base_fields", {}))
    for module in (tracker.api.serializers, users.api):
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, serializers.Serializer):
                names.update(getattr(obj, "_declared_fields", {}))
    return tuple(sorted(names))


FORM_FIELDS = _form_fields()


def _cases():
    seen = set()
    for name, route, namespace, _pattern in all_patterns():
        key = row_key(name, route, namespace)
        if key not in MATRIX or not name or (name, route) in seen:
            continue  # (the admin's unnamed patterns only redirect)
        seen.add((name, route))
        # The admin sends anyone but staff to its log-in before it reads an argument: there,
        # her PT and the client try one value, and the admin tries them all.
        actors = ("client", "her_pt", "admin") if namespace == "admin" else ("client", "her_pt")
        for actor in actors:
            yield pytest.param(name, route, key, actor, id=f"{name}-{actor}")


def _odd_kwargs(converters, real: dict, value: str) -> dict | None:
    """`real` with `value` in every argument whose converter accepts it (None if none does)."""
    odd = {
        arg: value for arg, converter in converters.items() if re.fullmatch(converter.regex, value)
    }
    return {**real, **odd} if odd else None


def _request(http: Client, method: str, url: str, value: str, *, with_params: bool):
    if not with_params:
        return getattr(http, method)(url)
    query = dict.fromkeys(QUERY_PARAMETERS, value)
    if method == "get":
        return http.get(url, query)
    return getattr(http, method)(url, dict.fromkeys(FORM_FIELDS, value), query_params=query)


@pytest.mark.parametrize(("name", "route", "key", "actor"), list(_cases()))
def test_odd_values_never_answer_500(db, matrix_cast, name, route, key, actor):
    pattern = next(p for n, r, _, p in all_patterns() if n == name and r == route)
    converters = pattern.pattern.converters
    arg_names = list(converters) or list(pattern.pattern.regex.groupindex)
    user = matrix_cast.user(actor)
    method = MATRIX[key].method
    real = sample_kwargs(name, route, key, arg_names, matrix_cast)
    values = ODD if actor == "admin" or not name.startswith("admin:") else {"NUL": ODD["NUL"]}
    http = Client()
    http.force_login(user)
    failures = []
    for label, value in values.items():
        attempts = [(reverse(name, kwargs=real), True)]
        odd = _odd_kwargs(converters, real, value)
        if odd is not None:
            attempts.append((reverse(name, kwargs=odd), False))
        for url, with_params in attempts:
            savepoint = transaction.savepoint_create()
            try:
                response = _request(http, method, url, value, with_params=with_params)
            except Exception as exc:  # noqa: BLE001 (any exception is the failure we report)
                failures.append(f"{label} ({with_params=}): {type(exc).__name__}: {exc}"[:300])
            else:
                if response.status_code >= 500:
                    failures.append(f"{label} ({with_params=}): {response.status_code}")
            finally:
                transaction.savepoint_rollback(savepoint)
            if settings.SESSION_COOKIE_NAME in http.cookies and not _signed_in(http, user):
                http.force_login(user)  # it logged her out (the rollback kept her session row)
    assert not failures, failures


def _signed_in(http: Client, user) -> bool:
    return str(http.session.get("_auth_user_id")) == str(user.pk)


# --- a boundary date or an odd digit in one field of an otherwise valid form ------------------

BOUNDARY_DATES = ("0001-01-01", "9999-12-31")
ODD_DIGITS = ("٣", "３", "²", "٣٠")  # Arabic-Indic three, full-width three, superscript two, 30


def _session(cast):
    return cast.client.scheduled_sessions.filter(log__isnull=True).order_by("date").last()


def _log_id(cast):
    from tests.test_authorization_matrix import _log

    return _log(cast).pk


# (actor, url name, kwargs, method, valid data, the fields to vary). JSON for the API.
FORMS = [
    ("client", "tracker:pregnancy", None, "post", {}, ("due_date", "lmp_date")),
    ("client", "tracker:session_reschedule", "session", "post", {}, ("date",)),
    (
        "client",
        "tracker:session_log",
        "session",
        "post",
        {"status": "completed", "performed_on": "2027-03-10", "minutes": "30", "rpe": "12"},
        ("performed_on", "minutes", "avg_heart_rate", "rpe"),
    ),
    (
        "client",
        "tracker:extra_log",
        None,
        "post",
        {"status": "completed", "performed_on": "2027-03-10", "minutes": "30"},
        ("performed_on", "minutes", "avg_heart_rate"),
    ),
    (
        "client",
        "tracker:log_edit",
        "log",
        "post",
        {"status": "completed", "performed_on": "2027-03-10", "minutes": "30"},
        ("performed_on", "minutes"),
    ),
    (
        "client",
        "tracker:assessment_new",
        None,
        "post",
        {"vas_low_back_mm": "10", "vas_sciatic_mm": "5", **{f"odi_{n}": "1" for n in range(1, 11)}},
        ("vas_low_back_mm", "vas_sciatic_mm", "odi_1"),
    ),
    (
        "client",
        "tracker:safety_clearance",
        None,
        "post",
        {"provider": "Dr Ruiz"},
        ("cleared_on",),
    ),
    ("client", "tracker:safety_seen", None, "post", {"provider": "Dr Ruiz"}, ("seen_on",)),
    (
        "client",
        "tracker:pregnancy_end",
        None,
        "post",
        {"outcome": "birth", "confirm": "yes"},
        ("date",),
    ),
    (
        "client",
        "tracker:pregnancy_end",
        None,
        "post",
        {"outcome": "ended", "confirm": "yes"},
        ("date",),
    ),
    ("client", "tracker:schedule", None, "post", {"start_time": "18:00"}, ("weekdays",)),
    ("her_pt", "tracker:pt_clearance", "client", "post", {"provider": "Dr Ruiz"}, ("cleared_on",)),
    ("her_pt", "tracker:pt_screening_review", "client", "post", {"note": "ok"}, ("item",)),
    ("her_pt", "tracker:pt_swap", "client", "post", {}, ("original", "replacement")),
    ("client", "api_me", None, "patch", {}, ("due_date", "lmp_date")),
    ("client", "api_session_reschedule", "session", "post", {}, ("date",)),
    (
        "client",
        "api_session_log",
        "session",
        "post",
        {"status": "completed", "performed_on": "2027-03-10", "minutes": 30},
        ("performed_on", "minutes", "rpe", "avg_heart_rate"),
    ),
    (
        "client",
        "api_logs",
        None,
        "post",
        {"status": "completed", "performed_on": "2027-03-10", "minutes": 30},
        ("performed_on", "minutes"),
    ),
    (
        "client",
        "api_assessments",
        None,
        "post",
        {"vas_low_back_mm": 10, "vas_sciatic_mm": 5, "odi_answers": [1] * 10},
        ("vas_low_back_mm", "vas_sciatic_mm"),
    ),
    ("client", "api_clearance", None, "post", {"provider": "Dr Ruiz"}, ("cleared_on",)),
    ("client", "api_safety_seen", None, "post", {"provider": "Dr Ruiz"}, ("seen_on",)),
    (
        "client",
        "api_pregnancy_end",
        None,
        "post",
        {"outcome": "birth", "confirm": True},
        ("date",),
    ),
    (
        "her_pt",
        "api_client_clearance",
        "client",
        "post",
        {"provider": "Dr Ruiz"},
        ("cleared_on",),
    ),
    ("her_pt", "api_client_screening_review", "client", "post", {"note": "ok"}, ("item",)),
]

URL_ARGUMENTS = {
    None: lambda cast: {},
    "session": lambda cast: {"session_id": _session(cast).pk},
    "log": lambda cast: {"log_id": _log_id(cast)},
    "client": lambda cast: {"client_id": cast.client.pk},
}


def _form_cases():
    for actor, name, arguments, method, data, fields in FORMS:
        for field_name in fields:
            for value in (*BOUNDARY_DATES, *ODD_DIGITS):
                yield pytest.param(
                    actor,
                    name,
                    arguments,
                    method,
                    data,
                    field_name,
                    value,
                    id=f"{name}-{data.get('outcome', '')}{field_name}-{value}",
                )


@pytest.mark.parametrize(
    ("actor", "name", "arguments", "method", "data", "field_name", "value"), list(_form_cases())
)
def test_one_odd_field_in_a_valid_form(
    client, db, matrix_cast, actor, name, arguments, method, data, field_name, value
):
    client.force_login(matrix_cast.user(actor))
    url = reverse(name, kwargs=URL_ARGUMENTS[arguments](matrix_cast))
    body = {**data, field_name: value}
    if name.startswith("api_"):
        response = getattr(client, method)(url, body, content_type="application/json")
    else:
        response = getattr(client, method)(url, body)
    assert response.status_code < 500


# --- what she sees -------------------------------------------------------------------------------


@pytest.mark.parametrize("start", BOUNDARY_DATES)
def test_a_week_at_either_end_of_the_calendar_answers_400_with_this_week(
    client, db, matrix_cast, start
):
    from tracker.selectors import local_today
    from tracker.views.client import ERR_WEEK_OUT_OF_RANGE

    client.force_login(matrix_cast.client)
    response = client.get(reverse("tracker:week"), {"start": start})

    assert response.status_code == 400
    assert [str(m) for m in response.context["messages"]] == [str(ERR_WEEK_OUT_OF_RANGE)]
    today = local_today(matrix_cast.client)
    assert response.context["monday"] <= today <= response.context["sunday"]


def test_the_weeks_next_to_the_ends_of_the_calendar_still_show(client, db, matrix_cast):
    client.force_login(matrix_cast.client)
    for start in ("0001-01-08", "9999-12-20"):
        response = client.get(reverse("tracker:week"), {"start": start})
        assert response.status_code == 200, start
        assert response.context["monday"].isoformat() == start


def test_a_superscript_digit_for_the_exercise_to_swap_is_refused_with_a_message(
    client, db, matrix_cast
):
    client.force_login(matrix_cast.her_pt)
    url = reverse("tracker:pt_swap", args=[matrix_cast.client.pk])
    response = client.post(url, {"original": "²", "replacement": "²"}, follow=True)

    assert response.status_code == 200
    assert "Choose an exercise from her plan and an alternative to swap in." in [
        str(m) for m in response.context["messages"]
    ]


@pytest.mark.parametrize("token", ["\x00", "abc\x00def", "٣", "x" * 3000])
def test_the_calendar_feed_with_an_odd_token_is_not_found(client, db, token):
    response = client.get(reverse("tracker:calendar_feed", args=[token]))
    assert response.status_code == 404
