"""The keyring's registers as SQL, inside a transaction the caller holds: destroying keys with
their erasure entries, and the suppression list. ``Vault`` (``kluis.vault.service``) decides the
order (the register file first) and the transactions; an erasure writes both in one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection

from kluis.db import insert_rows, marker, rows_in, to_db_time
from kluis.vault.register import Erasure, Suppression
from kluis.vault.tables import ErasureEntry, PersonKey, SuppressionEntry

CHUNK = 500

_ERASED = f"SELECT person_id FROM {ErasureEntry.__tablename__} WHERE person_id"  # noqa: S608
_LISTED = f"SELECT digest, kind, reason FROM {SuppressionEntry.__tablename__} WHERE digest"  # noqa: S608


def listed(conn: Connection, digests: Iterable[bytes]) -> dict[tuple[str, bytes], str]:
    """The (kind, digest) pairs among ``digests`` on the suppression list, with their reason."""
    wanted = list(set(digests))
    return {(kind, bytes(d)): reason for d, kind, reason in rows_in(conn, _LISTED, wanted)}


def add_suppressions(
    conn: Connection,
    items: Sequence[Suppression],
    have: dict[tuple[str, bytes], str] | None = None,
) -> list[Suppression]:
    """Put the ``items`` not yet listed on the suppression list, each with its own reason and
    time; returns those added. ``have`` is what ``listed`` answered in this transaction.
    Written through the driver (``insert_rows``): an erasure of a page lists hundreds."""
    if not items:
        return []
    if have is None:
        have = listed(conn, (s.digest for s in items))
    new = list({(s.kind, s.digest): s for s in items if (s.kind, s.digest) not in have}.values())
    insert_rows(
        conn,
        SuppressionEntry.__tablename__,
        ("digest", "kind", "reason", "added_at"),
        [(s.digest, s.kind, s.reason, to_db_time(s.at)) for s in new],
        skip_duplicates=True,
    )
    return new


_DELETE_KEYS = f"DELETE FROM {PersonKey.__tablename__} WHERE person_id IN "  # noqa: S608


def destroy_keys(conn: Connection, entries: Sequence[Erasure]) -> list[Erasure]:
    """Delete the keys of ``entries`` and put those not yet there in the erasure register;
    returns those added. Through the driver: a sweep's page destroys hundreds of keys."""
    wanted = list({e.person_id: e for e in entries}.values())
    ids = [e.person_id for e in wanted]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        markers = ", ".join([marker(conn)] * len(chunk))
        conn.exec_driver_sql(f"{_DELETE_KEYS}({markers})", tuple(chunk))
    known = {str(p) for (p,) in rows_in(conn, _ERASED, ids)}
    new = [e for e in wanted if e.person_id not in known]
    insert_rows(
        conn,
        ErasureEntry.__tablename__,
        ("person_id", "erased_at", "reason"),
        [(e.person_id, to_db_time(e.at), e.reason) for e in new],
        skip_duplicates=True,
    )
    return new
