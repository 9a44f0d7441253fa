"""Adding a purpose to a selection (contacts.bulk), on SQLite and PostgreSQL: further processing
decided per person by the one rule (Art. 6(4)), all or none, audited per person."""

from __future__ import annotations

import pytest

from conftest import ADMIN, NOW, SALES
from factories import add_person
from kluis.audit import service as audit
from kluis.contacts import bulk, flags, people
from kluis.errors import PurposeRefused
from kluis.runtime import Kluis

CS = "customer_service"


def test_a_purpose_is_added_to_each_person_who_lacks_it(kluis: Kluis) -> None:
    ids = [add_person(kluis, SALES, NOW, n) for n in range(1, 4)]
    bulk.add_purpose(kluis, SALES, ids[:1], "sales_follow_up", CS, NOW)
    assert bulk.add_purpose(kluis, SALES, ids, "sales_follow_up", CS, NOW) == 2
    for person_id in ids:
        assert "sales_follow_up" in people.read_person(kluis, SALES, person_id, CS, NOW).purposes
    entries = audit.list_entries(kluis.engine, action="person.purpose_added")
    assert sorted(e.person_id or "" for e in entries) == sorted(ids)
    assert {e.details["under"] for e in entries} == {CS}


def test_one_objecting_person_refuses_a_marketing_purpose_for_the_whole_selection(
    kluis: Kluis,
) -> None:
    ids = [add_person(kluis, SALES, NOW, n) for n in range(1, 4)]
    flags.set_flag(kluis, ADMIN, ids[1], "objection", True, "phone", NOW)
    with pytest.raises(PurposeRefused) as caught:
        bulk.add_purpose(kluis, SALES, ids, "existing_customer_marketing", CS, NOW)
    assert ids[1] in caught.value.detail
    for person_id in ids:
        held = people.read_person(kluis, SALES, person_id, CS, NOW).purposes
        assert "existing_customer_marketing" not in held
    assert audit.list_entries(kluis.engine, action="person.purpose_added") == []


def test_a_purpose_the_role_does_not_hold_is_refused(kluis: Kluis) -> None:
    ids = [add_person(kluis, SALES, NOW, 1)]
    with pytest.raises(PurposeRefused):
        bulk.add_purpose(kluis, SALES, ids, "email_marketing", CS, NOW)
