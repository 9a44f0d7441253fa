"""The list of a person's own blind-index rows, kept in their ``people`` row.

The blind index (``person_index``) is keyed by (field, digest, person) and has no index by
person: a second B-tree entry per digest (5.25 a person) was the largest part of creating people
(docs/performance.md). What needs a person's digests (erasure, which must remove every one of
them and put the e-mail and phone digests on the suppression list, Art. 17; rectification;
objection, Art. 21(3)) reads this list from the person's row and removes the exact rows. It is
not encrypted, so it still works when the person's key is already gone (an erasure replayed
after a restore, ``kluis.backup.reconcile``), and it goes with the row: no copy outlives the
person. Digests are keyed HMACs (``Vault.blind_index``), no personal value.

Format: per entry, one byte of field-name length, the field name (ASCII), one byte of digest
length, the digest; entries sorted, so equal lists are equal bytes.
"""

from __future__ import annotations

from collections.abc import Iterable


def pack(entries: Iterable[tuple[str, bytes]]) -> bytes | None:
    """``entries`` (field, digest) as stored; None for none."""
    parts = []
    for field, digest in sorted(set(entries)):
        name = field.encode("ascii")
        if len(name) > 255 or len(digest) > 255:
            raise ValueError("a field name or digest longer than 255 bytes")
        parts.append(b"%c%b%c%b" % (len(name), name, len(digest), digest))
    return b"".join(parts) or None


def unpack(stored: bytes | None) -> list[tuple[str, bytes]]:
    """The (field, digest) entries of a stored list, in order."""
    entries: list[tuple[str, bytes]] = []
    if not stored:
        return entries
    data = bytes(stored)
    at = 0
    while at < len(data):
        size = data[at]
        field = data[at + 1 : at + 1 + size].decode("ascii")
        at += 1 + size
        size = data[at]
        digest = data[at + 1 : at + 1 + size]
        if len(digest) != size:
            raise ValueError("a truncated blind-index list")
        at += 1 + size
        entries.append((field, digest))
    return entries
