"""Writing and verifying the audit log.

``record`` is called by every service inside the transaction of the change it describes, so an
event exists exactly when its change was committed. The head row is updated first: on PostgreSQL
that row lock, on SQLite the database write lock, keeps two writers from forking the chain;
the same ``UPDATE ... RETURNING`` hands back where the chain ends. ``batched`` gathers the
``record`` calls of one read-only stretch (the person page's timeline) into one append.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar
from weakref import WeakKeyDictionary

from pydantic import ConfigDict
from sqlalchemy import Connection, Engine, insert, select, text

from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.audit import observers, rules
from kluis.audit.events import AuditEvent, details_of, texts_only
from kluis.audit.tables import AuditHead, AuditRow
from kluis.db import bulk_time, insert_rows
from kluis.errors import PermissionDenied

_BATCH = 2000
_COLUMNS = ("seq", "at", "actor", "action", "person_id", "purpose", "details", "prev_hash", "hash")


_HASH_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
"""The encoding ``rules.entry_hash`` hashes, made once rather than per ``json.dumps`` call;
the details are stored in it too, so each entry's details are encoded once."""


def _hash(
    seq: int,
    time_json: str,
    actor_json: str,
    action: str,
    person_id: str | None,
    purpose: str | None,
    details_json: str,
    prev_hash: str,
) -> str:
    """``rules.entry_hash`` of the entry these make, by the same formatter ``_append`` uses
    (``_Formatter``); tests/audit/test_record_hash.py checks the two agree."""
    formatter = _Formatter(time_json, actor_json)
    return formatter.digest(
        seq, formatter.parts(action, purpose, details_json), person_id, prev_hash
    )


_string: Callable[[str], str] = json.encoder.encode_basestring
_sha256 = hashlib.sha256


class _Formatter:
    """The canonical bytes of one ``record``'s entries, built from parts made once: a JSON array
    is its encoded items joined by commas, a string is what the C string encoder makes of it
    (what ``JSONEncoder.encode`` returns for one with ``ensure_ascii`` off), and a previous hash
    is hexadecimal, so its JSON is itself in quotes. Everything around the sequence number, the
    person and the previous hash (time, actor, action, purpose, details) is the same for a run
    of like entries (an import's ``person.created``, a page of reads), so each entry is one
    format, one encode and one SHA-256; a sweep or an import hashes thousands a call."""

    def __init__(self, time_json: str, actor_json: str) -> None:
        self.lead = f",{time_json},{actor_json},"
        self.made: dict[tuple[str, str | None, str], tuple[str, str]] = {}

    def parts(self, action: str, purpose: str | None, details_json: str) -> tuple[str, str]:
        """What comes before the person (from the time to the action) and between the person
        and the previous hash (purpose, details), made once per distinct set."""
        key = (action, purpose, details_json)
        found = self.made.get(key)
        if found is None:
            found = self.made[key] = (
                f"{self.lead}{_string(action)},",
                f",{'null' if purpose is None else _string(purpose)},{details_json},",
            )
        return found

    @staticmethod
    def digest(seq: int, parts: tuple[str, str], person_id: str | None, prev_hash: str) -> str:
        person = "null" if person_id is None else _string(person_id)
        payload = f"[{seq}{parts[0]}{person}{parts[1]}{_string(prev_hash)}]"
        return _sha256(payload.encode()).hexdigest()


def _details_json(event: AuditEvent, encoded: dict[tuple[Any, ...], str]) -> str:
    """``event``'s details as stored and hashed; events of one ``record`` with the same details
    (an import's ``person.created``, a page of reads) are encoded once (``encoded``), and
    their key is checked (``texts_only``) only when it is not found. Details that cannot be a
    key (a list or a dict where the event declares a tuple: dataclasses do not check types) are
    encoded each time rather than fail the write they audit."""
    key = details_of(event)
    try:
        found = encoded.get(key)
    except TypeError:
        return _HASH_JSON.encode(event.details())
    if found is None:
        found = _HASH_JSON.encode(event.details())
        if texts_only(key):
            encoded[key] = found
    return found


_BATCHES: WeakKeyDictionary[Connection, list[tuple[str, datetime, list[AuditEvent]]]] = (
    WeakKeyDictionary()
)


@contextmanager
def batched(conn: Connection) -> Iterator[None]:
    """Within the block, ``record`` on ``conn`` keeps its events and appends them all when the
    block ends, still in the caller's transaction: a page that reads a person from several
    slices (the timeline) moves the chain's head once instead of once per slice, and every
    read still has its own typed event naming what was read under which purpose (Art. 5(2),
    30). When the block raises, nothing is appended and the transaction rolls back with it."""
    _BATCHES[conn] = []
    try:
        yield
        kept = _BATCHES.pop(conn, [])
    finally:
        _BATCHES.pop(conn, None)
    for actor, now, events in kept:
        _append(conn, actor, now, events)


def record(conn: Connection, actor: str, now: datetime, events: Sequence[AuditEvent]) -> None:
    """Append ``events`` to the chain, in order, in the caller's transaction (at the end of a
    ``batched`` block when one is open on ``conn``)."""
    if not events:
        return
    batch = _BATCHES.get(conn)
    if batch is None:
        _append(conn, actor, now, events)
    elif batch and batch[-1][0] == actor and batch[-1][1] == now:
        batch[-1][2].extend(events)
    else:
        batch.append((actor, now, list(events)))


