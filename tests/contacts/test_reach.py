"""No role reaches a person or a purpose outside its own, through the JSON API with tokens of
each role, on SQLite and PostgreSQL: a duplicate e-mail address names its holder only to a role
that may read them, and adding a purpose to a person is further processing (Art. 6(4)) that needs
the purpose, the person and, for a purpose on consent, a live consent."""

from __future__ import annotations

from typing import Any

from api_helpers import assert_problem, client_for
from factories import person_fields
from kluis.runtime import Kluis

PEOPLE = "/api/v1/contacts"
TAKEN = "taken.address@example.com"


def body(n: int, purposes: tuple[str, ...], **overrides: Any) -> dict[str, Any]:
    return {"relationship": "customer", "purposes": list(purposes), **person_fields(n, **overrides)}


def held_for_invoicing(kluis: Kluis) -> str:
    """A person only the service role (and admins, privacy officers) may read."""
    made = client_for(kluis, "admin").post(
        PEOPLE, json=body(1, ("invoicing",), email=TAKEN, phone=None)
    )
    assert made.status_code == 201, made.text
    person_id: str = made.json()["id"]
    return person_id


def test_a_duplicate_address_names_its_holder_only_to_a_role_that_may_read_them(
    kluis: Kluis,
) -> None:
    holder = held_for_invoicing(kluis)
    marketing = client_for(kluis, "marketing")
    refused = marketing.post(PEOPLE, json=body(2, ("email_marketing",), email=TAKEN, phone=None))
    detail = assert_problem(refused, 409, "urn:kluis:problem:conflict", "email")["detail"]
    assert holder not in refused.text
    assert "not named" in detail
    service = client_for(kluis, "service")
    named = service.post(PEOPLE, json=body(3, ("customer_service",), email=TAKEN))
    assert holder in assert_problem(named, 409, "urn:kluis:problem:conflict", "email")["detail"]


def test_a_rectified_duplicate_address_names_its_holder_only_to_a_role_that_may_read_them(
    kluis: Kluis,
) -> None:
    holder = held_for_invoicing(kluis)
    marketing = client_for(kluis, "marketing")
    own = marketing.post(PEOPLE, json=body(2, ("email_marketing",), phone=None))
    assert own.status_code == 201, own.text
    refused = marketing.patch(
        f"{PEOPLE}/{own.json()['id']}", params={"purpose": "email_marketing"}, json={"email": TAKEN}
    )
    assert_problem(refused, 409, "urn:kluis:problem:conflict", "email")
    assert holder not in refused.text
    admin = client_for(kluis, "admin")
    named = admin.patch(
        f"{PEOPLE}/{own.json()['id']}", params={"purpose": "email_marketing"}, json={"email": TAKEN}
    )
    assert holder in assert_problem(named, 409, "urn:kluis:problem:conflict", "email")["detail"]


def test_a_restricted_holder_is_not_named_to_a_role_that_may_not_read_them_now(
    kluis: Kluis,
) -> None:
    admin = client_for(kluis, "admin")
    made = admin.post(PEOPLE, json=body(1, ("customer_service",), email=TAKEN))
    holder = made.json()["id"]
    sales = client_for(kluis, "sales")
    named = sales.post(PEOPLE, json=body(2, ("sales_follow_up",), email=TAKEN))
    assert holder in assert_problem(named, 409, "urn:kluis:problem:conflict", "email")["detail"]
    restricted = admin.post(
        f"{PEOPLE}/{holder}/restriction", json={"active": True, "method": "letter"}
    )
    assert restricted.status_code == 201, restricted.text
    refused = sales.post(PEOPLE, json=body(2, ("sales_follow_up",), email=TAKEN))
    assert_problem(refused, 409, "urn:kluis:problem:conflict", "email")
    assert holder not in refused.text
