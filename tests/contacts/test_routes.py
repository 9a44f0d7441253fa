"""People and companies through the JSON API, on SQLite and PostgreSQL: collect, purpose-bound
reads, search and paging, rectification, erasure, and the errors each can give."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from api_helpers import TestClient, assert_problem, client_for
from conftest import NOW
from factories import person_fields
from kluis.runtime import Kluis

PEOPLE = "/api/v1/contacts"
COMPANIES = "/api/v1/companies"
LATER = NOW + timedelta(days=3)
BUYER_PURPOSES = ("customer_service", "email_marketing", "age_verification")


def person_body(
    n: int = 1,
    *,
    purposes: tuple[str, ...] = ("customer_service",),
    relationship: str = "customer",
    **overrides: Any,
) -> dict[str, Any]:
    return {
        "relationship": relationship,
        "purposes": list(purposes),
        **person_fields(n, **overrides),
    }


def post_person(client: TestClient, n: int = 1, **kwargs: Any) -> str:
    response = client.post(PEOPLE, json=person_body(n, **kwargs))
    assert response.status_code == 201, response.text
    person_id: str = response.json()["id"]
    return person_id


def post_buyer(client: TestClient) -> str:
    """A customer whose birth date was collected for age verification only."""
    return post_person(
        client, purposes=BUYER_PURPOSES, birth_date="1984-07-21", interests=["wine", "cheese"]
    )


def audit_entries(kluis: Kluis, **params: Any) -> list[dict[str, Any]]:
    response = client_for(kluis, "admin").get("/api/v1/audit", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


def found_ids(client: TestClient, q: str, purpose: str = "customer_service") -> list[str]:
    response = client.post(f"{PEOPLE}/search", params={"purpose": purpose}, json={"q": q})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


# People: collect and read


def test_create_answers_201_with_the_id_and_its_location(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    response = admin.post(PEOPLE, json=person_body())
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id"}
    person_id = body["id"]
    assert str(uuid.UUID(person_id)) == person_id
    assert response.headers["location"] == f"/api/v1/contacts/{person_id}"

    service = client_for(kluis, "service")
    shown = service.get(response.headers["location"], params={"purpose": "customer_service"})
    assert shown.status_code == 200, shown.text
    person = shown.json()
    assert person["id"] == person_id
    assert person["purpose"] == "customer_service"
    assert person["purposes"] == ["customer_service"]
    assert person["relationship"] == "customer"
    assert person["language"] == "nl"
    assert person["company_id"] is None
    assert datetime.fromisoformat(person["created_at"]) == NOW
    assert datetime.fromisoformat(person["updated_at"]) == NOW
    assert set(person["fields"]) == {"given_name", "family_name", "email", "phone"}
    assert person["fields"]["given_name"] == "Fenna1"
    assert person["fields"]["family_name"] == "Brouwersma1"
    assert person["fields"]["email"] == "fenna.brouwersma1@example.com"
    assert "10000001" in person["fields"]["phone"].replace(" ", "")


def test_birth_date_is_absent_from_a_marketing_read(kluis: Kluis) -> None:
    person_id = post_buyer(client_for(kluis, "admin"))
    marketing = client_for(kluis, "marketing")
    response = marketing.get(f"{PEOPLE}/{person_id}", params={"purpose": "email_marketing"})
    assert response.status_code == 200, response.text
    fields = response.json()["fields"]
    assert set(fields) == {"given_name", "family_name", "email", "interests"}
    assert fields["interests"] == ["wine", "cheese"]
    assert "1984" not in response.text
    assert "birth_date" not in response.text

    service = client_for(kluis, "service")
    checked = service.get(f"{PEOPLE}/{person_id}", params={"purpose": "age_verification"})
    assert checked.status_code == 200, checked.text
    assert checked.json()["fields"] == {"birth_date": "1984-07-21"}


def test_a_role_cannot_read_under_a_purpose_it_does_not_hold(kluis: Kluis) -> None:
    person_id = post_buyer(client_for(kluis, "admin"))
    marketing = client_for(kluis, "marketing")
    response = marketing.get(f"{PEOPLE}/{person_id}", params={"purpose": "age_verification"})
    body = assert_problem(response, 403, "urn:kluis:problem:purpose-refused", "purpose")
    assert "age_verification" in body["detail"]
    assert "1984" not in response.text


def test_a_person_is_read_only_under_purposes_they_were_collected_for(kluis: Kluis) -> None:
    person_id = post_person(client_for(kluis, "admin"))
    sales = client_for(kluis, "sales")
    response = sales.get(f"{PEOPLE}/{person_id}", params={"purpose": "sales_follow_up"})
    assert_problem(response, 403, "urn:kluis:problem:purpose-refused", "purpose")
    assert "Fenna" not in response.text


def test_reading_without_a_purpose_is_refused_naming_the_field(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    person_id = post_person(admin)
    for response in (admin.get(f"{PEOPLE}/{person_id}"), admin.get(PEOPLE)):
        body = assert_problem(response, 422, "urn:kluis:problem:invalid-field", "purpose")
        assert "purpose" in body["detail"]
        assert "Fenna" not in response.text


def test_an_unknown_purpose_or_person_is_not_found(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    person_id = post_person(admin)
    response = admin.get(f"{PEOPLE}/{person_id}", params={"purpose": "astrology"})
    assert_problem(response, 404, "urn:kluis:problem:not-found", "purpose")
    response = admin.get(f"{PEOPLE}/{uuid.uuid4()}", params={"purpose": "customer_service"})
    assert_problem(response, 404, "urn:kluis:problem:not-found", "id")


def test_reads_are_audited_with_purpose_and_field_names(kluis: Kluis) -> None:
    person_id = post_buyer(client_for(kluis, "admin"))
    marketing = client_for(kluis, "marketing")
    marketing.get(f"{PEOPLE}/{person_id}", params={"purpose": "email_marketing"})
    reads = audit_entries(kluis, person_id=person_id, action="person.read")
    assert len(reads) == 1
    assert reads[0]["purpose"] == "email_marketing"
    assert reads[0]["details"]["fields"] == ["email", "family_name", "given_name", "interests"]
    assert reads[0]["details"]["via"] == "show"


# People: refused input


def test_a_bad_email_address_is_refused_naming_the_field(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    response = admin.post(PEOPLE, json=person_body(email="not-an-address"))
    assert_problem(response, 422, "urn:kluis:problem:invalid-field", "email")
    listed = admin.get(PEOPLE, params={"purpose": "customer_service"}).json()
    assert listed["total"] == 0


def test_other_bad_values_name_their_field(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    cases: list[tuple[dict[str, Any], str]] = [
        (person_body(phone="call me"), "phone"),
        (person_body(relationship="friend"), "relationship"),
        (person_body(purposes=()), "purposes"),
        (person_body(purposes=("astrology",)), "purposes"),
        ({**person_body(), "language": "xx"}, "language"),
        ({k: v for k, v in person_body().items() if k != "relationship"}, "relationship"),
        (person_body(interests="wine"), "interests"),
    ]
    for body, field in cases:
        response = admin.post(PEOPLE, json=body)
        assert_problem(response, 422, "urn:kluis:problem:invalid-field", field)


def test_a_future_birth_date_is_refused(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    body = person_body(
        purposes=("customer_service", "age_verification"),
        birth_date=(NOW + timedelta(days=2)).date().isoformat(),
    )
    problem = assert_problem(admin.post(PEOPLE, json=body), 422, field="birth_date")
    assert "future" in problem["detail"]


def test_an_unknown_body_field_is_refused(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    response = admin.post(PEOPLE, json={**person_body(), "nickname": "Fen"})
    assert_problem(response, 422, "urn:kluis:problem:invalid-field", "nickname")
    person_id = post_person(admin)
    response = admin.patch(
        f"{PEOPLE}/{person_id}", params={"purpose": "customer_service"}, json={"nickname": "Fen"}
    )
    assert_problem(response, 422, "urn:kluis:problem:invalid-field", "nickname")


def test_collecting_a_field_no_purpose_uses_is_refused(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    body = person_body(purposes=("sales_follow_up",), birth_date="1990-01-01")
    assert_problem(
        admin.post(PEOPLE, json=body), 403, "urn:kluis:problem:purpose-refused", "birth_date"
    )


def test_a_role_collects_only_for_purposes_it_holds(kluis: Kluis) -> None:
    marketing = client_for(kluis, "marketing")
    response = marketing.post(PEOPLE, json=person_body(purposes=("customer_service",)))
    assert_problem(response, 403, "urn:kluis:problem:purpose-refused", "purposes")
    assert post_person(marketing, purposes=("email_marketing",), phone=None)


def test_the_same_email_address_is_not_kept_twice(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    first = post_person(admin, 1)
    response = admin.post(PEOPLE, json=person_body(2, email="FENNA.BROUWERSMA1@example.com"))
    body = assert_problem(response, 409, "urn:kluis:problem:conflict", "email")
    assert first in body["detail"]
    assert admin.get(PEOPLE, params={"purpose": "customer_service"}).json()["total"] == 1


# People: search and paging


def test_search_by_email_phone_and_name_words(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    a = post_person(admin, 1, given_name="Élodie", family_name="van der Berg")
    b = post_person(admin, 2, given_name="Joost", family_name="Bergman")
    post_person(admin, 3, purposes=("sales_follow_up",), family_name="Berg")
    service = client_for(kluis, "service")

    assert found_ids(service, "elodie berg") == [a]
    assert found_ids(service, "BERG") == [a]
    assert found_ids(service, "bergman") == [b]
    assert found_ids(service, "Fenna.Brouwersma2@EXAMPLE.com") == [b]
    assert found_ids(service, "06 10000001") == [a]
    assert found_ids(service, "+31610000002") == [b]
    assert found_ids(service, "nobody") == []
    assert sorted(found_ids(service, "")) == sorted([a, b])

    sales = client_for(kluis, "sales")
    assert len(found_ids(sales, "berg", purpose="sales_follow_up")) == 1


def test_search_returns_only_fields_the_purpose_may_use(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    person_id = post_buyer(admin)
    marketing = client_for(kluis, "marketing")
    response = marketing.post(
        f"{PEOPLE}/search", params={"purpose": "email_marketing"}, json={"q": "brouwersma1"}
    )
    assert response.status_code == 200, response.text
    (item,) = response.json()["items"]
    assert item["id"] == person_id
    assert item["purpose"] == "email_marketing"
    assert "birth_date" not in item["fields"]
    assert "phone" not in item["fields"]
    refused = marketing.get(PEOPLE, params={"purpose": "age_verification"})
    assert_problem(refused, 403, "urn:kluis:problem:purpose-refused", "purpose")


def test_search_filters_by_relationship(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    customer = post_person(admin, 1)
    prospect = post_person(admin, 2, relationship="prospect")
    listed = admin.get(PEOPLE, params={"purpose": "customer_service", "relationship": "prospect"})
    assert [item["id"] for item in listed.json()["items"]] == [prospect]
    assert customer != prospect
    bad = admin.get(PEOPLE, params={"purpose": "customer_service", "relationship": "friend"})
    assert_problem(bad, 422, "urn:kluis:problem:invalid-field", "relationship")


def test_search_pages_with_limit_offset_and_total(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    created = {post_person(admin, n) for n in range(7)}
    service = client_for(kluis, "service")

    seen: list[str] = []
    for offset, expected in ((0, 3), (3, 3), (6, 1), (9, 0)):
        response = service.get(
            PEOPLE, params={"purpose": "customer_service", "limit": 3, "offset": offset}
        )
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["total"] == 7
        assert page["limit"] == 3
        assert page["offset"] == offset
        assert len(page["items"]) == expected
        seen.extend(item["id"] for item in page["items"])
    assert len(seen) == 7
    assert set(seen) == created

    default = service.get(PEOPLE, params={"purpose": "customer_service"}).json()
    assert (default["limit"], default["offset"], len(default["items"])) == (50, 0, 7)
    for params, field in (
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
    ):
        response = service.get(PEOPLE, params={"purpose": "customer_service", **params})
        assert_problem(response, 422, "urn:kluis:problem:invalid-field", field)


def test_search_text_is_taken_only_in_the_body(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    person_id = post_person(admin, 1)
    in_address = admin.get(PEOPLE, params={"purpose": "customer_service", "q": "brouwersma1"})
    body = assert_problem(in_address, 422, "urn:kluis:problem:invalid-field", "q")
    assert "brouwersma1" not in body["detail"]
    assert "/api/v1/contacts/search" in body["detail"]
    searched = admin.post(
        f"{PEOPLE}/search",
        params={"purpose": "customer_service"},
        json={"q": "brouwersma1", "relationship": "customer", "limit": 5},
    )
    assert searched.status_code == 200, searched.text
    assert [item["id"] for item in searched.json()["items"]] == [person_id]
    assert searched.json()["limit"] == 5
    for body_sent, field in (
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"relationship": "friend"}, "relationship"),
        ({"unknown": 1}, "unknown"),
    ):
        refused = admin.post(
            f"{PEOPLE}/search", params={"purpose": "customer_service"}, json=body_sent
        )
        assert_problem(refused, 422, "urn:kluis:problem:invalid-field", field)


def test_names_with_direction_overrides_are_refused_and_notes_cleaned(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    refused = admin.post(PEOPLE, json=person_body(family_name="Brouw\u202eamsre"))
    body = assert_problem(refused, 422, "urn:kluis:problem:invalid-field", "family_name")
    assert "amsre" not in body["detail"]
    company = admin.post("/api/v1/companies", json={"name": "Acme\u200b BV"})
    assert_problem(company, 422, "urn:kluis:problem:invalid-field", "name")
    person_id = post_person(admin, 1, notes="Belt\u200b liever\u2066 niet")
    shown = admin.get(f"{PEOPLE}/{person_id}", params={"purpose": "privacy_requests"})
    assert shown.json()["fields"]["notes"] == "Belt liever niet"


# People: rectification


def test_patch_changes_fields_and_null_clears(kluis: Kluis) -> None:
    person_id = post_person(client_for(kluis, "admin"))
    service = client_for(kluis, "service", now=LATER)
    response = service.patch(
        f"{PEOPLE}/{person_id}",
        params={"purpose": "customer_service"},
        json={"family_name": "Hoekstra", "phone": None, "job_title": "Inkoper"},
    )
    assert response.status_code == 200, response.text
    person = response.json()
    assert person["fields"]["family_name"] == "Hoekstra"
    assert person["fields"]["job_title"] == "Inkoper"
    assert "phone" not in person["fields"]
    assert person["fields"]["given_name"] == "Fenna1"
    assert datetime.fromisoformat(person["updated_at"]) == LATER
    assert datetime.fromisoformat(person["created_at"]) == NOW

    shown = service.get(f"{PEOPLE}/{person_id}", params={"purpose": "customer_service"}).json()
    assert shown["fields"] == person["fields"]
    assert found_ids(service, "hoekstra") == [person_id]
    assert found_ids(service, "brouwersma1") == []
    assert found_ids(service, "+31610000001") == []


def test_patch_of_plain_attributes(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    person_id = post_person(admin)
    company = admin.post(COMPANIES, json={"name": "Bakkerij de Vries"}).json()
    response = admin.patch(
        f"{PEOPLE}/{person_id}",
        params={"purpose": "customer_service"},
        json={"relationship": "prospect", "language": "en", "company_id": company["id"]},
    )
    assert response.status_code == 200, response.text
    person = response.json()
    assert (person["relationship"], person["language"], person["company_id"]) == (
        "prospect",
        "en",
        company["id"],
    )
    for body, field in (
        ({"relationship": "friend"}, "relationship"),
        ({"language": None}, "language"),
    ):
        response = admin.patch(
            f"{PEOPLE}/{person_id}", params={"purpose": "customer_service"}, json=body
        )
        assert_problem(response, 422, "urn:kluis:problem:invalid-field", field)
    empty = admin.patch(f"{PEOPLE}/{person_id}", params={"purpose": "customer_service"}, json={})
    assert_problem(empty, 422, "urn:kluis:problem:invalid-field", "body")


def test_patch_only_of_fields_the_purpose_may_use(kluis: Kluis) -> None:
    person_id = post_buyer(client_for(kluis, "admin"))
    marketing = client_for(kluis, "marketing")
    response = marketing.patch(
        f"{PEOPLE}/{person_id}",
        params={"purpose": "email_marketing"},
        json={"birth_date": "1970-01-01"},
    )
    assert_problem(response, 403, "urn:kluis:problem:purpose-refused", "birth_date")
    service = client_for(kluis, "service")
    checked = service.get(f"{PEOPLE}/{person_id}", params={"purpose": "age_verification"})
    assert checked.json()["fields"] == {"birth_date": "1984-07-21"}
    assert audit_entries(kluis, person_id=person_id, action="person.updated") == []


def test_patch_is_audited_by_field_names_never_values(kluis: Kluis) -> None:
    person_id = post_person(client_for(kluis, "admin"))
    service = client_for(kluis, "service")
    response = service.patch(
        f"{PEOPLE}/{person_id}",
        params={"purpose": "customer_service"},
        json={"family_name": "Hoekstra", "phone": None},
    )
    assert response.status_code == 200, response.text
    (entry,) = audit_entries(kluis, person_id=person_id, action="person.updated")
    assert entry["details"] == {"fields": ["family_name", "phone"]}
    assert entry["purpose"] == "customer_service"
    everything = client_for(kluis, "admin").get("/api/v1/audit", params={"limit": 1000}).text
    for value in ("Hoekstra", "Brouwersma", "Fenna", "example.com", "10000001"):
        assert value not in everything


def test_patch_changes_the_purposes_a_person_is_held_for(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    person_id = post_person(admin)
    response = admin.patch(
        f"{PEOPLE}/{person_id}",
        params={"purpose": "customer_service"},
        json={"purposes": ["customer_service", "invoicing"]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["purposes"] == ["customer_service", "invoicing"]
    (entry,) = audit_entries(kluis, person_id=person_id, action="person.purposes_changed")
    assert entry["details"] == {"added": ["invoicing"], "removed": []}
    dropped = admin.patch(
        f"{PEOPLE}/{person_id}",
        params={"purpose": "customer_service"},
        json={"purposes": ["invoicing"]},
    )
    assert_problem(dropped, 422, "urn:kluis:problem:invalid-field", "purposes")


def test_patch_to_an_email_address_someone_else_has_is_a_conflict(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    first = post_person(admin, 1)
    second = post_person(admin, 2)
    response = admin.patch(
        f"{PEOPLE}/{second}",
        params={"purpose": "customer_service"},
        json={"email": "fenna.brouwersma1@example.com"},
    )
    body = assert_problem(response, 409, "urn:kluis:problem:conflict", "email")
    assert first in body["detail"]


# People: erasure


def test_erasure_by_an_admin_then_the_person_is_gone(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    person_id = post_buyer(admin)
    response = admin.delete(f"{PEOPLE}/{person_id}")
    assert response.status_code == 204
    assert response.content == b""

    for purpose in ("customer_service", "privacy_requests"):
        gone = admin.get(f"{PEOPLE}/{person_id}", params={"purpose": purpose})
        body = assert_problem(gone, 410, "urn:kluis:problem:person-erased")
        assert person_id in body["detail"]
    patched = admin.patch(
        f"{PEOPLE}/{person_id}", params={"purpose": "customer_service"}, json={"job_title": "X"}
    )
    assert_problem(patched, 410, "urn:kluis:problem:person-erased")
    assert found_ids(admin, "brouwersma1") == []
    assert admin.delete(f"{PEOPLE}/{person_id}").status_code == 204
    (erased,) = audit_entries(kluis, person_id=person_id, action="person.erased")
    assert erased["details"] == {
        "reason": "request",
        "suppressed": ["email", "phone"],
        "expired": [],
    }


def test_erasure_is_refused_to_sales(kluis: Kluis) -> None:
    person_id = post_person(client_for(kluis, "admin"))
    sales = client_for(kluis, "sales")
    response = sales.delete(f"{PEOPLE}/{person_id}")
    assert_problem(response, 403, "urn:kluis:problem:permission-denied")
    still = sales.get(f"{PEOPLE}/{person_id}", params={"purpose": "customer_service"})
    assert still.status_code == 200, still.text
    assert still.json()["fields"]["given_name"] == "Fenna1"


def test_erasing_someone_who_never_existed_is_not_found(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    assert_problem(admin.delete(f"{PEOPLE}/{uuid.uuid4()}"), 404, "urn:kluis:problem:not-found")


# Companies


def test_company_create_get_and_list_by_name(kluis: Kluis) -> None:
    sales = client_for(kluis, "sales")
    response = sales.post(
        COMPANIES,
        json={"name": "  Bakkerij   de Vries ", "country": "nl", "city": "Zwolle"},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["name"] == "Bakkerij de Vries"
    assert created["country"] == "NL"
    assert created["city"] == "Zwolle"
    assert created["website"] is None
    assert datetime.fromisoformat(created["created_at"]) == NOW
    for name in ("Vries Logistiek", "Hoekstra Bouw"):
        assert sales.post(COMPANIES, json={"name": name}).status_code == 201

    one = sales.get(f"{COMPANIES}/{created['id']}")
    assert one.status_code == 200, one.text
    assert one.json() == created

    listed = sales.get(COMPANIES, params={"name": "VRIES"}).json()
    assert [c["name"] for c in listed["items"]] == ["Bakkerij de Vries", "Vries Logistiek"]
    assert listed["total"] == 2
    everything = sales.get(COMPANIES).json()
    assert everything["total"] == 3
    paged = sales.get(COMPANIES, params={"limit": 1, "offset": 2}).json()
    assert [c["name"] for c in paged["items"]] == ["Vries Logistiek"]
    assert (paged["total"], paged["limit"], paged["offset"]) == (3, 1, 2)
    assert sales.get(COMPANIES, params={"name": "%"}).json()["total"] == 0


def test_company_patch(kluis: Kluis) -> None:
    sales = client_for(kluis, "sales")
    created = sales.post(
        COMPANIES, json={"name": "Hoekstra Bouw", "website": "https://example.com"}
    ).json()
    later = client_for(kluis, "sales", now=LATER)
    response = later.patch(
        f"{COMPANIES}/{created['id']}", json={"city": "Leeuwarden", "website": None}
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["city"] == "Leeuwarden"
    assert changed["website"] is None
    assert changed["name"] == "Hoekstra Bouw"
    assert datetime.fromisoformat(changed["updated_at"]) == LATER
    assert datetime.fromisoformat(changed["created_at"]) == NOW
    assert sales.get(f"{COMPANIES}/{created['id']}").json() == changed
    entries = audit_entries(kluis, action="company.updated")
    assert [e["details"] for e in entries] == [
        {"company_id": created["id"], "fields": ["city", "website"]}
    ]
    no_name = sales.patch(f"{COMPANIES}/{created['id']}", json={"name": None})
    assert_problem(no_name, 422, "urn:kluis:problem:invalid-field", "name")


def test_the_schema_of_a_person_change_offers_what_the_code_takes(kluis: Kluis) -> None:
    """A change names at least one field, and ``relationship`` and ``language`` may be changed
    but not cleared: the schema says both, as the code refuses them."""
    admin = client_for(kluis, "admin")
    change = admin.get("/api/v1/openapi.json").json()["components"]["schemas"]["PersonUpdate"]
    assert change["minProperties"] == 1
    for name in ("relationship", "language"):
        assert "null" not in str(change["properties"][name]), change["properties"][name]
        assert "default" not in change["properties"][name]
    for name in ("email", "company_id", "purposes"):
        assert {"type": "null"} in change["properties"][name]["anyOf"], name
    person_id = admin.post(
        "/api/v1/contacts",
        json={"relationship": "customer", "purposes": ["customer_service"], "given_name": "Fenna"},
    ).json()["id"]
    url = f"/api/v1/contacts/{person_id}"
    params = {"purpose": "customer_service"}
    assert_problem(admin.patch(url, params=params, json={}), 422, field="body")
    for name in ("relationship", "language"):
        response = admin.patch(url, params=params, json={name: None})
        assert_problem(response, 422, "urn:kluis:problem:invalid-field", name)


def test_the_schema_of_a_company_change_says_a_name_cannot_be_cleared(kluis: Kluis) -> None:
    """A company needs a name (the code refuses ``null``), so the schema does not offer it: a
    client generated from it never sends what is refused."""
    spec = client_for(kluis, "sales").get("/api/v1/openapi.json").json()
    change = spec["components"]["schemas"]["CompanyUpdate"]
    assert change["properties"]["name"]["type"] == "string"
    assert "anyOf" not in change["properties"]["name"]
    assert "name" not in change.get("required", [])
    assert {"type": "null"} in change["properties"]["city"]["anyOf"]
    sales = client_for(kluis, "sales")
    created = sales.post(COMPANIES, json={"name": "Hoekstra Bouw"}).json()
    response = sales.patch(f"{COMPANIES}/{created['id']}", json={"name": None})
    body = assert_problem(response, 422, "urn:kluis:problem:invalid-field", "name")
    assert "name" in body["detail"]
    assert sales.patch(f"{COMPANIES}/{created['id']}", json={"city": "Sneek"}).status_code == 200


@pytest.mark.parametrize("country", ["Netherlands", "N1", "X"])
def test_a_bad_country_is_refused_naming_the_field(kluis: Kluis, country: str) -> None:
    sales = client_for(kluis, "sales")
    response = sales.post(COMPANIES, json={"name": "Hoekstra Bouw", "country": country})
    assert_problem(response, 422, "urn:kluis:problem:invalid-field", "country")
    assert sales.get(COMPANIES).json()["total"] == 0
    created = sales.post(COMPANIES, json={"name": "Hoekstra Bouw"}).json()
    response = sales.patch(f"{COMPANIES}/{created['id']}", json={"country": country})
    assert_problem(response, 422, "urn:kluis:problem:invalid-field", "country")


def test_other_bad_company_input(kluis: Kluis) -> None:
    sales = client_for(kluis, "sales")
    assert_problem(sales.post(COMPANIES, json={}), 422, field="name")
    assert_problem(sales.post(COMPANIES, json={"name": "   "}), 422, field="name")
    assert_problem(sales.post(COMPANIES, json={"name": "A", "owner": "B"}), 422, field="owner")
    assert_problem(sales.get(f"{COMPANIES}/abc"), 422, field="company_id")


def test_an_unknown_company_is_not_found(kluis: Kluis) -> None:
    sales = client_for(kluis, "sales")
    assert_problem(sales.get(f"{COMPANIES}/999"), 404, "urn:kluis:problem:not-found", "company_id")
    response = sales.patch(f"{COMPANIES}/999", json={"city": "Zwolle"})
    assert_problem(response, 404, "urn:kluis:problem:not-found", "company_id")
    for company_id in (0, -1, 2**31, 10**20):
        response = sales.get(f"{COMPANIES}/{company_id}")
        assert_problem(response, 422, "urn:kluis:problem:invalid-field", "company_id")


def test_people_are_linked_to_a_company_and_filtered_by_it(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    company = admin.post(COMPANIES, json={"name": "Bakkerij de Vries"}).json()
    linked = post_person(admin, 1)
    admin.patch(
        f"{PEOPLE}/{linked}", params={"purpose": "customer_service"}, json={"company_id": None}
    )
    response = admin.post(PEOPLE, json={**person_body(2), "company_id": company["id"]})
    assert response.status_code == 201, response.text
    employee = response.json()["id"]
    listed = admin.get(
        PEOPLE, params={"purpose": "customer_service", "company_id": company["id"]}
    ).json()
    assert [item["id"] for item in listed["items"]] == [employee]
    assert listed["items"][0]["company_id"] == company["id"]


def test_a_person_cannot_be_linked_to_an_unknown_company(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    for company_id in (999, 2**31, 10**20):
        response = admin.post(PEOPLE, json={**person_body(), "company_id": company_id})
        assert_problem(response, 422, "urn:kluis:problem:invalid-field", "company_id")
    person_id = post_person(admin)
    response = admin.patch(
        f"{PEOPLE}/{person_id}", params={"purpose": "customer_service"}, json={"company_id": 999}
    )
    assert_problem(response, 422, "urn:kluis:problem:invalid-field", "company_id")
