"""How the copies of the register are merged: a union that never shrinks (Art. 17).

Pure: no I/O. An erasure is one per person (the earliest wins, so the time an erasure first
happened is kept); a minimisation is identified by the digest of what it says.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kluis.vault.register import Erasure, Minimisation


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