_ADVANCE = text(
    f"UPDATE {AuditHead.__tablename__} SET seq = seq + :count WHERE id = 1 RETURNING seq, hash"  # noqa: S608
)
_SET_HASH = text(f"UPDATE {AuditHead.__tablename__} SET hash = :hash WHERE id = 1")  # noqa: S608
"""The head's two statements, made once: every audited read and write appends, and building
``update(AuditHead)...`` for each append cost more than running it (about 0.3 ms)."""


def _append(conn: Connection, actor: str, now: datetime, events: Sequence[AuditEvent]) -> None:
    head = conn.execute(_ADVANCE, {"count": len(events)}).first()
    if head is None:
        conn.execute(insert(AuditHead).values(id=1, seq=len(events), hash=rules.GENESIS))
        seq, prev = 0, rules.GENESIS
    else:
        seq, prev = head.seq - len(events), head.hash
    at = bulk_time(conn, now)
    time_json = _HASH_JSON.encode(rules.canonical_time(now))
    actor_json = _HASH_JSON.encode(actor)
    rows: list[tuple[Any, ...]] = []
    encoded: dict[tuple[Any, ...], str] = {}
    parts = _Formatter(time_json, actor_json).parts
    string, sha256 = _string, _sha256
    for event in events:
        seq += 1
        action = event.action
        person_id = event.person()
        purpose = event.purpose_key()
        details = _details_json(event, encoded)
        before, after = parts(action, purpose, details)
        person = "null" if person_id is None else string(person_id)
        digest = sha256(f"[{seq}{before}{person}{after}{string(prev)}]".encode()).hexdigest()
        rows.append((seq, at, actor, action, person_id, purpose, details, prev, digest))
        prev = digest
    insert_rows(conn, AuditRow.__tablename__, _COLUMNS, rows)
    conn.execute(_SET_HASH, {"hash": prev})
    observers.notify(conn, actor, now, events)


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    broken_at: int | None = None
    reason: str | None = None
    head_hash: str | None = None
    """Hash of the last entry. Recording it elsewhere (a ticket, an e-mail to the DPO) lets a
    later verify prove that nobody rewrote the end of the log together with the head row."""
    said: str | None = None
    """The break in a page's words: a message id of ``audit.rules`` with ``%(seq)s`` and
    ``%(found)s`` (``said_values``); ``reason`` stays the API's and the CLI's English."""
    said_values: dict[str, int] = field(default_factory=dict)


def may_read(actor: Actor) -> None:
    """Reading the log and verifying the chain is for those answerable for it (Art. 5(2))."""
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may read the audit log")


def _entries(conn: Connection) -> Iterator[list[rules.Entry]]:
    after = 0
    while True:
        rows = conn.execute(
            select(AuditRow).where(AuditRow.seq > after).order_by(AuditRow.seq).limit(_BATCH)
        ).all()
        if not rows:
            return
        yield [
            rules.Entry(
                seq=r.seq,
                at=r.at,
                actor=r.actor,
                action=r.action,
                person_id=r.person_id,
                purpose=r.purpose,
                details=r.details,
                prev_hash=r.prev_hash,
                hash=r.hash,
            )
            for r in rows
        ]
        after = rows[-1].seq


def verify(engine: Engine) -> Verification:
    """Walk the whole chain; name the first entry that was changed, removed or reordered."""
    expected, prev, count = 1, rules.GENESIS, 0
    with engine.connect() as conn:
        for batch in _entries(conn):
            broken, expected, prev = rules.check_chain(batch, expected, prev)
            if broken is not None:
                return Verification(
                    False,
                    count,
                    broken.seq,
                    broken.reason,
                    said=broken.said,
                    said_values={"seq": broken.seq, "found": broken.found},
                )
            count += len(batch)
        head = conn.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).first()
    head_seq, head_hash = (0, rules.GENESIS) if head is None else (head.seq, head.hash)
    if head_seq != count:
        return Verification(
            False,
            count,
            count + 1,
            f"the log ends at entry {count} but {head_seq} were written: entries were removed "
            "from the end",
            said=rules.REMOVED_AT_END,
            said_values={"seq": count, "found": head_seq},
        )
    if head_hash != prev:
        return Verification(
            False,
            count,
            count,
            f"the head row does not match entry {count}: the head or the last entry was altered",
            said=rules.HEAD_ALTERED,
            said_values={"seq": count, "found": count},
        )
    return Verification(True, count, head_hash=prev)


@dataclass(frozen=True)
class AuditEntryView:
    """An entry of the log as the API answers it (component ``AuditEntryPublic``)."""

    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(title="AuditEntryPublic")

    seq: int
    at: datetime
    actor: str
    action: str
    person_id: str | None
    purpose: str | None
    details: dict[str, Any]
    hash: str


def list_entries(
    engine: Engine,
    *,
    person_id: str | None = None,
    action: str | None = None,
    after: int = 0,
    limit: int = 100,
) -> list[AuditEntryView]:
    with engine.connect() as conn:
        return list_entries_in(conn, person_id=person_id, action=action, after=after, limit=limit)


def list_entries_in(
    conn: Connection,
    *,
    person_id: str | None = None,
    action: str | None = None,
    after: int = 0,
    limit: int = 100,
) -> list[AuditEntryView]:
    """``list_entries`` on the caller's connection (an access package reads them in its own
    transaction)."""
    query = select(AuditRow).where(AuditRow.seq > after).order_by(AuditRow.seq).limit(limit)
    if person_id is not None:
        query = query.where(AuditRow.person_id == person_id)
    if action is not None:
        query = query.where(AuditRow.action == action)
    return [
        AuditEntryView(r.seq, r.at, r.actor, r.action, r.person_id, r.purpose, r.details, r.hash)
        for r in conn.execute(query)
    ]
