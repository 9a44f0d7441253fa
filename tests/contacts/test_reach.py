"""No role reaches a person or a purpose outside its own, through the JSON API with tokens of
each role, on SQLite and PostgreSQL: a duplicate e-mail address names its holder only to a role
that may read them, and adding a purpose to a person is further processing (Art. 6(4)) that needs
the purpose, the person and, for a purpose on consent, a live consent."""

from __future__ import annotations

from typing import Any

from api_helpers import TestClient, assert_problem, client_for
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


# Adding a purpose -------------------------------------------------------------------------------


def held_for_service(kluis: Kluis, n: int = 1) -> str:
    made = client_for(kluis, "admin").post(
        PEOPLE, json=body(n, ("customer_service",), notes="sailing")
    )
    assert made.status_code == 201, made.text
    person_id: str = made.json()["id"]
    return person_id


def set_purposes(client: TestClient, person_id: str, under: str, *keys: str) -> Any:
    return client.patch(f"{PEOPLE}/{person_id}", params={"purpose": under}, json={"purposes": keys})


def purposes_added(kluis: Kluis, person_id: str) -> list[dict[str, Any]]:
    response = client_for(kluis, "admin").get(
        "/api/v1/audit", params={"person_id": person_id, "action": "person.purpose_added"}
    )
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


def test_adding_a_purpose_is_audited_as_further_processing(kluis: Kluis) -> None:
    person_id = held_for_service(kluis)
    sales = client_for(kluis, "sales")
    added = set_purposes(
        sales, person_id, "customer_service", "customer_service", "sales_follow_up"
    )
    assert added.status_code == 200, added.text
    (entry,) = purposes_added(kluis, person_id)
    assert entry["purpose"] == "sales_follow_up"
    assert entry["details"] == {
        "lawful_basis": "legitimate_interest",
        "under": "customer_service",
        "consent_event_id": None,
    }
    assert "sailing" not in str(entry)


def test_a_role_adds_only_a_purpose_it_holds(kluis: Kluis) -> None:
    person_id = held_for_service(kluis)
    sales = client_for(kluis, "sales")
    refused = set_purposes(sales, person_id, "customer_service", "customer_service", "invoicing")
    detail = assert_problem(refused, 403, "urn:kluis:problem:purpose-refused", "purposes")["detail"]
    assert "invoicing" in detail
    assert purposes_added(kluis, person_id) == []


def test_a_role_adds_a_purpose_only_to_a_person_it_may_read(kluis: Kluis) -> None:
    person_id = held_for_invoicing(kluis)
    sales = client_for(kluis, "sales")
    for under in ("customer_service", "sales_follow_up"):
        refused = set_purposes(sales, person_id, under, under, "invoicing")
        assert_problem(refused, 403, "urn:kluis:problem:purpose-refused", "purpose")
        assert TAKEN not in refused.text
    assert purposes_added(kluis, person_id) == []


def grant(client: TestClient, person_id: str) -> int:
    notice = client.post(
        "/api/v1/notices",
        json={
            "language": "nl",
            "text": "Ja, stuur mij aanbiedingen per e-mail.",
            "channels": ["email"],
            "topics": ["offers"],
        },
    )
    assert notice.status_code in (200, 201), notice.text
    granted = client.post(
        f"{PEOPLE}/{person_id}/consents",
        json={
            "channel": "email",
            "topic": "offers",
            "action": "granted",
            "method": "web_form",
            "notice_id": notice.json()["id"],
        },
    )
    assert granted.status_code == 201, granted.text
    event_id: int = granted.json()["id"]
    return event_id


def test_a_purpose_on_consent_is_added_only_once_the_person_consented(kluis: Kluis) -> None:
    person_id = held_for_service(kluis)
    admin = client_for(kluis, "admin")
    wanted = ("customer_service", "email_marketing")
    refused = set_purposes(admin, person_id, "customer_service", *wanted)
    detail = assert_problem(refused, 403, "urn:kluis:problem:purpose-refused", "purposes")["detail"]
    assert "email_marketing" in detail
    assert "consent" in detail
    marketing = client_for(kluis, "marketing")
    hidden = marketing.get(f"{PEOPLE}/{person_id}", params={"purpose": "email_marketing"})
    assert_problem(hidden, 403, "urn:kluis:problem:purpose-refused")

    event_id = grant(admin, person_id)
    added = set_purposes(admin, person_id, "customer_service", *wanted)
    assert added.status_code == 200, added.text
    assert added.json()["purposes"] == list(wanted)
    (entry,) = purposes_added(kluis, person_id)
    assert entry["details"]["lawful_basis"] == "consent"
    assert entry["details"]["consent_event_id"] == event_id


def test_a_withdrawn_consent_adds_no_purpose_on_consent(kluis: Kluis) -> None:
    person_id = held_for_service(kluis)
    admin = client_for(kluis, "admin")
    grant(admin, person_id)
    withdrawn = admin.post(
        f"{PEOPLE}/{person_id}/consents",
        json={"channel": "email", "topic": "offers", "action": "withdrawn", "method": "email"},
    )
    assert withdrawn.status_code == 201, withdrawn.text
    refused = set_purposes(
        admin, person_id, "customer_service", "customer_service", "email_marketing"
    )
    assert_problem(refused, 403, "urn:kluis:problem:purpose-refused", "purposes")


def test_a_person_who_objected_gets_no_marketing_purpose_whatever_they_consented_to(
    kluis: Kluis,
) -> None:
    person_id = held_for_service(kluis)
    admin = client_for(kluis, "admin")
    grant(admin, person_id)
    objected = admin.post(
        f"{PEOPLE}/{person_id}/objection", json={"active": True, "method": "letter"}
    )
    assert objected.status_code == 201, objected.text
    refused = set_purposes(
        admin, person_id, "customer_service", "customer_service", "email_marketing"
    )
    detail = assert_problem(refused, 403, "urn:kluis:problem:purpose-refused", "purposes")["detail"]
    assert "Art. 21(3)" in detail
    assert purposes_added(kluis, person_id) == []
