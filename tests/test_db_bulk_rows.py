"""``kluis.db.insert_rows``, the write path of imports and bulk creates: what it stores is what
an ordinary SQLAlchemy insert of the same values stores, on both backends, whether the rows go
in by ``executemany`` or (on PostgreSQL, from ``COPY_FROM`` rows) by ``COPY``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from kluis import db
from kluis.audit.tables import AuditRow
from kluis.runtime import Kluis
from kluis.vault.tables import PersonKey

NOW = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
AUDIT = ("seq", "at", "actor", "action", "person_id", "purpose", "details", "prev_hash", "hash")


def _audit_values(n: int) -> dict[str, Any]:
    """The values of entry number ``n`` of a run (its ``seq`` set by the caller)."""
    return {
        "at": NOW + timedelta(seconds=n),
        "actor": "import:7",
        "action": "person.created",
        "person_id": None if n % 3 == 0 else f"0190a0b0-0000-7000-8000-{n:012d}",
        "purpose": None if n % 2 else "customer_service",
        "details": {"fields": ["email", "given_name"], "n": n, "note": 'tab\there, \\ "q" é'},
        "prev_hash": f"{n:064d}",
        "hash": f"{n + 1:064d}",
    }


def _stored(k: Kluis, first: int, count: int) -> list[tuple[Any, ...]]:
    """The stored entries ``first`` .. ``first + count - 1`` without their ``seq``."""
    with k.engine.connect() as conn:
        rows = conn.execute(
            select(AuditRow.__table__)
            .where(AuditRow.seq >= first, AuditRow.seq < first + count)
            .order_by(AuditRow.seq)
        )
        return [tuple(r)[1:] for r in rows]


@pytest.mark.parametrize("count", [3, db.COPY_FROM + 5])
def test_insert_rows_stores_what_an_orm_insert_stores(
    kluis: Kluis, count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    copied: list[int] = []
    real_copy = db._copy_rows

    def counting(conn: Any, table: str, columns: tuple[str, ...], rows: list[Any]) -> None:
        copied.append(len(rows))
        real_copy(conn, table, columns, rows)

    monkeypatch.setattr(db, "_copy_rows", counting)
    with kluis.engine.begin() as conn:
        rows = []
        for n in range(count):
            values = _audit_values(n)
            values["details"] = json.dumps(values["details"])
            values["at"] = db.to_db_time(values["at"]) if n % 2 else db.bulk_time(conn, NOW)
            rows.append((1000 + n, *values.values()))
        db.insert_rows(conn, AuditRow.__tablename__, AUDIT, rows)
        reference = []
        for n in range(count):
            values = _audit_values(n)
            values["at"] = values["at"] if n % 2 else NOW
            reference.append({"seq": 5000 + n, **values})
        conn.execute(insert(AuditRow), reference)
    postgres = kluis.engine.dialect.name == "postgresql"
    assert copied == ([count] if postgres and count >= db.COPY_FROM else [])
    got = _stored(kluis, 1000, count)
    assert len(got) == count
    assert got == _stored(kluis, 5000, count)
    assert got[1][5] == _audit_values(1)["details"]


def test_bytes_and_times_go_in_unchanged_by_copy(kluis: Kluis) -> None:
    keys = [
        (f"0190a0b0-0000-7000-8000-{n:012d}", bytes([n % 256]) * 39 + b"\x00", db.to_db_time(NOW))
        for n in range(db.COPY_FROM * 2)
    ]
    with kluis.vault.engine.begin() as conn:
        db.insert_rows(
            conn, PersonKey.__tablename__, ("person_id", "wrapped_key", "created_at"), keys
        )
    with kluis.vault.engine.connect() as conn:
        stored = {
            r.person_id: (bytes(r.wrapped_key), r.created_at)
            for r in conn.execute(select(PersonKey.__table__))
        }
    for person_id, wrapped, _ in keys:
        assert stored[person_id] == (wrapped, NOW)


def test_skipping_duplicates_holds_at_any_size(kluis: Kluis) -> None:
    """``COPY`` cannot skip a row: an insert that must skip duplicates stays an ``INSERT ... ON
    CONFLICT DO NOTHING`` however many rows it has (the erasure register records a page of
    erasures again after a crash this way)."""
    count = db.COPY_FROM + 6
    keys = [
        (f"0190a0b0-0000-7000-8000-{n:012d}", bytes([n % 256]) * 40, db.to_db_time(NOW))
        for n in range(count)
    ]
    columns = ("person_id", "wrapped_key", "created_at")
    with kluis.vault.engine.begin() as conn:
        db.insert_rows(conn, PersonKey.__tablename__, columns, keys[: count // 2])
    with kluis.vault.engine.begin() as conn:
        db.insert_rows(conn, PersonKey.__tablename__, columns, keys, skip_duplicates=True)
    with kluis.vault.engine.connect() as conn:
        stored = {r.person_id for r in conn.execute(select(PersonKey.__table__))}
    assert {k[0] for k in keys} <= stored
