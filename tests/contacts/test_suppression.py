"""The suppression list at the door, on SQLite and PostgreSQL: an erased or objecting person's
e-mail address and phone number are not added to a marketing purpose again, except by the
person themselves signing up with a double opt-in."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from api_helpers import assert_problem, client_for
from conftest import ADMIN, MARKETING, NOW, PRIVACY, SERVICE
from factories import add_person, new_person
from kluis.audit import service as audit
from kluis.consent import catalogue, decisions
from kluis.contacts import collect, erasure, people, rules
from kluis.contacts import flags as contacts_flags
from kluis.errors import Conflict, Suppressed
from kluis.public import signups
from kluis.purposes.rules import LawfulBasis, Purpose, RetentionAnchor
from kluis.runtime import Kluis

LATER = NOW + timedelta(days=30)
MARKETING_PURPOSES = ("customer_service", "email_marketing")
ADDRESS = "fenna.brouwersma1@example.com"


def erase(kluis: Kluis, person_id: str) -> None:
    assert erasure.erase_person(kluis, PRIVACY, person_id, NOW)


def object_to_marketing(kluis: Kluis, person_id: str) -> None:
    contacts_flags.set_flag(kluis, MARKETING, person_id, "objection", True, "email", NOW)


def listed(kluis: Kluis, kind: str, value: str) -> bool:
    return bool(kluis.vault.suppressed([kluis.vault.blind_index(kind, value)]))


# Erasure ----------------------------------------------------------------------------------------


def test_an_erased_address_is_refused_for_marketing_and_allowed_for_service(kluis: Kluis) -> None:
    erase(kluis, add_person(kluis, ADMIN, NOW, purposes=MARKETING_PURPOSES))
    assert listed(kluis, "email", ADDRESS)
    assert listed(kluis, "phone", "+31610000001")

    again = new_person(purposes=["email_marketing"], phone=None)
    with pytest.raises(Suppressed) as refused:
        collect.create_person(kluis, MARKETING, again, LATER)
    assert refused.value.field == "email"
    assert refused.value.status == 409
    assert "e-mail address is on the suppression list" in refused.value.detail
    assert "erased" in refused.value.detail
    assert "email_marketing" in refused.value.detail
    assert "fenna" not in refused.value.detail.lower()

    person_id = collect.create_person(kluis, SERVICE, new_person(), LATER)
    view = people.read_person(kluis, SERVICE, person_id, "customer_service", LATER)
    assert view.fields["email"] == ADDRESS
    assert listed(kluis, "email", ADDRESS), "a service contact does not take it off the list"


def test_the_address_is_matched_whatever_its_case(kluis: Kluis) -> None:
    erase(kluis, add_person(kluis, ADMIN, NOW))
    shouting = new_person(purposes=MARKETING_PURPOSES, email=ADDRESS.upper(), phone=None)
    with pytest.raises(Suppressed, match="e-mail address"):
        collect.create_person(kluis, ADMIN, shouting, LATER)


def test_an_erased_phone_number_is_refused_for_marketing(kluis: Kluis) -> None:
    erase(kluis, add_person(kluis, ADMIN, NOW, phone="+31 6 12345678"))
    other = new_person(
        2, purposes=MARKETING_PURPOSES, phone="06 12 34 56 78"
    )  # the same number, written nationally
    with pytest.raises(Suppressed) as refused:
        collect.create_person(kluis, ADMIN, other, LATER)
    assert refused.value.field == "phone"
    assert "phone number is on the suppression list" in refused.value.detail
    assert "12345678" not in refused.value.detail
    collect.create_person(kluis, ADMIN, new_person(2, phone="+31612345678"), LATER)


def test_erasure_audits_the_kinds_listed_never_the_digests(kluis: Kluis) -> None:
    person_id = add_person(kluis, ADMIN, NOW)
    erase(kluis, person_id)
    # one entry: the erasure and the kinds it listed
    [entry] = audit.list_entries(kluis.engine, person_id=person_id)[-1:]
    assert (entry.action, entry.details) == (
        "person.erased",
        {"reason": "request", "suppressed": ["email", "phone"], "expired": []},
    )
    assert audit.list_entries(kluis.engine, action="suppression.added") == []
    assert audit.verify(kluis.engine).ok
    # erasing again changes nothing and records nothing more
    assert not erasure.erase_person(kluis, PRIVACY, person_id, LATER)
    assert kluis.vault.suppression_count() == 2
    assert len(audit.list_entries(kluis.engine, action="person.erased")) == 1


def test_a_person_without_address_or_phone_leaves_the_list_alone(kluis: Kluis) -> None:
    person_id = add_person(kluis, ADMIN, NOW, email=None, phone=None)
    erase(kluis, person_id)
    assert kluis.vault.suppression_count() == 0
    [entry] = audit.list_entries(kluis.engine, action="person.erased")
    assert entry.details["suppressed"] == []


# Objection --------------------------------------------------------------------------------------


def test_an_objection_lists_the_address_and_phone(kluis: Kluis) -> None:
    person_id = add_person(kluis, ADMIN, NOW, purposes=MARKETING_PURPOSES)
    object_to_marketing(kluis, person_id)
    assert listed(kluis, "email", ADDRESS)
    assert listed(kluis, "phone", "+31610000001")
    [entry] = audit.list_entries(kluis.engine, person_id=person_id, action="suppression.added")
    assert entry.details == {"kinds": ["email", "phone"], "reason": "objected"}

    # while they are held, the address is a duplicate before it is a suppressed one
    with pytest.raises(Conflict):
        collect.create_person(kluis, ADMIN, new_person(purposes=MARKETING_PURPOSES), LATER)
    same_phone = new_person(2, purposes=MARKETING_PURPOSES, phone="+31610000001")
    with pytest.raises(Suppressed, match="objected to direct marketing") as refused:
        collect.create_person(kluis, ADMIN, same_phone, LATER)
    assert refused.value.field == "phone"
    collect.create_person(kluis, ADMIN, new_person(2, phone="+31610000001"), LATER)


def test_objecting_twice_lists_once_and_lifting_keeps_the_list(kluis: Kluis) -> None:
    person_id = add_person(kluis, ADMIN, NOW, purposes=MARKETING_PURPOSES)
    object_to_marketing(kluis, person_id)
    object_to_marketing(kluis, person_id)
    assert kluis.vault.suppression_count() == 2
    assert len(audit.list_entries(kluis.engine, action="suppression.added")) == 1
    contacts_flags.set_flag(kluis, PRIVACY, person_id, "objection", False, "email", LATER)
    assert kluis.vault.suppression_count() == 2


def test_a_restriction_does_not_list_anyone(kluis: Kluis) -> None:
    person_id = add_person(kluis, ADMIN, NOW)
    contacts_flags.set_flag(kluis, PRIVACY, person_id, "restriction", True, "email", NOW)
    assert kluis.vault.suppression_count() == 0


def test_an_objector_erased_later_stays_listed_as_objected(kluis: Kluis) -> None:
    person_id = add_person(kluis, ADMIN, NOW, purposes=MARKETING_PURPOSES)
    object_to_marketing(kluis, person_id)
    erase(kluis, person_id)
    with pytest.raises(Suppressed, match="objected"):
        collect.create_person(
            kluis, ADMIN, new_person(purposes=MARKETING_PURPOSES, phone=None), LATER
        )


# Bulk -------------------------------------------------------------------------------------------


def test_a_bulk_batch_asks_the_list_once_and_names_the_person(
    kluis: Kluis, monkeypatch: pytest.MonkeyPatch
) -> None:
    erase(kluis, add_person(kluis, ADMIN, NOW, email="gone@example.com", phone=None))
    calls: list[int] = []
    ask = kluis.vault.suppression_reasons

    def counted(digests: Any) -> dict[bytes, str]:
        wanted = list(digests)
        calls.append(len(wanted))
        return ask(wanted)

    monkeypatch.setattr(kluis.vault, "suppression_reasons", counted)
    items = [new_person(n, purposes=MARKETING_PURPOSES) for n in range(10, 60)]
    created = collect.create_people(kluis, ADMIN, items, LATER)
    assert len(created) == 50
    assert calls == [100], "one look-up for the batch's 50 addresses and 50 phone numbers"

    calls.clear()
    items = [new_person(n, purposes=MARKETING_PURPOSES) for n in range(60, 65)]
    items[2] = new_person(62, purposes=MARKETING_PURPOSES, email="Gone@example.com")
    with pytest.raises(Suppressed, match=r"^person 3: this e-mail address"):
        collect.create_people(kluis, ADMIN, items, LATER)
    assert len(calls) == 1
    assert people.search_people(kluis, ADMIN, "privacy_requests", LATER).total == 50


def test_only_marketing_people_are_looked_up(kluis: Kluis, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(_digests: Any) -> dict[bytes, str]:
        raise AssertionError("no marketing purpose: the list is not asked")

    monkeypatch.setattr(kluis.vault, "suppression_reasons", fail)
    collect.create_people(kluis, ADMIN, [new_person(n) for n in range(5)], NOW)


# The person signs up again themselves ----------------------------------------------------------


def test_a_double_opt_in_sign_up_adds_a_suppressed_address_and_lists_it_no_more(
    kluis: Kluis,
) -> None:
    erase(kluis, add_person(kluis, ADMIN, NOW, purposes=MARKETING_PURPOSES))
    notice = catalogue.add_notice(
        kluis, ADMIN, "en", "Yes, send me offers by e-mail.", NOW, covers=[("email", "offers")]
    ).id
    sent: list[EmailMessage] = []
    form = signups.Checked(ADDRESS, "Fenna", "Brouwersma", "en", ("offers",), {"offers": notice})
    signup_id = signups.start(
        kluis, form, LATER, sent.append, source_ip="192.0.2.7", user_agent="KluisTest/1.0"
    )
    assert len(sent) == 1
    confirmed = signups.confirm(kluis, signup_id, LATER)

    view = people.read_person(kluis, MARKETING, confirmed.person_id, "email_marketing", LATER)
    assert view.fields["email"] == ADDRESS
    assert not listed(kluis, "email", ADDRESS)
    assert listed(kluis, "phone", "+31610000001"), "the sign-up did not give the phone number"
    [entry] = audit.list_entries(
        kluis.engine, person_id=confirmed.person_id, action="suppression.removed"
    )
    assert entry.details == {"kinds": ["email"]}
    decision = decisions.decide(
        kluis, MARKETING, confirmed.person_id, "email", "commercial", "offers", LATER
    )
    assert (decision.allowed, decision.reason.value) == (True, "consent")


def test_allow_suppressed_is_the_only_way_past_the_list(kluis: Kluis) -> None:
    erase(kluis, add_person(kluis, ADMIN, NOW, phone=None))
    again = new_person(purposes=["email_marketing"], phone=None)
    person_id = collect.create_person(kluis, MARKETING, again, LATER, allow_suppressed=True)
    assert not listed(kluis, "email", ADDRESS)
    assert people.read_person(kluis, MARKETING, person_id, "email_marketing", LATER).fields


# The API ----------------------------------------------------------------------------------------


def test_the_api_answers_409_suppressed_without_the_address(kluis: Kluis) -> None:
    erase(kluis, add_person(kluis, ADMIN, NOW, purposes=MARKETING_PURPOSES))
    client = client_for(kluis, "marketing")
    response = client.post(
        "/api/v1/contacts",
        json={
            "relationship": "prospect",
            "purposes": ["email_marketing"],
            "given_name": "Fenna",
            "email": ADDRESS,
        },
    )
    body = assert_problem(response, 409, "urn:kluis:problem:suppressed", "email")
    assert ADDRESS not in response.text
    assert "erased" in body["detail"]


# The rule ---------------------------------------------------------------------------------------


def purpose(key: str, data_use: str) -> Purpose:
    return Purpose(
        key=key,
        name_en=key,
        name_nl=key,
        description_en="",
        description_nl="",
        lawful_basis=LawfulBasis.CONSENT,
        data_categories=("user.contact",),
        data_use=data_use,
        retention="P1Y",
        retention_anchor=RetentionAnchor.COLLECTION,
    )


@pytest.mark.parametrize(
    ("key", "data_use", "expected"),
    [
        ("email_marketing", "essential.service", True),
        ("sms_offers", "marketing.communications.text_message", True),
        ("ads", "marketing", True),
        ("ads", "marketing.advertising.first_party", True),
        ("customer_service", "essential.service.operations.support", False),
        ("marketingish", "essential.service", False),
        ("analytics", "marketingish", False),
    ],
)
def test_what_counts_as_marketing(key: str, data_use: str, expected: bool) -> None:
    assert rules.is_marketing(purpose(key, data_use), "email_marketing") is expected
