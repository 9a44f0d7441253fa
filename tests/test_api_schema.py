"""Property-based tests of the whole API from its own OpenAPI schema (schemathesis): whatever a
client sends, Kluis answers with a documented status and shape, never a server error.

Schema-valid data may still be refused with a 422: an e-mail address must parse, a purpose
must exist, which no JSON schema says; so the "positive data accepted" check is left out and every
other check (status codes, content types, response shapes, no server errors) applies.
Schemathesis' pytest plugin does not run under this pytest, so the operations are driven with
plain Hypothesis ``@given`` over each operation's strategy.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from conftest import NOW
from kluis.app import create_app
from kluis.auth import service as auth
from kluis.auth.rules import SYSTEM
from kluis.runtime import Kluis


def test_api_answers_as_documented(kluis: Kluis) -> None:
    auth.create_user(kluis.engine, SYSTEM, "fuzz@example.com", "admin", NOW)
    token = auth.create_token(kluis.engine, SYSTEM, "fuzz@example.com", NOW)[1]
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(kluis))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=20,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        answers()
