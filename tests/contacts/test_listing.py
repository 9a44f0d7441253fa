"""The people list (contacts.listing), on SQLite and PostgreSQL: each filter, each order (names
ordered in memory, bounded), paging, and that it stays purpose-bound and audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from conftest import NOW, SERVICE
from factories import add_person
from kluis.actors import SYSTEM, Actor, Role
from kluis.audit import service as audit
from kluis.auth import service as users
from kluis.contacts import companies, listing, owners
from kluis.contacts.list_rules import Order, OwnerFilter, Sort
from kluis.contacts.listing import ListFilters
from kluis.contacts.tables import people as people_table
from kluis.errors import InvalidField, PurposeRefused
from kluis.runtime import Kluis

CS = "customer_service"
NAMES = [("Wim", "Zijlstra"), ("Anna", "de Boer"), ("Émile", "Achterberg"), ("bram", "de Boer")]


def staff(kluis: Kluis, name: str, role: str = "sales") -> Actor:
    user, _ = users.create_user(kluis.engine, SYSTEM, f"{name}@example.com", role, NOW)
    return Actor(ref=f"user:{user.id}", role=Role(role), user_id=user.id)


def names(page: listing.Page) -> list[str]:
    return [f"{p.fields['given_name']} {p.fields['family_name']}" for p in page.items]


def seeded(kluis: Kluis, actor: Actor) -> list[str]:
    return [
        add_person(kluis, actor, NOW + timedelta(minutes=n), n, given_name=g, family_name=f)
        for n, (g, f) in enumerate(NAMES, start=1)
    ]


def test_names_are_ordered_in_memory_both_ways_and_paged(kluis: Kluis) -> None:
    sanne = staff(kluis, "sanne")
    seeded(kluis, sanne)
    by_name = ListFilters(order=Order(Sort.NAME))
    page = listing.list_people(kluis, sanne, CS, NOW, by_name, limit=10)
    assert names(page) == ["Émile Achterberg", "Anna de Boer", "bram de Boer", "Wim Zijlstra"]
    back = ListFilters(order=Order(Sort.NAME, descending=True))
    assert names(listing.list_people(kluis, sanne, CS, NOW, back, limit=2, offset=1)) == [
        "bram de Boer",
        "Anna de Boer",
    ]
    (sorted_entry, *_) = audit.list_entries(kluis.engine, action="person.list_sorted")
    assert sorted_entry.purpose == CS
    assert sorted_entry.details == {"people": 4}
    reads = audit.list_entries(kluis.engine, action="person.read")
    assert len(reads) == 4 + 2  # the pages shown, never the names only sorted


def test_collection_and_interaction_orders(kluis: Kluis) -> None:
    sanne = staff(kluis, "sanne")
    ids = seeded(kluis, sanne)
    with kluis.engine.begin() as conn:
        conn.execute(
            update(people_table)
            .where(people_table.c.id == ids[0])
            .values(last_interaction_at=NOW + timedelta(days=5))
        )
    first = listing.list_people(kluis, sanne, CS, NOW, ListFilters())
    assert [p.id for p in first.items] == ids
    late = listing.list_people(
        kluis, sanne, CS, NOW, ListFilters(order=Order(Sort.COLLECTED, True))
    )
    assert [p.id for p in late.items] == ids[::-1]
    recent = ListFilters(order=Order(Sort.INTERACTION, True))
    assert listing.list_people(kluis, sanne, CS, NOW, recent).items[0].id == ids[0]


def test_filters_by_owner_relationship_purpose_company_and_inactivity(kluis: Kluis) -> None:
    sanne, joris = staff(kluis, "sanne"), staff(kluis, "joris")
    company = companies.create_company(kluis, sanne, {"name": "Tuinhuis BV"}, NOW)
    a = add_person(kluis, sanne, NOW, 1)
    b = add_person(kluis, sanne, NOW, 2, relationship="prospect")
    c = add_person(kluis, joris, NOW, 3, purposes=(CS, "sales_follow_up"))
    d = add_person(kluis, SERVICE, NOW, 4)
    with kluis.engine.begin() as conn:
        conn.execute(
            update(people_table).where(people_table.c.id == b).values(company_id=company.id)
        )
        conn.execute(
            update(people_table)
            .where(people_table.c.id == a)
            .values(last_interaction_at=NOW - timedelta(days=100))
        )

    def ids(filters: ListFilters) -> set[str]:
        return {p.id for p in listing.list_people(kluis, sanne, CS, NOW, filters).items}

    assert ids(ListFilters()) == {a, b, c, d}
    assert ids(ListFilters(owner=OwnerFilter(user_id=sanne.user_id))) == {a, b}
    assert ids(ListFilters(owner=OwnerFilter(user_id=joris.user_id))) == {c}
    assert ids(ListFilters(owner=OwnerFilter(unowned=True))) == {d}
    assert ids(ListFilters(relationship="prospect")) == {b}
    assert ids(ListFilters(also_purpose="sales_follow_up")) == {c}
    assert ids(ListFilters(company_id=company.id)) == {b}
    assert ids(ListFilters(inactive_days=90)) == {a}
    assert ids(ListFilters(inactive_days=90, owner=OwnerFilter(user_id=joris.user_id))) == set()
    owners.assign_people(kluis, sanne, [d], joris.user_id, CS, NOW)
    assert ids(ListFilters(owner=OwnerFilter(user_id=joris.user_id))) == {c, d}


def test_the_list_stays_within_the_working_purpose(kluis: Kluis) -> None:
    sanne = staff(kluis, "sanne")
    held = add_person(kluis, sanne, NOW, 1)
    add_person(kluis, sanne, NOW, 2, purposes=("sales_follow_up",))
    page = listing.list_people(kluis, sanne, CS, NOW, ListFilters(order=Order(Sort.NAME)))
    assert [p.id for p in page.items] == [held]
    assert page.total == 1
    (searched, *_) = audit.list_entries(kluis.engine, action="person.searched")
    assert searched.details == {"by": "list", "results": 1}
    with pytest.raises(PurposeRefused):
        listing.list_people(kluis, sanne, "age_verification", NOW, ListFilters())


def test_a_purpose_without_names_cannot_order_by_them(kluis: Kluis) -> None:
    clerk = staff(kluis, "clerk", "service")
    add_person(kluis, clerk, NOW, 1, purposes=(CS, "age_verification"), birth_date="1980-01-02")
    plain = listing.list_people(kluis, clerk, "age_verification", NOW, ListFilters())
    assert plain.total == 1
    assert "given_name" not in plain.items[0].fields
    with pytest.raises(PurposeRefused) as caught:
        listing.list_people(
            kluis, clerk, "age_verification", NOW, ListFilters(order=Order(Sort.NAME))
        )
    assert caught.value.field == "sort"


def test_too_many_people_to_order_by_name_are_refused(
    kluis: Kluis, monkeypatch: pytest.MonkeyPatch
) -> None:
    sanne = staff(kluis, "sanne")
    first, *_ = seeded(kluis, sanne)
    owners.assign_people(kluis, sanne, [first], None, CS, NOW)
    monkeypatch.setattr(listing, "NAME_SORT_LIMIT", 3)
    with pytest.raises(InvalidField) as caught:
        listing.list_people(kluis, sanne, CS, NOW, ListFilters(order=Order(Sort.NAME)))
    assert caught.value.field == "sort"
    assert caught.value.values == {"limit": 3}
    narrowed = ListFilters(order=Order(Sort.NAME), owner=OwnerFilter(user_id=sanne.user_id))
    assert listing.list_people(kluis, sanne, CS, NOW, narrowed).total == 3
