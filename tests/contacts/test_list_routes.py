"""The API of owners and the filtered list, on SQLite and PostgreSQL."""

from __future__ import annotations

from api_helpers import assert_problem, client_for
from factories import person_fields
from kluis.auth import service as users
from kluis.runtime import Kluis

PEOPLE = "/api/v1/contacts"
CS = {"purpose": "customer_service"}


def test_owner_is_set_on_create_changed_and_filtered(kluis: Kluis) -> None:
    sales = client_for(kluis, "sales")
    me = users.find_user(kluis.engine, "sales@example.com").id
    other = client_for(kluis, "service", "joris@example.com")
    joris = users.find_user(kluis.engine, "joris@example.com").id
    body = {"relationship": "customer", "purposes": ["customer_service"], **person_fields(1)}
    first = sales.post(PEOPLE, json=body).json()["id"]
    second = sales.post(PEOPLE, json={**body, **person_fields(2), "owner": joris}).json()["id"]
    assert sales.get(f"{PEOPLE}/{first}", params=CS).json()["owner"] == me
    assert sales.get(f"{PEOPLE}/{second}", params=CS).json()["owner"] == joris

    def listed(**params: str) -> list[str]:
        response = sales.get(PEOPLE, params={**CS, **params})
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["items"]]

    assert listed(owner="mine") == [first]
    assert listed(owner=str(joris)) == [second]
    assert listed(owner="none") == []
    changed = sales.patch(f"{PEOPLE}/{first}", params=CS, json={"owner": None})
    assert changed.status_code == 200
    assert changed.json()["owner"] is None
    assert listed(owner="none") == [first]
    assert listed(sort="-name") == [second, first]
    assert listed(inactive_days="0") == []
    assert_problem(
        sales.patch(f"{PEOPLE}/{first}", params=CS, json={"owner": 99999}),
        422,
        "urn:kluis:problem:invalid-field",
    )
    assert sales.get(PEOPLE, params={**CS, "sort": "email"}).status_code == 422
    assert sales.get(PEOPLE, params={**CS, "owner": "someone"}).status_code == 422
    assert other.get(PEOPLE, params={**CS, "owner": "mine"}).json()["total"] == 1


def test_companies_have_an_owner_and_filter_by_it(kluis: Kluis) -> None:
    sales = client_for(kluis, "sales")
    me = users.find_user(kluis.engine, "sales@example.com").id
    made = sales.post("/api/v1/companies", json={"name": "Tuinhuis BV"}).json()
    assert made["owner"] == me
    sales.post("/api/v1/companies", json={"name": "Aardewerk VOF"})
    cleared = sales.patch(f"/api/v1/companies/{made['id']}", json={"owner": None})
    assert cleared.status_code == 200
    assert cleared.json()["owner"] is None
    mine = sales.get("/api/v1/companies", params={"owner": "mine"}).json()
    assert [c["name"] for c in mine["items"]] == ["Aardewerk VOF"]
    nobody = sales.get("/api/v1/companies", params={"owner": "none"}).json()
    assert [c["name"] for c in nobody["items"]] == ["Tuinhuis BV"]
