"""The purposes catalogue through the JSON API, on SQLite and PostgreSQL: listing, adding and
changing purposes, who may, and what is checked."""

from __future__ import annotations

from typing import Any

import pytest

from api_helpers import assert_problem, client_for
from conftest import NOW
from factories import person_fields
from kluis.runtime import Kluis

PURPOSES = "/api/v1/purposes"
DEFAULT_KEYS = {
    "customer_service",
    "sales_follow_up",
    "email_marketing",
    "existing_customer_marketing",
    "invoicing",
    "age_verification",
    "privacy_requests",
}


def new_purpose(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "key": "event_invitations",
        "name_en": "Event invitations",
        "name_nl": "Uitnodigingen voor evenementen",
        "description_en": "Inviting customers to our open days.",
        "lawful_basis": "consent",
        "data_categories": ["user.name", "user.contact.email"],
        "data_use": "marketing.communications.email",
        "retention": "P1Y",
        "retention_anchor": "withdrawal",
        "roles": ["marketing"],
    }
    body.update(overrides)
    return body


def audit_entries(kluis: Kluis, **params: Any) -> list[dict[str, Any]]:
    response = client_for(kluis, "admin").get("/api/v1/audit", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


def test_the_list_holds_the_default_catalogue(kluis: Kluis) -> None:
    response = client_for(kluis, "marketing").get(PURPOSES)
    assert response.status_code == 200, response.text
    purposes = {p["key"]: p for p in response.json()}
    assert set(purposes) >= DEFAULT_KEYS
    age = purposes["age_verification"]
    assert age["data_categories"] == ["user.demographic.date_of_birth"]
    assert age["lawful_basis"] == "legal_obligation"
    assert (age["retention"], age["retention_anchor"]) == ("P1M", "collection")
    assert purposes["email_marketing"]["lawful_basis"] == "consent"
    assert purposes["email_marketing"]["roles"] == ["marketing"]
    assert purposes["sales_follow_up"]["legitimate_interest"]
    assert purposes["privacy_requests"]["covers_everyone"] is True
    assert purposes["customer_service"]["covers_everyone"] is False


def test_one_purpose_and_an_unknown_one(kluis: Kluis) -> None:
    client = client_for(kluis, "sales")
    response = client.get(f"{PURPOSES}/invoicing")
    assert response.status_code == 200, response.text
    invoicing = response.json()
    assert invoicing["key"] == "invoicing"
    assert invoicing["retention"] == "P7Y"
    assert invoicing["recipients"] == ["Accountant", "Tax authority"]
    assert_problem(client.get(f"{PURPOSES}/astrology"), 404, "urn:kluis:problem:not-found", "key")


@pytest.mark.parametrize("role", ["admin", "privacy_officer"])
def test_a_new_purpose_is_added_and_audited(kluis: Kluis, role: str) -> None:
    client = client_for(kluis, role)
    body = new_purpose(transfers=[{"country": "US", "safeguard": "standard contractual clauses"}])
    response = client.post(PURPOSES, json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["key"] == "event_invitations"
    assert created["data_categories"] == ["user.name", "user.contact.email"]
    assert created["transfers"] == [{"country": "US", "safeguard": "standard contractual clauses"}]
    assert created["data_subjects"] == ["customer", "prospect"]
    assert client.get(f"{PURPOSES}/event_invitations").json() == created
    (entry,) = audit_entries(kluis, action="purpose.created", after=len(DEFAULT_KEYS))
    assert entry["purpose"] == "event_invitations"
    assert entry["details"] == {"lawful_basis": "consent"}
    assert entry["actor"].startswith("user:")


def test_a_new_purpose_is_used_at_once(kluis: Kluis) -> None:
    """Reads under a purpose added through the API return only the categories it lists."""
    assert client_for(kluis, "admin").post(PURPOSES, json=new_purpose()).status_code == 201
    marketing = client_for(kluis, "marketing")
    body = {"relationship": "customer", "purposes": ["event_invitations"], **person_fields()}
    refused = marketing.post("/api/v1/contacts", json=body)
    assert_problem(refused, 403, "urn:kluis:problem:purpose-refused", "phone")
    del body["phone"]
    created = marketing.post("/api/v1/contacts", json=body)
    assert created.status_code == 201, created.text
    shown = marketing.get(created.headers["location"], params={"purpose": "event_invitations"})
    assert shown.status_code == 200, shown.text
    assert set(shown.json()["fields"]) == {"given_name", "family_name", "email"}


@pytest.mark.parametrize("role", ["marketing", "sales", "service"])
def test_only_admin_and_privacy_officer_add_purposes(kluis: Kluis, role: str) -> None:
    client = client_for(kluis, role)
    response = client.post(PURPOSES, json=new_purpose())
    assert_problem(response, 403, "urn:kluis:problem:permission-denied")
    assert_problem(client.get(f"{PURPOSES}/event_invitations"), 404)
    assert audit_entries(kluis, action="purpose.created", after=len(DEFAULT_KEYS)) == []


def test_an_unknown_data_category_is_refused(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    response = admin.post(
        PURPOSES, json=new_purpose(data_categories=["user.name", "user.shoe_size"])
    )
    body = assert_problem(response, 422, "urn:kluis:problem:invalid-field", "data_categories")
    assert "user.shoe_size" in body["detail"]
    assert_problem(admin.get(f"{PURPOSES}/event_invitations"), 404)
    empty = admin.post(PURPOSES, json=new_purpose(data_categories=[]))
    assert_problem(empty, 422, "urn:kluis:problem:invalid-field", "data_categories")


def test_legitimate_interest_must_state_the_interest(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    for interest in (None, "   "):
        body = new_purpose(lawful_basis="legitimate_interest", legitimate_interest=interest)
        response = admin.post(PURPOSES, json=body)
        problem = assert_problem(
            response, 422, "urn:kluis:problem:invalid-field", "legitimate_interest"
        )
        assert "Art. 13" in problem["detail"]
    stated = new_purpose(
        lawful_basis="legitimate_interest", legitimate_interest="Keeping customers informed."
    )
    assert admin.post(PURPOSES, json=stated).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"key": "Event Invitations"}, "key"),
        ({"lawful_basis": "because"}, "lawful_basis"),
        ({"retention": "two years"}, "retention"),
        ({"retention_anchor": "whenever"}, "retention_anchor"),
        ({"data_use": "mind_reading"}, "data_use"),
        ({"data_subjects": ["martians"]}, "data_subjects"),
        ({"roles": ["janitor"]}, "roles"),
        ({"name_nl": " "}, "name_nl"),
        ({"transfers": [{"country": "US", "safeguard": " "}]}, "transfers"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_purposes_name_the_field(kluis: Kluis, overrides: dict[str, Any], field: str) -> None:
    response = client_for(kluis, "admin").post(PURPOSES, json=new_purpose(**overrides))
    assert_problem(response, 422, "urn:kluis:problem:invalid-field", field)


def test_a_missing_required_field_is_named(kluis: Kluis) -> None:
    body = new_purpose()
    del body["retention"]
    response = client_for(kluis, "admin").post(PURPOSES, json=body)
    assert_problem(response, 422, "urn:kluis:problem:invalid-field", "retention")


def test_a_key_is_added_once(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    response = admin.post(PURPOSES, json=new_purpose(key="invoicing"))
    assert_problem(response, 409, "urn:kluis:problem:conflict", "key")
    assert admin.get(f"{PURPOSES}/invoicing").json()["name_en"] == "Invoicing and bookkeeping"


def test_patch_changes_retention_and_the_audit_names_the_fields(kluis: Kluis) -> None:
    officer = client_for(kluis, "privacy_officer")
    response = officer.patch(
        f"{PURPOSES}/email_marketing", json={"retention": "P60D", "retention_anchor": "collection"}
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["retention"], changed["retention_anchor"]) == ("P60D", "collection")
    assert changed["lawful_basis"] == "consent"
    assert officer.get(f"{PURPOSES}/email_marketing").json() == changed

    (entry,) = audit_entries(kluis, action="purpose.changed")
    assert entry["purpose"] == "email_marketing"
    assert entry["details"] == {"fields": ["retention", "retention_anchor"]}
    assert entry["at"].startswith(NOW.date().isoformat())


def test_patch_with_nothing_new_writes_no_audit_entry(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    response = admin.patch(f"{PURPOSES}/invoicing", json={"retention": "P7Y"})
    assert response.status_code == 200, response.text
    assert audit_entries(kluis, action="purpose.changed") == []


def test_patch_is_checked_like_a_new_purpose(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"retention": "forever"}, "retention"),
        ({"data_categories": ["user.shoe_size"]}, "data_categories"),
        ({"lawful_basis": "legitimate_interest"}, "legitimate_interest"),
        ({"key": "marketing"}, "key"),
    ]
    for body, field in cases:
        response = admin.patch(f"{PURPOSES}/email_marketing", json=body)
        assert_problem(response, 422, "urn:kluis:problem:invalid-field", field)
    assert admin.get(f"{PURPOSES}/email_marketing").json()["retention"] == "P30D"
    assert audit_entries(kluis, action="purpose.changed") == []


def test_patch_is_refused_to_other_roles_and_unknown_keys(kluis: Kluis) -> None:
    marketing = client_for(kluis, "marketing")
    response = marketing.patch(f"{PURPOSES}/email_marketing", json={"retention": "P10Y"})
    assert_problem(response, 403, "urn:kluis:problem:permission-denied")
    assert marketing.get(f"{PURPOSES}/email_marketing").json()["retention"] == "P30D"
    admin = client_for(kluis, "admin")
    response = admin.patch(f"{PURPOSES}/astrology", json={"retention": "P1Y"})
    assert_problem(response, 404, "urn:kluis:problem:not-found", "key")


KEPT = (
    "name_en",
    "name_nl",
    "description_en",
    "description_nl",
    "lawful_basis",
    "data_use",
    "retention",
    "retention_anchor",
    "covers_everyone",
)
"""Fields of a purpose a change may leave out but not clear."""


@pytest.mark.parametrize("field", KEPT)
def test_patch_cannot_clear_a_required_field(kluis: Kluis, field: str) -> None:
    admin = client_for(kluis, "admin")
    response = admin.patch(f"{PURPOSES}/invoicing", json={field: None})
    assert_problem(response, 422, "urn:kluis:problem:invalid-field", field)
    assert audit_entries(kluis, action="purpose.changed") == []


def test_the_schema_of_a_change_offers_null_only_where_it_clears(kluis: Kluis) -> None:
    """What a change may not clear has no ``null`` (nor a ``null`` default) in the schema, so a
    client generated from it never sends what the service refuses; lists and the interest do."""
    spec = client_for(kluis, "admin").get("/api/v1/openapi.json").json()
    change = spec["components"]["schemas"]["PurposeUpdate"]["properties"]
    for name in KEPT:
        assert "null" not in str(change[name]), (name, change[name])
        assert "default" not in change[name], name
    for name in set(change) - set(KEPT):
        assert {"type": "null"} in change[name]["anyOf"], (name, change[name])


def test_patch_may_clear_the_interest_and_lists(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    response = admin.patch(f"{PURPOSES}/invoicing", json={"recipients": None})
    assert response.status_code == 200, response.text
    assert response.json()["recipients"] == []
    cleared = admin.patch(f"{PURPOSES}/sales_follow_up", json={"legitimate_interest": None})
    assert_problem(cleared, 422, "urn:kluis:problem:invalid-field", "legitimate_interest")
    moved = admin.patch(
        f"{PURPOSES}/sales_follow_up",
        json={"lawful_basis": "consent", "legitimate_interest": None},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["legitimate_interest"] is None
