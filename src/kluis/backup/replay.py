"""Replaying the erasure register into the data store (Art. 17; ``kluis.backup.reconcile``):
deleting the erased, minimising again whoever is still there, and recording the entries in the
data store's copy. Loaded by path only when a store lacks an entry, so opening Kluis with
nothing to replay does not import the contacts and consent repositories (issue 15)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection

from kluis.consent import repository as consent_repo
from kluis.contacts import repository as contacts_repo
from kluis.register import repository
from kluis.vault.register import Erasure, Minimisation


def replay(
    conn: Connection,
    erasures: Sequence[Erasure],
    to_apply: Iterable[Minimisation],
    to_record: Sequence[Minimisation],
) -> tuple[int, int]:
    """In the caller's data transaction: delete the erased, minimise again whoever is still
    there, and record the entries in the data store's copy. Returns (people removed, people
    minimised)."""
    applying = list(to_apply)
    removed = contacts_repo.delete_people(conn, [e.person_id for e in erasures])
    present = contacts_repo.existing(conn, [m.person_id for m in applying])
    applied = 0
    for entry in applying:
        if entry.person_id not in present:
            continue
        contacts_repo.minimise(conn, entry.person_id, entry.fields, entry.purposes, None)
        if entry.ledger:
            consent_repo.delete_ledger(conn, entry.person_id)
        applied += 1
    repository.record_erasures(conn, erasures)
    repository.record_minimisations(conn, to_record)
    return removed, applied
