"""How the copies of the register are merged: a union that never shrinks (Art. 17).

Pure: no I/O. An erasure is one per person (the earliest wins, so the time an erasure first
happened is kept); a minimisation is identified by the digest of what it says. The suppression
list is the one register with a legitimate removal (a double opt-in sign-up lifts an address,
Art. 7), so its file copy is a log of additions and lifts, folded in order (Art. 21(3)).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from kluis.vault.register import Erasure, Minimisation, Suppression


def union_erasures(*copies: Iterable[Erasure]) -> dict[str, Erasure]:
    """Every erased person of every copy, with the earliest entry about them."""
    found: dict[str, Erasure] = {}
    for copy in copies:
        for entry in copy:
            known = found.get(entry.person_id)
            if known is None or (entry.at, entry.reason) < (known.at, known.reason):
                found[entry.person_id] = entry
    return found


def union_minimisations(*copies: Iterable[Minimisation]) -> dict[str, Minimisation]:
    """Every partial erasure of every copy, by identity."""
    found: dict[str, Minimisation] = {}
    for copy in copies:
        for entry in copy:
            found.setdefault(entry.entry, entry)
    return found


def erasures_missing(union: dict[str, Erasure], copy: Iterable[Erasure]) -> list[Erasure]:
    """What ``copy`` lacks of ``union``, oldest first."""
    have = {e.person_id for e in copy}
    return sorted((e for p, e in union.items() if p not in have), key=lambda e: (e.at, e.person_id))


def minimisations_missing(
    union: dict[str, Minimisation], copy: Iterable[Minimisation]
) -> list[Minimisation]:
    """What ``copy`` lacks of ``union``, in the order they happened."""
    have = {m.entry for m in copy}
    return sorted((m for k, m in union.items() if k not in have), key=lambda m: (m.at, m.entry))


def still_to_apply(
    minimisations: Sequence[Minimisation], erased: Iterable[str]
) -> list[Minimisation]:
    """The minimisations whose person is not erased whole (erasure makes them moot)."""
    gone = set(erased)
    return [m for m in minimisations if m.person_id not in gone]


@dataclass(frozen=True)
class SuppressionPlan:
    """What merging the register file's suppression events with the keyring's list asks."""

    to_keyring: list[Suppression]
    """Listed in the file, missing from the keyring (an older keyring snapshot was restored)."""
    to_file: list[Suppression]
    """Listed in the keyring, never seen by the file (written before it existed, or lost)."""
    to_drop: list[bytes]
    """In the keyring although the file lifted them since (an older snapshot put them back)."""


def merge_suppressions(
    events: Sequence[Suppression], keyring: Iterable[Suppression]
) -> SuppressionPlan:
    """Fold the file's additions and lifts in the order they were written, then compare with the
    keyring's list. A lift removes every kind of its digest; an addition keeps its first
    reason and time. A keyring entry newer than the file's last lift of it stays."""
    listed: dict[bytes, dict[str, Suppression]] = {}
    lifted: dict[bytes, datetime] = {}
    for event in events:
        if event.lifted:
            listed.pop(event.digest, None)
            lifted[event.digest] = max(lifted.get(event.digest, event.at), event.at)
        else:
            listed.setdefault(event.digest, {}).setdefault(event.kind, event)
    ring = {(s.kind, s.digest): s for s in keyring}
    to_keyring = [
        s for kinds in listed.values() for s in kinds.values() if (s.kind, s.digest) not in ring
    ]
    to_file: list[Suppression] = []
    to_drop: set[bytes] = set()
    for (kind, digest), entry in ring.items():
        if kind in listed.get(digest, {}):
            continue
        lift_at = lifted.get(digest)
        if lift_at is not None and entry.at <= lift_at:
            to_drop.add(digest)
        else:
            to_file.append(entry)
    return SuppressionPlan(to_keyring, to_file, sorted(to_drop))
