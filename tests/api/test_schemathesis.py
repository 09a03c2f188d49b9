"""Schemathesis, an outside client, runs every API operation from the OpenAPI schema against a
live server, once as a client and once as a PT: never a server error, and every answer (its
status, content type, headers and body) is one the schema declares.

Business refusals of schema-valid input (a wrong password, a date in the past, "not your
client") are correct answers, not failures, so positive-data acceptance is not checked.
Operations that would end the test's own session or account are left out.

(Schemathesis's pytest plugin does not run on pytest 9 yet, so the operations are driven
from the schema's Hypothesis strategies directly.)"""

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.clock import pin
from tests.factories import ClientFactory, PTFactory, build_program_version, enrolled_client
from tracker import services
from tracker.models import Alert, Notification
from tracker.selectors import local_today
from users.models import ApiToken

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]

pytestmark = [pytest.mark.django_db(transaction=True), pin()]

EXAMPLES = 6

# Revoking the token in use, any token by id, or asking to delete the account would end the
# run's own session (or account) half-way.
DESTRUCTIVE = {
    ("DELETE", "/api/v1/auth/token/"),
    ("DELETE", "/api/v1/auth/tokens/{token_id}/"),
    ("POST", "/api/v1/me/delete/"),
}


def fuzz(operation, token: str, ids: dict) -> None:
    """Each generated request, then the same request with the ids of real rows of hers (random
    ids mostly answer 404 and would leave the operation itself untried)."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    @given(case=operation.as_strategy())
    def run(case):
        headers = {"Authorization": f"Token {token}"}
        case.call_and_validate(headers=headers, checks=CHECKS)
        if case.path_parameters:
            case.path_parameters = {k: ids.get(k, v) for k, v in case.path_parameters.items()}
            case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def _rows_of(client, pt, token: str, today) -> dict:
    """Real ids for each actor: a future session, a log, a check-in, an alert, a notice."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    past = client.enrolment.sessions.filter(date__lt=today).order_by("date")[0]
    log = api.post(
        f"/api/v1/me/sessions/{past.pk}/log/",
        {"status": "completed", "minutes": 60, "rpe": 13},
        format="json",
    )
    check_in = api.post(
        "/api/v1/me/assessments/",
        {"vas_low_back_mm": 12, "vas_sciatic_mm": 4, "odi_answers": [1] * 10},
        format="json",
    )
    extra = api.post(
        "/api/v1/me/logs/",
        {"status": "completed", "performed_on": str(today), "minutes": 30, "rpe": 11},
        format="json",
    )
    assert log.status_code == check_in.status_code == extra.status_code == 201, log.content
    alert = services.alert_raise(client=client, kind=Alert.Kind.WARNING_SIGN, signs=["headache"])
    shared = {
        "client_id": client.pk,
        "session_id": client.enrolment.sessions.filter(date__gt=today)[0].pk,
        "log_id": log.json()["id"],
        "assessment_id": check_in.json()["id"],
        "alert_id": alert.pk,
        "slug": "aparicio2023",
    }
    notices = {
        actor: Notification.objects.filter(recipient=user).values_list("pk", flat=True).first()
        for actor, user in (("client", client), ("pt", pt))
    }
    return {
        actor: {**shared, "notification_id": notices[actor]} if notices[actor] else shared
        for actor in ("client", "pt")
    }


def test_every_api_operation_conforms_to_the_schema_as_a_client_and_as_a_pt(
    live_server, reference_data, monkeypatch
):
    # The fuzzing is fast: the per-user rate limit would answer 429 (a declared status) and
    # hide what the operations do.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"user": "100000/min", "token": "100000/min"}
    )
    version = build_program_version(slug="aparicio2023", prescriptions_per_block=1)
    pt = PTFactory()
    client = ClientFactory()
    today = local_today(client)
    enrolled_client(
        today=today, client=client, version=version, pt=pt, start=today - dt.timedelta(days=7)
    )
    tokens = {
        "client": ApiToken.objects.create(user=client)[1],
        "pt": ApiToken.objects.create(user=pt)[1],
    }
    ids = _rows_of(client, pt, tokens["client"], today)
    schema = schemathesis.openapi.from_url(live_server.url + "/api/v1/schema/")

    tested, skipped = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        name = (operation.method.upper(), operation.path)
        if name in DESTRUCTIVE:
            skipped.append(name)
            continue
        for actor, token in tokens.items():
            fuzz(operation, token, ids[actor])
            tested.append((actor, *name))
    documented = sum(
        len([m for m in item if m != "parameters"]) for item in schema.raw_schema["paths"].values()
    )
    assert len(tested) == 2 * (documented - len(skipped))
    assert documented >= 55
