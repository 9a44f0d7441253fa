"""Remembering ``people.reach``'s answers for the length of one read-only stretch of a
transaction (the person page's timeline), so that the slices read under one check.

Every timeline source checks, through its own slice's read, that the actor may reach the person
under the page's purpose (``contacts.people.reach``: the role holds the purpose, the person was
collected for it, Art. 5(1)(b), and is not restricted, Art. 18(2)). Within ``remembering(conn)``
the sources only read and audit, so the answer cannot change between them: the first check is
made in full and its purpose returned to the rest; a refusal is never remembered (it raises and
ends the transaction). Outside it (the default) every call checks afresh, so a transaction that
changes a person and then reads them sees the change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from weakref import WeakKeyDictionary

from sqlalchemy import Connection

from kluis.purposes.rules import Purpose

Key = tuple[str, str, str]
"""(actor ref, person id, purpose key)."""

_MEMOS: WeakKeyDictionary[Connection, dict[Key, Purpose]] = WeakKeyDictionary()


@contextmanager
def remembering(conn: Connection) -> Iterator[None]:
    """Remember ``reach``'s answers on ``conn`` until the block ends."""
    _MEMOS[conn] = {}
    try:
        yield
    finally:
        _MEMOS.pop(conn, None)


def recall(conn: Connection, key: Key) -> Purpose | None:
    memo = _MEMOS.get(conn)
    return None if memo is None else memo.get(key)


def remember(conn: Connection, key: Key, purpose: Purpose) -> None:
    memo = _MEMOS.get(conn)
    if memo is not None:
        memo[key] = purpose
