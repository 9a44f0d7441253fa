"""SQL of the data store's register copy."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from kluis.db import insert_ignoring_duplicates, insert_rows, to_db_time
from kluis.register.tables import ErasedPerson, MinimisedPerson
from kluis.vault.register import Erasure, Minimisation, erasure, minimisation

_CHUNK = 500


def record_erasures(conn: Connection, entries: Sequence[Erasure]) -> None:
    """Add the entries this copy lacks (in the caller's transaction, with the deletion); an
    entry already there keeps its first time and reason (the insert skips it)."""
    insert_rows(
        conn,
        ErasedPerson.__tablename__,
        ("person_id", "erased_at", "reason"),
        [
            (e.person_id, to_db_time(e.at), e.reason)
            for e in {e.person_id: e for e in entries}.values()
        ],
        skip_duplicates=True,
    )


def record_minimisations(conn: Connection, entries: Sequence[Minimisation]) -> None:
    """Add the entries this copy lacks (in the caller's transaction, with the change)."""
    for start in range(0, len(entries), _CHUNK):
        chunk = {m.entry: m for m in entries[start : start + _CHUNK]}
        known = set(
            conn.scalars(
                select(MinimisedPerson.entry).where(MinimisedPerson.entry.in_(list(chunk)))
            )
        )
        rows = [
            {
                "entry": key,
                "person_id": m.person_id,
                "fields": list(m.fields),
                "purposes": list(m.purposes),
                "ledger": m.ledger,
                "at": m.at,
                "reason": m.reason,
            }
            for key, m in chunk.items()
            if key not in known
        ]
        if rows:
            conn.execute(insert_ignoring_duplicates(conn, MinimisedPerson), rows)


def erasures(conn: Connection) -> list[Erasure]:
    rows = conn.execute(select(ErasedPerson.person_id, ErasedPerson.erased_at, ErasedPerson.reason))
    return [erasure(p, at, reason) for p, at, reason in rows]


def minimisations(conn: Connection) -> list[Minimisation]:
    rows = conn.execute(
        select(
            MinimisedPerson.person_id,
            MinimisedPerson.fields,
            MinimisedPerson.purposes,
            MinimisedPerson.ledger,
            MinimisedPerson.at,
            MinimisedPerson.reason,
        )
    )
    return [minimisation(*row) for row in rows]
