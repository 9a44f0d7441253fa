"""Each person's row lists their blind-index rows (``contacts.index_keys``), and erasure removes
exactly those: no digest of an erased person may remain (Art. 17), whatever changed them before,
and even when their key is already gone (an erasure replayed after a restore)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import ADMIN, NOW, SERVICE
from factories import add_person
from kluis.contacts import erasure, index_keys, rectify
from kluis.contacts import repository as contacts_repo
from kluis.contacts.tables import PersonIndex, people
from kluis.runtime import Kluis


def _index_rows(kluis: Kluis) -> list[tuple[str, bytes, str]]:
    with kluis.engine.connect() as conn:
        rows = conn.execute(select(PersonIndex.field, PersonIndex.digest, PersonIndex.person_id))
        return sorted((str(f), bytes(d), str(p)) for f, d, p in rows)


def _listed(kluis: Kluis, person_id: str) -> list[tuple[str, bytes, str]]:
    with kluis.engine.connect() as conn:
        stored = conn.execute(
            select(people.c.index_keys).where(people.c.id == person_id)
        ).scalar_one()
    return sorted((f, d, person_id) for f, d in index_keys.unpack(stored))


def test_pack_and_unpack_agree() -> None:
    entries = [("name", b"\x00" * 16), ("email", bytes(range(16))), ("name", b"\xff" * 16)]
    assert index_keys.unpack(index_keys.pack(entries)) == sorted(entries)
    assert index_keys.pack(entries) == index_keys.pack(reversed(entries))
    assert index_keys.pack([]) is None
    assert index_keys.unpack(None) == []
    with pytest.raises(ValueError, match="truncated"):
        index_keys.unpack(index_keys.pack(entries)[:-1])


def test_the_list_follows_every_change_and_erasure_removes_every_row(kluis: Kluis) -> None:
    kept = add_person(kluis, ADMIN, NOW, 1)
    person_id = add_person(kluis, ADMIN, NOW, 2)
    assert [r for r in _index_rows(kluis) if r[2] == person_id] == _listed(kluis, person_id)
    later = NOW + timedelta(days=1)
    rectify.update_person(
        kluis,
        SERVICE,
        person_id,
        "customer_service",
        {"family_name": "van der Hoekstra", "phone": None},
        later,
    )
    mine = [r for r in _index_rows(kluis) if r[2] == person_id]
    assert mine == _listed(kluis, person_id)
    assert all(field != "phone" for field, _, _ in mine)
    others = [r for r in _index_rows(kluis) if r[2] == kept]
    assert erasure.erase_person(kluis, ADMIN, person_id, later) is True
    assert _index_rows(kluis) == others


def test_rows_go_when_the_key_is_already_gone(kluis: Kluis) -> None:
    """After a restore the keyring no longer has the key; the rows still name their own."""
    person_id = add_person(kluis, ADMIN, NOW)
    kluis.vault.shred_many([person_id], NOW, "request", suppress=())
    with kluis.engine.begin() as conn:
        assert contacts_repo.delete_people(conn, [person_id]) == 1
    assert _index_rows(kluis) == []
