"""Restriction of processing on reads (GDPR Art. 18(2)), on SQLite and PostgreSQL: a restricted
person is only stored; they are read or changed only for their own privacy request or under a
legal obligation, and searches and bulk reads under any other purpose leave them out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api_helpers import assert_problem, client_for
from conftest import ADMIN, NOW, PRIVACY, SALES, SERVICE
from factories import add_person
from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.contacts import flags as contacts_flags
from kluis.contacts import people as contacts_people
from kluis.contacts import rectify, rules
from kluis.errors import PurposeRefused, Restricted
from kluis.purposes.rules import LawfulBasis, Purpose, RetentionAnchor
from kluis.runtime import Kluis

LATER = NOW + timedelta(days=2)
PURPOSES = ("customer_service", "sales_follow_up", "invoicing")


def restrict(kluis: Kluis, person_id: str, active: bool = True) -> None:
    contacts_flags.set_flag(
        kluis, PRIVACY, person_id, "restriction", active, "privacy_request", NOW
    )


@pytest.fixture
def people(kluis: Kluis) -> tuple[str, str]:
    """Two customers with the same family name; the first is restricted."""
    held = add_person(kluis, ADMIN, NOW, 1, purposes=PURPOSES, family_name="Brouwersma")
    free = add_person(kluis, ADMIN, NOW, 2, purposes=PURPOSES, family_name="Brouwersma")
    restrict(kluis, held)
    return held, free


@pytest.mark.parametrize(
    ("actor", "purpose"),
    [(SALES, "sales_follow_up"), (SERVICE, "customer_service")],
    ids=["sales_follow_up", "customer_service"],
)
def test_a_restricted_person_is_not_read_under_an_ordinary_purpose(
    kluis: Kluis, people: tuple[str, str], actor: Actor, purpose: str
) -> None:
    held, free = people
    with pytest.raises(Restricted, match=r"restricted \(Art. 18\)") as refused:
        contacts_people.read_person(kluis, actor, held, purpose, LATER)
    assert refused.value.status == 409
    assert refused.value.slug == "restricted"
    assert contacts_people.read_person(kluis, actor, free, purpose, LATER).fields
    assert audit.list_entries(kluis.engine, person_id=held, action="person.read") == []


def test_a_restricted_person_is_not_changed_under_an_ordinary_purpose(
    kluis: Kluis, people: tuple[str, str]
) -> None:
    held, _ = people
    with pytest.raises(Restricted):
        rectify.update_person(kluis, SERVICE, held, "customer_service", {"job_title": "x"}, LATER)
    assert audit.list_entries(kluis.engine, person_id=held, action="person.updated") == []


def test_the_privacy_request_purpose_and_a_legal_obligation_still_read(
    kluis: Kluis, people: tuple[str, str]
) -> None:
    held, _ = people
    full = contacts_people.read_person(kluis, PRIVACY, held, "privacy_requests", LATER)
    assert full.fields["phone"] == "+31610000001"
    invoice = contacts_people.read_person(kluis, SERVICE, held, "invoicing", LATER)
    assert set(invoice.fields) == {"given_name", "family_name", "email"}
    changed = rectify.update_person(
        kluis, PRIVACY, held, "privacy_requests", {"job_title": "Kaasmaker"}, LATER
    )
    assert changed.fields["job_title"] == "Kaasmaker"
    assert contacts_people.recipient(kluis, SERVICE, held, "invoicing", LATER).email


def test_purpose_limitation_is_checked_before_the_restriction(
    kluis: Kluis, people: tuple[str, str]
) -> None:
    held = add_person(kluis, ADMIN, NOW, 3, purposes=("customer_service",))
    restrict(kluis, held)
    with pytest.raises(PurposeRefused, match="not collected for purpose 'sales_follow_up'"):
        contacts_people.read_person(kluis, SALES, held, "sales_follow_up", LATER)


def test_search_and_bulk_reads_leave_a_restricted_person_out(
    kluis: Kluis, people: tuple[str, str]
) -> None:
    held, free = people
    for actor, purpose in ((SALES, "sales_follow_up"), (SERVICE, "customer_service")):
        page = contacts_people.search_people(kluis, actor, purpose, LATER, text="brouwersma")
        assert ([v.id for v in page.items], page.total) == ([free], 1)
        listing = contacts_people.search_people(kluis, actor, purpose, LATER)
        assert ([v.id for v in listing.items], listing.total) == ([free], 1)
        by_email = contacts_people.search_people(
            kluis, actor, purpose, LATER, text="fenna.brouwersma1@example.com"
        )
        assert by_email.total == 0
        bulk = contacts_people.read_people(kluis, actor, [held, free], purpose, LATER)
        assert [v.id for v in bulk] == [free]
    everyone = contacts_people.search_people(
        kluis, PRIVACY, "privacy_requests", LATER, text="brouwersma"
    )
    assert {v.id for v in everyone.items} == {held, free}
    invoicing = contacts_people.search_people(kluis, SERVICE, "invoicing", LATER)
    assert invoicing.total == 2
    assert [
        v.id for v in contacts_people.read_people(kluis, SERVICE, [held], "invoicing", LATER)
    ] == [held]
    assert audit.list_entries(kluis.engine, person_id=held, action="person.read")


def test_a_message_read_is_refused_under_an_ordinary_purpose(
    kluis: Kluis, people: tuple[str, str]
) -> None:
    held, _ = people
    with pytest.raises(Restricted):
        contacts_people.recipient(kluis, SERVICE, held, "customer_service", LATER)


def test_lifting_the_restriction_makes_them_readable_again(
    kluis: Kluis, people: tuple[str, str]
) -> None:
    held, free = people
    restrict(kluis, held, active=False)
    assert contacts_people.read_person(kluis, SALES, held, "sales_follow_up", LATER).id == held
    page = contacts_people.search_people(kluis, SALES, "sales_follow_up", LATER, text="brouwersma")
    assert {v.id for v in page.items} == {held, free}


def test_an_objection_does_not_hide_anyone(kluis: Kluis, people: tuple[str, str]) -> None:
    _, free = people
    contacts_flags.set_flag(kluis, ADMIN, free, "objection", True, "email", NOW)
    assert contacts_people.read_person(kluis, SALES, free, "sales_follow_up", LATER).id == free


def test_the_api_answers_409_restricted(kluis: Kluis, people: tuple[str, str]) -> None:
    held, _ = people
    client = client_for(kluis, "sales", now=LATER)
    response = client.get(f"/api/v1/contacts/{held}", params={"purpose": "sales_follow_up"})
    body = assert_problem(response, 409, "urn:kluis:problem:restricted", "purpose")
    assert "Art. 18" in body["detail"]


# The rule ---------------------------------------------------------------------------------------


def purpose(basis: LawfulBasis, covers_everyone: bool = False) -> Purpose:
    return Purpose(
        key="p",
        name_en="p",
        name_nl="p",
        description_en="",
        description_nl="",
        lawful_basis=basis,
        data_categories=("user",),
        data_use="essential",
        retention="P1Y",
        retention_anchor=RetentionAnchor.COLLECTION,
        legitimate_interest="x" if basis is LawfulBasis.LEGITIMATE_INTEREST else None,
        covers_everyone=covers_everyone,
    )


@pytest.mark.parametrize("basis", list(LawfulBasis), ids=lambda b: b.value)
def test_only_a_legal_obligation_or_the_persons_own_request_may_process(
    basis: LawfulBasis,
) -> None:
    assert rules.may_process_restricted(purpose(basis)) is (basis is LawfulBasis.LEGAL_OBLIGATION)
    assert rules.may_process_restricted(purpose(basis, covers_everyone=True))
