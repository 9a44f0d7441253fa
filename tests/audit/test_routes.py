"""The audit log through the JSON API, on SQLite and PostgreSQL: reading it in order, filters,
who may read it, and verification of the hash chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import update

from api_helpers import TestClient, assert_problem, client_for
from conftest import NOW
from factories import person_fields
from kluis.audit.tables import AuditRow
from kluis.auth import service as auth
from kluis.runtime import Kluis

AUDIT = "/api/v1/audit"
CATALOGUE_ENTRIES = 6
"""The default catalogue's purpose.created entries, the first in every fresh log."""


def post_person(client: TestClient, n: int) -> str:
    body = {"relationship": "customer", "purposes": ["customer_service"], **person_fields(n)}
    response = client.post("/api/v1/contacts", json=body)
    assert response.status_code == 201, response.text
    person_id: str = response.json()["id"]
    return person_id


def entries(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get(AUDIT, params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


def test_entries_are_listed_in_sequence_order(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    person_id = post_person(admin, 1)
    admin.get(f"/api/v1/contacts/{person_id}", params={"purpose": "customer_service"})
    listed = entries(admin)
    assert [e["seq"] for e in listed] == list(range(1, len(listed) + 1))
    assert [e["action"] for e in listed[:CATALOGUE_ENTRIES]] == ["purpose.created"] * 6
    assert {e["actor"] for e in listed[:CATALOGUE_ENTRIES]} == {"system"}
    actions = [e["action"] for e in listed]
    assert actions[-2:] == ["person.created", "person.read"]
    assert actions.index("user.created") < actions.index("token.created")
    last = listed[-1]
    assert set(last) == {"seq", "at", "actor", "action", "person_id", "purpose", "details", "hash"}
    assert last["person_id"] == person_id
    assert datetime.fromisoformat(last["at"]) == NOW
    assert len(last["hash"]) == 64
    assert len({e["hash"] for e in listed}) == len(listed)


def test_the_actor_is_the_user_whose_token_was_sent(kluis: Kluis) -> None:
    sales = client_for(kluis, "sales", email="verkoop@example.com")
    post_person(sales, 1)
    user = auth.find_user(kluis.engine, "verkoop@example.com")
    (created,) = entries(client_for(kluis, "admin"), action="person.created")
    assert created["actor"] == f"user:{user.id}"


def test_filter_by_person_and_by_action(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    a = post_person(admin, 1)
    b = post_person(admin, 2)
    admin.get(f"/api/v1/contacts/{a}", params={"purpose": "customer_service"})
    admin.patch(
        f"/api/v1/contacts/{b}", params={"purpose": "customer_service"}, json={"job_title": "Chef"}
    )

    about_a = entries(admin, person_id=a)
    assert [e["action"] for e in about_a] == ["person.created", "person.read"]
    assert {e["person_id"] for e in about_a} == {a}
    about_b = entries(admin, person_id=b)
    assert [e["action"] for e in about_b] == ["person.created", "person.updated"]
    assert about_a[0]["seq"] < about_b[0]["seq"]

    created = entries(admin, action="person.created")
    assert [e["person_id"] for e in created] == [a, b]
    assert entries(admin, person_id=b, action="person.read") == []
    assert entries(admin, person_id="00000000-0000-0000-0000-000000000000") == []


def test_after_and_limit_page_through_the_log(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    response = admin.get(AUDIT, params={"after": 2, "limit": 3})
    assert response.status_code == 200, response.text
    assert [e["seq"] for e in response.json()] == [3, 4, 5]
    assert len(admin.get(AUDIT, params={"limit": 1}).json()) == 1
    assert_problem(admin.get(AUDIT, params={"limit": 0}), 422, field="limit")
    assert_problem(admin.get(AUDIT, params={"after": -1}), 422, field="after")


def test_the_log_holds_no_personal_values(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    person_id = post_person(admin, 1)
    admin.post(
        "/api/v1/contacts/search",
        params={"purpose": "customer_service"},
        json={"q": "Brouwersma1"},
    )
    admin.patch(
        f"/api/v1/contacts/{person_id}",
        params={"purpose": "customer_service"},
        json={"given_name": "Sjoukje"},
    )
    text = admin.get(AUDIT, params={"limit": 1000}).text
    assert person_id in text
    for value in ("Fenna", "Sjoukje", "Brouwersma", "brouwersma", "10000001"):
        assert value not in text


@pytest.mark.parametrize("role", ["admin", "privacy_officer"])
def test_admin_and_privacy_officer_may_read_and_verify(kluis: Kluis, role: str) -> None:
    client = client_for(kluis, role)
    listed = entries(client)
    assert len(listed) >= CATALOGUE_ENTRIES
    response = client.get(f"{AUDIT}/verify")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "ok": True,
        "entries": len(listed),
        "broken_at": None,
        "reason": None,
    }


@pytest.mark.parametrize("role", ["sales", "marketing", "service"])
def test_other_roles_may_not_read_the_log(kluis: Kluis, role: str) -> None:
    client = client_for(kluis, role)
    for path in (AUDIT, f"{AUDIT}/verify"):
        response = client.get(path)
        body = assert_problem(response, 403, "urn:kluis:problem:permission-denied")
        assert "audit" in body["detail"]
        assert "seq" not in response.text


def test_verify_names_a_changed_entry(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    post_person(admin, 1)
    with kluis.engine.begin() as conn:
        conn.execute(update(AuditRow).where(AuditRow.seq == 3).values(actor="user:999"))
    response = admin.get(f"{AUDIT}/verify")
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["ok"] is False
    assert result["broken_at"] == 3
    assert result["reason"]
