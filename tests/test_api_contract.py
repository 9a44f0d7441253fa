"""The API keeps its contract: schemathesis drives every operation of the OpenAPI document in
process (its examples, coverage, fuzzing and stateful phases; valid and invalid data; methods
the routes lack) with an admin's token, and every answer must be one the document promises: no
server error, a documented status, content type, shape and headers, a 405 with ``Allow``, a 401
without a token or a required header.

The seed is fixed and Hypothesis is derandomized, so a run is the same run every time and a
failure can be replayed; the number of examples is bounded (10 an operation): the run takes
about 80 seconds of CPU over today's operations (session 15), schemathesis's generation about
half of it, under two minutes on a loaded two-core machine.

Left out, on purpose:

- ``positive_data_acceptance``: schema-valid data may still be refused with a 422 (an e-mail
  address must parse, a purpose must exist, a person id must be held), which no JSON schema says;
- ``negative_data_rejection``: request bodies are validated in pydantic's lax mode, which takes
  ``0`` or ``"yes"`` for a boolean; refusing those needs strict request models throughout;
- ``allow_header_conformance``: ``/contacts/import-portable`` is also ``/contacts/{person_id}``
  to the router, so ``Allow`` there truthfully lists the person routes' methods as well;
- ``max_response_time``: no timing assertions.

Schemathesis' pytest plugin does not run under this pytest, so its engine is driven directly and
the failures are collected.

It runs on SQLite only: what it checks (the document, the routing, the error handlers, the
shapes) is the same code on both backends, and the backend-specific answers (PostgreSQL's NUL
refusal, the 32-bit id limits) have focused tests that run on both.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis.errors import HypothesisWarning
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from api_helpers import token_for
from kluis.app import create_app
from kluis.runtime import Kluis

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "missing_required_header",
    "ignored_auth",
    "unsupported_method",
    "use_after_free",
    "ensure_resource_availability",
)

SEED = 14
MAX_EXAMPLES = 10
MAX_STATEFUL_STEPS = 5


def _config(token: str) -> SchemathesisConfig:
    enabled = "\n".join(f"{name}.enabled = true" for name in CHECKS)
    return SchemathesisConfig.from_str(
        f"""
seed = {SEED}

[cache]
enabled = false

[generation]
max-examples = {MAX_EXAMPLES}
deterministic = true
database = "none"

[headers]
Authorization = "Bearer {token}"

[checks]
enabled = false
{enabled}

[phases.stateful]
max-steps = {MAX_STATEFUL_STEPS}
"""
    )


def _large_repr(event: events.NonFatalError) -> bool:
    """Hypothesis warning that an example (a generated upload of some hundred kB) is too large
    to print: a note on the example, not an answer of the API."""
    value = getattr(event, "value", None)
    return isinstance(value, HypothesisWarning) and "overly large repr" in str(value)


def _failures(stream: events.EventStream) -> tuple[list[str], int]:
    """Every failed check of the run, one line each (operation, check, what the answer was, how
    to replay it), and the number of scenarios that ran."""
    found: list[str] = []
    scenarios = 0
    for event in stream:
        if isinstance(event, events.ScenarioFinished):
            scenarios += 1
            for nodes in event.recorder.checks.values():
                for node in nodes:
                    if node.failure_info is not None:
                        failure = node.failure_info.failure
                        found.append(
                            f"{event.recorder.label} [{event.phase}] {node.name}: "
                            f"{failure.title}: {failure.message}\n"
                            f"    {node.failure_info.code_sample}"
                        )
        elif isinstance(event, events.NonFatalError) and _large_repr(event):
            continue
        elif isinstance(event, events.NonFatalError | events.FatalError):
            found.append(f"error: {event!r}")
        elif isinstance(event, events.EngineFinished):
            found.extend(f"run: {failure.title}: {failure.message}" for failure in event.failures)
    return found, scenarios


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_api_keeps_its_contract(kluis: Kluis) -> None:
    config = _config(token_for(kluis, "admin"))
    schema = schemathesis.openapi.from_asgi(
        "/api/v1/openapi.json", create_app(kluis), config=config
    )
    failures, scenarios = _failures(from_schema(schema).execute())
    assert scenarios > 100
    assert not failures, "\n".join(sorted(set(failures)))
