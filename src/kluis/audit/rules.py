"""How an audit entry is hashed: pure, so the writer and the verifier cannot disagree.

Each entry's hash covers its own content and the previous entry's hash, so changing, removing or
reordering any entry breaks every hash after it (a hash chain, as in certificate transparency logs).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kluis.locale import N_

GENESIS = "0" * 64


@dataclass(frozen=True)
class Entry:
    seq: int
    at: datetime
    actor: str
    action: str
    person_id: str | None
    purpose: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str = ""


def canonical_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(entry: Entry) -> str:
    payload = json.dumps(
        [
            entry.seq,
            canonical_time(entry.at),
            entry.actor,
            entry.action,
            entry.person_id,
            entry.purpose,
            entry.details,
            entry.prev_hash,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold, said for a person to act on."""

    seq: int
    reason: str
    said: str = field(default="", compare=False)
    """The same for a page, a message id with ``%(seq)s`` and ``%(found)s``."""
    found: int = field(default=0, compare=False)


MISSING = N_("Entry %(seq)s is missing (found %(found)s).")
OUT_OF_ORDER = N_("Entry %(seq)s is out of order or duplicated (found %(found)s).")
UNLINKED = N_("Entry %(seq)s does not link to the entry before it.")
CHANGED = N_("Entry %(seq)s was changed after it was written.")
REMOVED_AT_END = N_(
    "The log ends at entry %(seq)s but %(found)s were written: entries were removed from the end."
)
HEAD_ALTERED = N_(
    "The head row does not match entry %(seq)s: the head or the last entry was altered."
)


def check_chain(
    entries: list[Entry], expected_seq: int, prev_hash: str
) -> tuple[Break | None, int, str]:
    """Check a run of entries that should start at ``expected_seq`` after ``prev_hash``.

    Returns the first break (or None), the next expected sequence and the last hash, so a verifier
    can stream the log in batches.
    """
    for entry in entries:
        if entry.seq != expected_seq:
            kind = "missing" if entry.seq > expected_seq else "out of order or duplicated"
            said = MISSING if entry.seq > expected_seq else OUT_OF_ORDER
            reason = f"entry {expected_seq} is {kind} (found {entry.seq})"
            return Break(expected_seq, reason, said, entry.seq), 0, ""
        if entry.prev_hash != prev_hash:
            return (
                Break(
                    entry.seq,
                    f"entry {entry.seq} does not link to entry {entry.seq - 1}",
                    UNLINKED,
                ),
                0,
                "",
            )
        if entry_hash(entry) != entry.hash:
            reason = f"entry {entry.seq} was changed after it was written"
            return Break(entry.seq, reason, CHANGED), 0, ""
        expected_seq += 1
        prev_hash = entry.hash
    return None, expected_seq, prev_hash
