"""The keyring's registers written through the driver (``vault.entries``) and the data store's
copy (``register.repository``): an entry already there keeps its first time and reason, a
digest already listed is not listed again, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from conftest import NOW
from kluis.register import repository as register_repo
from kluis.register.tables import ErasedPerson
from kluis.runtime import Kluis
from kluis.vault import entries, register
from kluis.vault.tables import ErasureEntry, SuppressionEntry

PERSON = "0190a1b2-0000-7000-8000-000000000001"


def test_an_erasure_entry_keeps_its_first_time_and_reason(kluis: Kluis) -> None:
    first = register.erasure(PERSON, NOW, "request")
    later = register.erasure(PERSON, NOW + timedelta(days=1), "retention")
    with kluis.vault.engine.begin() as conn:
        assert entries.destroy_keys(conn, [first]) == [first]
        assert entries.destroy_keys(conn, [later, later]) == []
    with kluis.vault.engine.connect() as conn:
        rows = conn.execute(select(ErasureEntry.erased_at, ErasureEntry.reason)).all()
    assert [(at, reason) for at, reason in rows] == [(NOW, "request")]
    with kluis.engine.begin() as conn:
        register_repo.record_erasures(conn, [first])
        register_repo.record_erasures(conn, [later])
    with kluis.engine.connect() as conn:
        copy = conn.execute(select(ErasedPerson.erased_at, ErasedPerson.reason)).all()
    assert [(at, reason) for at, reason in copy] == [(NOW, "request")]


def test_a_listed_digest_is_listed_once(kluis: Kluis) -> None:
    item = register.suppression("email", b"\x01" * 16, "erased", NOW)
    other = register.suppression("phone", b"\x01" * 16, "objected", NOW)
    with kluis.vault.engine.begin() as conn:
        assert entries.add_suppressions(conn, [item, item]) == [item]
        assert entries.add_suppressions(conn, [item, other]) == [other]
    with kluis.vault.engine.connect() as conn:
        rows = conn.execute(
            select(SuppressionEntry.kind, SuppressionEntry.reason, SuppressionEntry.added_at)
        ).all()
    assert sorted((kind, reason, at) for kind, reason, at in rows) == [
        ("email", "erased", NOW),
        ("phone", "objected", NOW),
    ]
