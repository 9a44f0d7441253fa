"""The erasure register's third copy: an append-only file beside the master key.

The register (who was erased, which fields of whom were minimised) is kept in three places: the
keyring store, the data store, and this file in the data directory. A restore puts one store
back as it was, register included; the file is not part of any backup and is never rewritten,
so the union of the three copies never loses an entry, whatever is restored in whatever order
(Art. 17; DESIGN.md invariant 2).

Each line is ``MAC JSON``: an opaque person id, a time, a reason and, for a minimisation, field
and purpose *names* (never values). Additions to and lifts from the suppression list (blind-index
digests only) are written here too, so that a restored keyring snapshot cannot forget who
objected or was erased (Art. 21(3)). The MAC is HMAC-SHA256 (RFC 2104) under a key derived from
the master key, so a line somebody wrote or altered by hand is noticed and ignored rather than
obeyed (it could otherwise delete a person). A batch of lines is written with one ``write`` on a
descriptor opened with ``O_APPEND`` and made durable with ``fsync`` before the caller destroys a
key: several processes may append at once, and a crash never leaves a key destroyed without its
line.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "erasure-register.log"
_MAC_HEX = 32


@dataclass(frozen=True)
class Erasure:
    """A person erased whole: their key is destroyed and their rows are deleted."""

    person_id: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class Minimisation:
    """A partial erasure: these fields cleared and these purposes removed (and, with
    ``ledger``, the consent ledger deleted) of one person."""

    person_id: str
    fields: tuple[str, ...]
    purposes: tuple[str, ...]
    ledger: bool
    at: datetime
    reason: str

    @property
    def entry(self) -> str:
        """The entry's identity, the same in every copy: a digest of what it says. Two
        identical minimisations at the same instant are one (replaying either is the same)."""
        return hashlib.sha256(_canonical(self).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Suppression:
    """A (kind, blind-index digest) put on the suppression list, or, with ``lifted``, a digest
    taken off it (the person signed up again with a double opt-in: every kind goes)."""

    kind: str
    digest: bytes
    reason: str
    at: datetime
    lifted: bool = False


def suppression(kind: str, digest: bytes, reason: str, at: datetime) -> Suppression:
    return Suppression(kind, bytes(digest), reason, _utc(at))


def lift(digest: bytes, at: datetime) -> Suppression:
    return Suppression("", bytes(digest), "", _utc(at), lifted=True)


def minimisation(
    person_id: str,
    fields: Iterable[str],
    purposes: Iterable[str],
    ledger: bool,
    at: datetime,
    reason: str,
) -> Minimisation:
    """A minimisation in its normal form (sorted names, UTC time, reason cut to 40 characters,
    as the stores keep it), so that every copy computes the same ``entry``."""
    return Minimisation(
        person_id,
        tuple(sorted(set(fields))),
        tuple(sorted(set(purposes))),
        bool(ledger),
        _utc(at),
        reason[:40],
    )


def erasure(person_id: str, at: datetime, reason: str) -> Erasure:
    return Erasure(person_id, _utc(at), reason[:40])


def _utc(at: datetime) -> datetime:
    if at.tzinfo is UTC:  # a sweep's every entry: no conversion, no new object
        return at
    if at.tzinfo is None:
        raise ValueError("register times are aware datetimes")
    return at.astimezone(UTC)


Item = Erasure | Minimisation | Suppression


def _canonical(item: Item) -> str:
    if isinstance(item, Erasure):
        # the one kind written by the thousand (a sweep): formatted directly, the same text as
        # the general case below (keys sorted, compact, ASCII), which a test holds them to
        return (
            f'{{"at":{_ascii(item.at.isoformat())},"id":{_ascii(item.person_id)},'
            f'"reason":{_ascii(item.reason)},"t":"erased"}}'
        )
    if isinstance(item, Suppression) and not item.lifted:
        # an erased person's digests, as many as the erasures: the same, formatted directly
        return (
            f'{{"at":{_ascii(item.at.isoformat())},"digest":"{item.digest.hex()}",'
            f'"kind":{_ascii(item.kind)},"reason":{_ascii(item.reason)},"t":"suppressed"}}'
        )
    return _json(item)


def _json(item: Item) -> str:
    body: dict[str, object]
    if isinstance(item, Suppression):
        body = {"t": "lifted" if item.lifted else "suppressed", "at": item.at.isoformat()}
        body.update(kind=item.kind, digest=item.digest.hex())
    elif isinstance(item, Erasure):
        body = {"t": "erased", "id": item.person_id, "at": item.at.isoformat()}
    else:
        body = {
            "t": "minimised",
            "id": item.person_id,
            "at": item.at.isoformat(),
            "fields": list(item.fields),
            "purposes": list(item.purposes),
            "ledger": item.ledger,
        }
    body["reason"] = item.reason
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


_ascii: Callable[[str], str] = json.encoder.encode_basestring_ascii


def encode(key: bytes, item: Item) -> bytes:
    """One line of the file: the MAC, a space, the entry as JSON, a newline."""
    text = _canonical(item).encode()
    mac = hmac.digest(key, text, "sha256").hex()[:_MAC_HEX]
    return mac.encode() + b" " + text + b"\n"


def decode(key: bytes, line: bytes) -> Item | None:
    """The entry of one line, or None when the line is torn, malformed or fails its MAC."""
    mac, _, text = line.rstrip(b"\n").partition(b" ")
    expected = hmac.new(key, text, hashlib.sha256).hexdigest()[:_MAC_HEX].encode()
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        body = json.loads(text)
        at = datetime.fromisoformat(body["at"])
        if body["t"] == "suppressed":
            return suppression(
                str(body["kind"]), bytes.fromhex(body["digest"]), str(body["reason"]), at
            )
        if body["t"] == "lifted":
            return lift(bytes.fromhex(body["digest"]), at)
        if body["t"] == "erased":
            return erasure(str(body["id"]), at, str(body["reason"]))
        if body["t"] == "minimised":
            return minimisation(
                str(body["id"]),
                [str(f) for f in body["fields"]],
                [str(p) for p in body["purposes"]],
                bool(body["ledger"]),
                at,
                str(body["reason"]),
            )
    except (ValueError, KeyError, TypeError):
        return None
    return None


@dataclass(frozen=True)
class Contents:
    erasures: list[Erasure]
    minimisations: list[Minimisation]
    rejected: int
    """Lines that failed their MAC or were torn: ignored, never obeyed."""
    suppressions: list[Suppression] = field(default_factory=list)
    """Additions to and lifts from the suppression list, in the order they were written."""


class RegisterFile:
    """The append-only register file (mode 0600) in the data directory."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self._key = key

    def append(self, items: Sequence[Item]) -> None:
        """Write ``items`` at the end of the file in one ``write`` and ``fsync`` it: when this
        returns, the entries survive a crash."""
        if not items:
            return
        data = b"".join(encode(self._key, item) for item in items)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self) -> Contents:
        erasures: list[Erasure] = []
        minimisations: list[Minimisation] = []
        suppressions: list[Suppression] = []
        rejected = 0
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return Contents(erasures, minimisations, rejected, suppressions)
        with handle:
            for number, line in enumerate(handle, start=1):
                item = decode(self._key, line)
                if isinstance(item, Erasure):
                    erasures.append(item)
                elif isinstance(item, Minimisation):
                    minimisations.append(item)
                elif isinstance(item, Suppression):
                    suppressions.append(item)
                elif line.strip():
                    rejected += 1
                    log.warning(
                        "line %d of %s failed its check (torn, altered, or written with another "
                        "master key); it is ignored",
                        number,
                        self.path.name,
                    )
        return Contents(erasures, minimisations, rejected, suppressions)
