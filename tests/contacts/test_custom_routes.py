"""``/api/v1/fields`` and ``/api/v1/contacts/{id}/custom``: declaring, reading and rectifying
custom values through the API, with the problem+json refusals (a role that may not declare, a
special category without its condition, a purpose that does not cover the field)."""

from __future__ import annotations

from api_helpers import assert_problem, client_for
from conftest import ADMIN, NOW
from factories import add_person
from kluis.audit import service as audit
from kluis.runtime import Kluis

SIZE = {
    "key": "shoe_size",
    "label_en": "Shoe size",
    "label_nl": "Schoenmaat",
    "kind": "number",
    "category": "user.demographic.profile",
    "searchable": True,
}


def test_declare_fill_read_search_and_remove(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    sales = client_for(kluis, "sales", "sales@example.com")
    service = client_for(kluis, "service", "service@example.com")
    assert_problem(sales.post("/api/v1/fields", json=SIZE), 403)
    made = admin.post("/api/v1/fields", json=SIZE)
    assert made.status_code == 201, made.text
    assert made.json()["special_category"] is False
    assert [f["key"] for f in admin.get("/api/v1/fields").json()] == ["shoe_size"]
    person = add_person(kluis, ADMIN, NOW, purposes=("sales_follow_up", "customer_service"))
    url = f"/api/v1/contacts/{person}/custom"
    put = sales.put(url, params={"purpose": "sales_follow_up"}, json={"custom": {"shoe_size": 42}})
    assert put.json() == {"custom": {"shoe_size": "42"}}
    refused = service.put(
        url, params={"purpose": "customer_service"}, json={"custom": {"shoe_size": 43}}
    )
    assert_problem(refused, 403, field="custom.shoe_size")
    hidden = service.get(url, params={"purpose": "customer_service"})
    assert hidden.json() == {"custom": {}}
    found = sales.post(
        "/api/v1/fields/shoe_size/people/search",
        params={"purpose": "sales_follow_up"},
        json={"value": "42"},
    )
    assert found.json() == {"ids": [person]}
    removed = admin.delete("/api/v1/fields/shoe_size")
    assert removed.json() == {"key": "shoe_size", "values_erased": 1}


def test_a_special_category_without_its_condition_is_a_problem(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    health = {**SIZE, "key": "allergy", "kind": "text", "category": "user.health_and_medical"}
    assert_problem(admin.post("/api/v1/fields", json=health), 422, field="art9_condition")
    made = admin.post("/api/v1/fields", json={**health, "art9_condition": "a"})
    assert made.json()["special_category"] is True


def test_contacts_answers_carry_the_custom_values_their_purpose_covers(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    assert admin.post("/api/v1/fields", json=SIZE).status_code == 201
    person = add_person(kluis, ADMIN, NOW, purposes=("sales_follow_up", "customer_service"))
    url = f"/api/v1/contacts/{person}"
    put = admin.put(
        f"{url}/custom", params={"purpose": "sales_follow_up"}, json={"custom": {"shoe_size": 42}}
    )
    assert put.status_code == 200, put.text
    sales = admin.get(url, params={"purpose": "sales_follow_up"}).json()
    assert sales["custom"] == {"shoe_size": "42"}
    assert admin.get(url, params={"purpose": "customer_service"}).json()["custom"] == {}
    listed = admin.get("/api/v1/contacts", params={"purpose": "sales_follow_up"}).json()
    assert [p["custom"] for p in listed["items"]] == [{"shoe_size": "42"}]
    found = admin.post(
        "/api/v1/contacts/search", params={"purpose": "customer_service"}, json={"q": "x"}
    ).json()
    assert all(p["custom"] == {} for p in found["items"])
    entries = audit.list_entries(kluis.engine, person_id=person, action="person.read")
    reads = [e for e in entries if e.details.get("via") == "api"]
    assert len(reads) == 2
    assert all(e.details["fields"] == ["custom.shoe_size"] for e in reads)
    assert all("42" not in str(e.details) for e in reads)
