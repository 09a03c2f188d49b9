"""Schemathesis fuzzes every API operation from the OpenAPI schema against a live server,
with a client's token on /me/ and a PT's token on /clients/: no server error, and every
documented response matches the schema.

(Schemathesis's pytest plugin does not run on pytest 9 yet, so the operations are driven
from the schema's Hypothesis strategies directly.)"""

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.clock import pin
from tests.factories import ClientFactory, PTFactory, build_program_version, enrolled_client
from tracker.selectors import local_today
from users.models import ApiToken

# What the product promises: never a server error, and every documented response (status,
# content type, body) matches the schema. Business refusals of schema-valid input (a wrong
# password, a date in the past) are correct behaviour, not failures.
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]

pytestmark = [pytest.mark.django_db(transaction=True), pin()]

EXAMPLES = 12


def _token_for(path: str, tokens: dict) -> str | None:
    if path.startswith(("/api/v1/me/", "/api/v1/auth/")):
        return tokens["client"]
    if path.startswith("/api/v1/clients/"):
        return tokens["pt"]
    return None


def test_every_api_operation_conforms_to_the_schema_and_never_errors(live_server, reference_data):
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
    schema = schemathesis.openapi.from_url(live_server.url + "/api/v1/schema/")

    tested, skipped = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith("/api/v1/auth/token") and operation.method == "delete":
            skipped += 1
            continue  # revoking the token would log the rest of the run out

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
        @given(case=operation.as_strategy())
        def run(case):
            token = _token_for(case.path, tokens)
            headers = {"Authorization": f"Token {token}"} if token else {}
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
        tested.append(f"{operation.method.upper()} {operation.path}")
    documented = sum(
        len([m for m in item if m != "parameters"]) for item in schema.raw_schema["paths"].values()
    )
    assert len(tested) + skipped == documented >= 28
