"""Tags on people and companies (d0020_tags), on SQLite and PostgreSQL: declared by admins only,
put on a selection in one transaction audited per person under the working purpose, refused for
a person outside it, taken by an erasure (ON DELETE CASCADE) and removed with their tag."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from conftest import ADMIN, NOW, SERVICE
from factories import add_person
from kluis.actors import SYSTEM
from kluis.audit import service as audit
from kluis.contacts import companies, erasure, tags
from kluis.contacts.tag_rules import visible
from kluis.contacts.tag_tables import PersonTag
from kluis.errors import Conflict, InvalidField, NotFound, PermissionDenied, PurposeRefused
from kluis.runtime import Kluis


def declare(kluis: Kluis, key: str = "fair-2026", *, personal: bool = False) -> None:
    tags.create_tag(kluis, ADMIN, key, "Beurs 2026", "Trade fair 2026", NOW, personal=personal)


def tag_keys(kluis: Kluis, person_id: str) -> list[str]:
    with kluis.engine.connect() as conn:
        return [t.key for t in tags.tags_of_people(conn, [person_id])[person_id]]


def test_only_an_admin_declares_a_tag_and_a_key_is_taken_once(kluis: Kluis) -> None:
    with pytest.raises(PermissionDenied):
        tags.create_tag(kluis, SERVICE, "vip", "VIP", "VIP", NOW)
    declare(kluis)
    with pytest.raises(Conflict):
        declare(kluis)
    with pytest.raises(InvalidField) as caught:
        tags.create_tag(kluis, ADMIN, "Not A Key!", "x", "x", NOW)
    assert caught.value.field == "key"
    with pytest.raises(InvalidField):
        tags.create_tag(kluis, ADMIN, "red", "Rood", "Red", NOW, colour="red")
    (tag,) = tags.list_tags(kluis.engine)
    assert (tag.key, tag.label("nl"), tag.label("en"), tag.colour) == (
        "fair-2026",
        "Beurs 2026",
        "Trade fair 2026",
        "#5b6b7a",
    )
    (entry,) = audit.list_entries(kluis.engine, action="tag.created")
    assert entry.details == {"tag": "fair-2026", "personal": False}


def test_tagging_a_selection_is_one_audited_change_per_person(kluis: Kluis) -> None:
    declare(kluis)
    ids = [add_person(kluis, SERVICE, NOW, n) for n in range(1, 4)]
    assert tags.tag_people(kluis, SERVICE, ids, "fair-2026", "customer_service", NOW) == 3
    assert all(tag_keys(kluis, i) == ["fair-2026"] for i in ids)
    assert tags.tag_people(kluis, SERVICE, ids, "fair-2026", "customer_service", NOW) == 0
    entries = audit.list_entries(kluis.engine, action="person.tagged")
    assert sorted(e.person_id or "" for e in entries) == sorted(ids)
    assert {e.purpose for e in entries} == {"customer_service"}
    assert {e.details["tag"] for e in entries} == {"fair-2026"}
    removed = tags.tag_people(
        kluis, SERVICE, ids[:1], "fair-2026", "customer_service", NOW, remove=True
    )
    assert removed == 1
    assert tag_keys(kluis, ids[0]) == []
    assert len(audit.list_entries(kluis.engine, action="person.untagged")) == 1


def test_one_person_outside_the_purpose_refuses_the_whole_selection(kluis: Kluis) -> None:
    declare(kluis)
    held = add_person(kluis, SERVICE, NOW, 1)
    other = add_person(kluis, SYSTEM, NOW, 2, purposes=("sales_follow_up",))
    with pytest.raises(PurposeRefused):
        tags.tag_people(kluis, SERVICE, [held, other], "fair-2026", "customer_service", NOW)
    assert tag_keys(kluis, held) == []
    with pytest.raises(NotFound):
        tags.tag_people(kluis, SERVICE, [held], "nothing", "customer_service", NOW)


def test_an_erasure_takes_the_persons_tags_and_a_removed_tag_its_links(kluis: Kluis) -> None:
    declare(kluis)
    declare(kluis, "health-talk", personal=True)
    gone, kept = add_person(kluis, SERVICE, NOW, 1), add_person(kluis, SERVICE, NOW, 2)
    for key in ("fair-2026", "health-talk"):
        tags.tag_people(kluis, SERVICE, [gone, kept], key, "customer_service", NOW)
    erasure.erase_person(kluis, SYSTEM, gone, NOW)
    with kluis.engine.connect() as conn:
        left = conn.execute(select(PersonTag.person_id)).scalars().all()
    assert sorted(left) == [kept, kept]
    tags.remove_tag(kluis, ADMIN, "fair-2026", NOW)
    assert tag_keys(kluis, kept) == ["health-talk"]
    (entry,) = audit.list_entries(kluis.engine, action="tag.removed")
    assert entry.details == {"tag": "fair-2026", "people": 1, "companies": 0}
    with kluis.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(PersonTag)) == 1


def test_a_personal_tag_is_seen_only_under_a_purpose(kluis: Kluis) -> None:
    declare(kluis)
    declare(kluis, "health-talk", personal=True)
    person = add_person(kluis, SERVICE, NOW, 1)
    for key in ("fair-2026", "health-talk"):
        tags.tag_people(kluis, SERVICE, [person], key, "customer_service", NOW)
    with kluis.engine.connect() as conn:
        held = tags.tags_of_people(conn, [person])[person]
    assert [t.key for t in visible(held, under_purpose=True)] == ["fair-2026", "health-talk"]
    assert [t.key for t in visible(held, under_purpose=False)] == ["fair-2026"]


def test_a_company_is_tagged_and_untagged_audited(kluis: Kluis) -> None:
    declare(kluis)
    company = companies.create_company(kluis, SERVICE, {"name": "Tuinhuis BV"}, NOW)
    assert tags.tag_company(kluis, SERVICE, company.id, "fair-2026", NOW)
    assert not tags.tag_company(kluis, SERVICE, company.id, "fair-2026", NOW)
    with kluis.engine.connect() as conn:
        assert [t.key for t in tags.tags_of_company(conn, company.id)] == ["fair-2026"]
    assert tags.tag_company(kluis, SERVICE, company.id, "fair-2026", NOW, remove=True)
    with pytest.raises(NotFound):
        tags.tag_company(kluis, SERVICE, 424242, "fair-2026", NOW)
    actions = [e.action for e in audit.list_entries(kluis.engine)]
    assert "company.tagged" in actions
    assert "company.untagged" in actions
