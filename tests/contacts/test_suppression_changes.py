"""The suppression list when a person already held is changed, on SQLite and PostgreSQL.

An objection to direct marketing (Art. 21(3)) covers every way to reach the person, so an e-mail
address or phone number they are given after objecting goes on the list too, whether staff add
it (rectification, Art. 16) or an import's merge fills it in. And rectification may not give a
person who keeps a marketing purpose an address that is on the list (Art. 17, 21(3)), the door
``create_people`` keeps for new people.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from api_helpers import assert_problem, client_for
from conftest import ADMIN, MARKETING, NOW, PRIVACY
from factories import add_person, new_person
from kluis.audit import service as audit
from kluis.contacts import collect, erasure, people, rectify
from kluis.contacts import flags as contacts_flags
from kluis.errors import Conflict, Suppressed
from kluis.runtime import Kluis
from kluis.transfer import pipeline
from kluis.transfer.job import ImportOptions
from kluis.transfer.rules.matching import Duplicates
from transfer.helpers import write

LATER = NOW + timedelta(days=30)
MARKETING_PURPOSES = ("customer_service", "email_marketing")
NEW_PHONE = "+31655550101"
NEW_ADDRESS = "jorien.veltkamp@example.com"


def object_to_marketing(kluis: Kluis, person_id: str) -> None:
    contacts_flags.set_flag(kluis, MARKETING, person_id, "objection", True, "email", NOW)


def listed(kluis: Kluis, kind: str, value: str) -> str | None:
    """The reason ``value`` is on the suppression list, or None."""
    digest = kluis.vault.blind_index(kind, value)
    return kluis.vault.suppression_reasons([digest]).get(digest)


def listings(kluis: Kluis, person_id: str) -> list[dict[str, object]]:
    entries = audit.list_entries(kluis.engine, person_id=person_id, action="suppression.added")
    return [e.details for e in entries]


def objector_without_phone(kluis: Kluis, **fields: str | None) -> str:
    person_id = add_person(kluis, ADMIN, NOW, phone=None, **fields)
    object_to_marketing(kluis, person_id)
    return person_id


def change(kluis: Kluis, person_id: str, **changes: object) -> people.PersonView:
    return rectify.update_person(kluis, ADMIN, person_id, "customer_service", changes, LATER)


# An objector given a new address or number -----------------------------------------------------


def test_a_phone_added_after_the_objection_is_listed_as_objected(kluis: Kluis) -> None:
    person_id = objector_without_phone(kluis)
    assert listings(kluis, person_id) == [{"kinds": ["email"], "reason": "objected"}]

    change(kluis, person_id, phone="06 55 55 01 01")

    assert listed(kluis, "phone", NEW_PHONE) == "objected"
    assert listings(kluis, person_id) == [
        {"kinds": ["email"], "reason": "objected"},
        {"kinds": ["phone"], "reason": "objected"},
    ]
    assert audit.verify(kluis.engine).ok
    # so a form or import that brings the number back for marketing is refused
    again = new_person(2, purposes=MARKETING_PURPOSES, phone=NEW_PHONE)
    with pytest.raises(Suppressed, match="objected to direct marketing") as refused:
        collect.create_person(kluis, ADMIN, again, LATER)
    assert refused.value.field == "phone"


def test_a_changed_address_is_listed_and_the_old_one_stays(kluis: Kluis) -> None:
    person_id = objector_without_phone(kluis)
    change(kluis, person_id, email=NEW_ADDRESS.upper())
    assert listed(kluis, "email", NEW_ADDRESS) == "objected"
    assert listed(kluis, "email", "fenna.brouwersma1@example.com") == "objected"
    assert kluis.vault.suppression_count() == 2


def test_an_objector_keeping_a_marketing_purpose_gets_a_new_number_listed(kluis: Kluis) -> None:
    person_id = add_person(kluis, ADMIN, NOW, purposes=MARKETING_PURPOSES, phone=None)
    object_to_marketing(kluis, person_id)
    view = change(kluis, person_id, phone=NEW_PHONE)
    assert view.fields["phone"] == NEW_PHONE
    assert listed(kluis, "phone", NEW_PHONE) == "objected"


def test_other_changes_to_an_objector_list_nothing_more(kluis: Kluis) -> None:
    person_id = add_person(kluis, ADMIN, NOW)
    object_to_marketing(kluis, person_id)
    change(kluis, person_id, family_name="Veltkamp", phone=None)
    change(kluis, person_id, relationship="prospect")
    assert kluis.vault.suppression_count() == 2
    assert len(listings(kluis, person_id)) == 1


def test_a_person_who_did_not_object_is_not_listed(kluis: Kluis) -> None:
    person_id = add_person(kluis, ADMIN, NOW, phone=None)
    change(kluis, person_id, phone=NEW_PHONE, email=NEW_ADDRESS)
    assert kluis.vault.suppression_count() == 0
    assert listings(kluis, person_id) == []


def test_after_the_objection_is_lifted_a_new_number_is_not_listed(kluis: Kluis) -> None:
    person_id = objector_without_phone(kluis)
    contacts_flags.set_flag(kluis, PRIVACY, person_id, "objection", False, "email", NOW)
    change(kluis, person_id, phone=NEW_PHONE)
    assert listed(kluis, "phone", NEW_PHONE) is None


def test_a_refused_change_lists_nothing(kluis: Kluis) -> None:
    add_person(kluis, ADMIN, NOW, 2, email=NEW_ADDRESS)
    person_id = objector_without_phone(kluis)
    with pytest.raises(Conflict):
        change(kluis, person_id, email=NEW_ADDRESS, phone=NEW_PHONE)
    assert listed(kluis, "phone", NEW_PHONE) is None
    assert len(listings(kluis, person_id)) == 1


def test_a_merge_that_fills_in_a_phone_lists_it(kluis: Kluis, tmp_path: Path) -> None:
    person_id = objector_without_phone(kluis)
    path = write(
        tmp_path / "beurs.csv", "E-mail,Telefoon\nfenna.brouwersma1@example.com,06 55550101\n"
    )
    options = ImportOptions(purposes=("customer_service",), duplicates=Duplicates.MERGE)

    report = pipeline.run_import(kluis, ADMIN, path, options, LATER)

    assert report.counts.merged == 1
    assert listed(kluis, "phone", NEW_PHONE) == "objected"
    assert listings(kluis, person_id)[-1] == {"kinds": ["phone"], "reason": "objected"}
    assert audit.verify(kluis.engine).ok


def test_the_api_lists_a_phone_added_to_an_objector(kluis: Kluis) -> None:
    person_id = objector_without_phone(kluis)
    response = client_for(kluis, "service").patch(
        f"/api/v1/contacts/{person_id}?purpose=customer_service", json={"phone": NEW_PHONE}
    )
    assert response.status_code == 200, response.text
    assert listed(kluis, "phone", NEW_PHONE) == "objected"


# A listed address given to a person in marketing -----------------------------------------------


def erased_phone(kluis: Kluis) -> None:
    """``NEW_PHONE`` on the list because its holder was erased."""
    gone = add_person(kluis, ADMIN, NOW, 9, email=None, phone=NEW_PHONE)
    assert erasure.erase_person(kluis, PRIVACY, gone, NOW)


def test_a_listed_number_is_refused_for_a_person_in_marketing(kluis: Kluis) -> None:
    erased_phone(kluis)
    person_id = add_person(kluis, ADMIN, NOW, purposes=MARKETING_PURPOSES, phone=None)

    with pytest.raises(Suppressed) as refused:
        change(kluis, person_id, phone="06 55550101", family_name="Veltkamp")

    assert refused.value.field == "phone"
    assert refused.value.status == 409
    detail = refused.value.detail
    assert detail.startswith("this phone number is on the suppression list because its holder")
    assert "erased" in detail
    assert "remove email_marketing from their purposes in the same change" in detail
    assert "55550101" not in detail
    view = people.read_person(kluis, ADMIN, person_id, "customer_service", LATER)
    assert "phone" not in view.fields
    assert view.fields["family_name"] == "Brouwersma1", "nothing of the change is kept"
    assert audit.list_entries(kluis.engine, person_id=person_id, action="person.updated") == []


def test_a_listed_address_is_refused_too(kluis: Kluis) -> None:
    gone = add_person(kluis, ADMIN, NOW, 9, email=NEW_ADDRESS, phone=None)
    object_to_marketing(kluis, gone)
    assert erasure.erase_person(kluis, PRIVACY, gone, NOW)
    person_id = add_person(kluis, ADMIN, NOW, purposes=MARKETING_PURPOSES)
    with pytest.raises(Suppressed, match="objected to direct marketing") as refused:
        rectify.update_person(
            kluis, MARKETING, person_id, "email_marketing", {"email": NEW_ADDRESS}, LATER
        )
    assert refused.value.field == "email"


def test_removing_the_marketing_purposes_in_the_same_change_allows_it(kluis: Kluis) -> None:
    erased_phone(kluis)
    person_id = add_person(kluis, ADMIN, NOW, purposes=MARKETING_PURPOSES, phone=None)
    view = change(kluis, person_id, phone=NEW_PHONE, purposes=["customer_service"])
    assert view.purposes == ("customer_service",)
    assert view.fields["phone"] == NEW_PHONE
    assert listed(kluis, "phone", NEW_PHONE) == "erased", "still listed: others stay refused"


def test_a_person_without_a_marketing_purpose_may_have_a_listed_number(kluis: Kluis) -> None:
    erased_phone(kluis)
    person_id = add_person(kluis, ADMIN, NOW, phone=None)
    assert change(kluis, person_id, phone=NEW_PHONE).fields["phone"] == NEW_PHONE


def test_an_objector_keeping_marketing_may_write_their_own_number_again(kluis: Kluis) -> None:
    person_id = add_person(kluis, ADMIN, NOW, purposes=MARKETING_PURPOSES, phone=NEW_PHONE)
    object_to_marketing(kluis, person_id)
    assert listed(kluis, "phone", NEW_PHONE) == "objected"
    view = change(kluis, person_id, phone="06 55 55 01 01")
    assert view.fields["phone"] == NEW_PHONE, "their own number adds nobody to marketing"


def test_the_api_answers_409_suppressed_naming_the_field(kluis: Kluis) -> None:
    erased_phone(kluis)
    person_id = add_person(kluis, ADMIN, NOW, purposes=MARKETING_PURPOSES, phone=None)
    response = client_for(kluis, "service").patch(
        f"/api/v1/contacts/{person_id}?purpose=customer_service", json={"phone": NEW_PHONE}
    )
    body = assert_problem(response, 409, "urn:kluis:problem:suppressed", "phone")
    assert "55550101" not in response.text
    assert "email_marketing" in body["detail"]
