"""Owners of people and companies (d0019_lists), on SQLite and PostgreSQL: set on create, changed
one at a time or for a selection in one transaction, audited per person by staff ref, refused
for a person outside the working purpose, and cleared (not deleted) with the staff user."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from conftest import NOW, SERVICE
from factories import add_person
from kluis.actors import SYSTEM, Actor, Role
from kluis.audit import service as audit
from kluis.auth import service as users
from kluis.auth.tables import User
from kluis.contacts import companies, erasure, owners, people
from kluis.contacts.list_rules import OwnerFilter
from kluis.contacts.tables import people as people_table
from kluis.errors import InvalidField, PurposeRefused
from kluis.runtime import Kluis


def staff(kluis: Kluis, name: str, role: str = "sales") -> Actor:
    user, _ = users.create_user(kluis.engine, SYSTEM, f"{name}@example.com", role, NOW)
    return Actor(ref=f"user:{user.id}", role=Role(role), user_id=user.id)


def owner_of(kluis: Kluis, person_id: str) -> int | None:
    with kluis.engine.connect() as conn:
        value = conn.scalar(select(people_table.c.owner_id).where(people_table.c.id == person_id))
    return None if value is None else int(value)


def test_a_person_belongs_to_the_staff_user_who_collects_them(kluis: Kluis) -> None:
    sanne = staff(kluis, "sanne")
    mine = add_person(kluis, sanne, NOW, 1)
    by_operator = add_person(kluis, SERVICE, NOW, 2)
    assert owner_of(kluis, mine) == sanne.user_id
    assert owner_of(kluis, by_operator) is None  # SERVICE names no stored staff user
    view = people.read_person(kluis, sanne, mine, "customer_service", NOW)
    assert view.owner_id == sanne.user_id


def test_assigning_a_selection_is_one_audited_change_per_person(kluis: Kluis) -> None:
    sanne, joris = staff(kluis, "sanne"), staff(kluis, "joris")
    ids = [add_person(kluis, sanne, NOW, n) for n in range(1, 4)]
    changed = owners.assign_people(kluis, sanne, ids, joris.user_id, "customer_service", NOW)
    assert changed == 3
    assert {owner_of(kluis, i) for i in ids} == {joris.user_id}
    entries = audit.list_entries(kluis.engine, action="person.owner_changed")
    assert sorted(e.person_id or "" for e in entries) == sorted(ids)
    assert {e.details["owner"] for e in entries} == {f"user:{joris.user_id}"}
    assert {e.details["previous"] for e in entries} == {f"user:{sanne.user_id}"}
    assert {e.purpose for e in entries} == {"customer_service"}
    # the same owner again changes nothing and records nothing
    assert owners.assign_people(kluis, sanne, ids, joris.user_id, "customer_service", NOW) == 0
    assert len(audit.list_entries(kluis.engine, action="person.owner_changed")) == 3
    assert owners.assign_people(kluis, sanne, ids[:1], None, "customer_service", NOW) == 1
    assert owner_of(kluis, ids[0]) is None


def test_one_person_outside_the_purpose_refuses_the_whole_selection(kluis: Kluis) -> None:
    sanne, joris = staff(kluis, "sanne"), staff(kluis, "joris")
    held = add_person(kluis, sanne, NOW, 1)
    other = add_person(kluis, sanne, NOW, 2, purposes=("sales_follow_up",))
    with pytest.raises(PurposeRefused):
        owners.assign_people(kluis, sanne, [held, other], joris.user_id, "customer_service", NOW)
    assert owner_of(kluis, held) == sanne.user_id
    assert audit.list_entries(kluis.engine, action="person.owner_changed") == []


def test_an_owner_must_be_an_active_staff_user(kluis: Kluis) -> None:
    sanne = staff(kluis, "sanne")
    person = add_person(kluis, sanne, NOW, 1)
    with pytest.raises(InvalidField) as caught:
        owners.assign_people(kluis, sanne, [person], 9999, "customer_service", NOW)
    assert caught.value.field == "owner"
    with pytest.raises(InvalidField):
        owners.assign_people(kluis, sanne, [], None, "customer_service", NOW)


def test_removing_the_staff_user_leaves_people_and_companies_unowned(kluis: Kluis) -> None:
    sanne = staff(kluis, "sanne")
    person = add_person(kluis, sanne, NOW, 1)
    company = companies.create_company(kluis, sanne, {"name": "Tuinhuis BV"}, NOW)
    assert company.owner_id == sanne.user_id
    with kluis.engine.begin() as conn:
        conn.execute(delete(User).where(User.id == sanne.user_id))
    assert owner_of(kluis, person) is None
    assert companies.get_company(kluis, company.id).owner_id is None


def test_an_erased_person_takes_no_owner_row_with_them_and_leaves_the_user(kluis: Kluis) -> None:
    sanne = staff(kluis, "sanne")
    person = add_person(kluis, sanne, NOW, 1)
    erasure.erase_person(kluis, SYSTEM, person, NOW)
    with kluis.engine.connect() as conn:
        assert conn.scalar(select(people_table.c.id).where(people_table.c.id == person)) is None
        assert conn.scalar(select(User.id).where(User.id == sanne.user_id)) == sanne.user_id


def test_a_company_owner_is_changed_and_audited(kluis: Kluis) -> None:
    sanne, joris = staff(kluis, "sanne"), staff(kluis, "joris")
    company = companies.create_company(kluis, sanne, {"name": "Tuinhuis BV"}, NOW)
    owners.assign_company(kluis, sanne, company.id, joris.user_id, NOW)
    assert companies.get_company(kluis, company.id).owner_id == joris.user_id
    (entry,) = audit.list_entries(kluis.engine, action="company.owner_changed")
    assert entry.details == {
        "company_id": company.id,
        "owner": f"user:{joris.user_id}",
        "previous": f"user:{sanne.user_id}",
    }
    mine, _ = companies.list_companies(kluis, owner=OwnerFilter(user_id=joris.user_id))
    assert [c.id for c in mine] == [company.id]
