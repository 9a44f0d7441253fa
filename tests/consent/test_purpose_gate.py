"""What is kept about a person beside their fields (consent ledger, permissions, messages,
evidence) is reached only under a purpose, as ``GET /contacts/{id}`` is: the role holds it, the
person was collected for it and is not restricted under it (Art. 5(1)(b), 18(2)), and each read
is audited under it. Through the JSON API with a token per role, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from api_helpers import TestClient, assert_problem, client_for
from factories import person_fields
from kluis.runtime import Kluis

PEOPLE = "/api/v1/contacts"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64

READS = {
    "consents": ("GET", "/consents", "consent.ledger_read"),
    "permissions": ("GET", "/permissions", "consent.permissions_read"),
    "messages": ("GET", "/messages", "message.history_read"),
    "evidence": ("POST", "/evidence", "evidence.added"),
}


def service_customer(kluis: Kluis) -> str:
    """A customer collected for customer service only: sales and service may reach them,
    marketing may not."""
    made = client_for(kluis, "admin").post(
        PEOPLE,
        json={"relationship": "customer", "purposes": ["customer_service"], **person_fields(1)},
    )
    assert made.status_code == 201, made.text
    person_id: str = made.json()["id"]
    return person_id


def reach(client: TestClient, person_id: str, what: str, purpose: str | None) -> Any:
    method, suffix, _ = READS[what]
    params = {} if purpose is None else {"purpose": purpose}
    if method == "POST":
        return client.post(
            f"{PEOPLE}/{person_id}{suffix}",
            params=params,
            files={"file": ("call.wav", WAV, "audio/wav")},
        )
    return client.get(f"{PEOPLE}/{person_id}{suffix}", params=params)


def entries(kluis: Kluis, person_id: str, action: str) -> list[dict[str, Any]]:
    response = client_for(kluis, "admin").get(
        "/api/v1/audit", params={"person_id": person_id, "action": action}
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


@pytest.mark.parametrize("what", list(READS))
def test_a_read_names_its_purpose(kluis: Kluis, what: str) -> None:
    person_id = service_customer(kluis)
    response = reach(client_for(kluis, "sales"), person_id, what, None)
    assert_problem(response, 422, "urn:kluis:problem:invalid-field", "purpose")


@pytest.mark.parametrize("what", list(READS))
def test_a_role_reaches_only_people_collected_for_its_purposes(kluis: Kluis, what: str) -> None:
    person_id = service_customer(kluis)
    marketing = client_for(kluis, "marketing")
    elsewhere = reach(marketing, person_id, what, "email_marketing")
    detail = assert_problem(elsewhere, 403, "urn:kluis:problem:purpose-refused", "purpose")
    assert "email_marketing" in detail["detail"]
    not_held = reach(marketing, person_id, what, "customer_service")
    assert_problem(not_held, 403, "urn:kluis:problem:purpose-refused", "purpose")
    assert entries(kluis, person_id, READS[what][2]) == []


@pytest.mark.parametrize("what", list(READS))
def test_each_read_is_audited_under_its_purpose(kluis: Kluis, what: str) -> None:
    person_id = service_customer(kluis)
    response = reach(client_for(kluis, "sales"), person_id, what, "customer_service")
    assert response.status_code in (200, 201), response.text
    (entry,) = entries(kluis, person_id, READS[what][2])
    assert entry["purpose"] == "customer_service"
    assert entry["actor"].startswith("user:")


@pytest.mark.parametrize("what", list(READS))
def test_a_restricted_person_is_reached_only_under_a_purpose_that_may(
    kluis: Kluis, what: str
) -> None:
    person_id = service_customer(kluis)
    admin = client_for(kluis, "admin")
    restricted = admin.post(
        f"{PEOPLE}/{person_id}/restriction", json={"active": True, "method": "letter"}
    )
    assert restricted.status_code == 201, restricted.text
    refused = reach(client_for(kluis, "sales"), person_id, what, "customer_service")
    assert_problem(refused, 409, "urn:kluis:problem:restricted", "purpose")
    answered = reach(admin, person_id, what, "privacy_requests")
    assert answered.status_code in (200, 201), answered.text
