"""The person's identifiers, captured at the erasure for searches afterwards.

An erasure destroys the person's key (Art. 17), after which nothing can say what their e-mail
address was, so old files could no longer be searched for them. The erasure therefore captures
the three identifiers a search needs (e-mail addresses, phone numbers, names), read under the
privacy purpose like the copy the person is sent, and seals them with a key of their own in
the keyring, made for this one request. The key is destroyed when the capture ends (after
``KLUIS_DISCOVER_CAPTURE_DAYS``, checked at every opening, or when staff forget it), through
the same path as a person's key: the erasure register lists it, so a keyring snapshot restored
later destroys it again. The data row is deleted with it; copies of the row in data backups are
ciphertext under a destroyed key.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.discover_events import DiscoverCaptured, DiscoverCaptureDestroyed
from kluis.contacts import people
from kluis.discover import repository
from kluis.discover.rules import Identifiers
from kluis.runtime import Kluis

FIELD = "discover_identifiers"
"""The associated data the capture is sealed under (with its key id)."""


def read_identifiers(
    k: Kluis, actor: Actor, person_id: str, now: datetime, via: str = "discover"
) -> Identifiers | None:
    """The person's identifiers read now under the privacy purpose (audited as a read, with
    ``via``); None when the person is gone."""
    views = people.read_people(k, actor, [person_id], k.settings.privacy_purpose, now, via=via)
    if not views:
        return None
    fields = views[0].fields

    def text(name: str) -> str:
        value = fields.get(name)
        return value.strip() if isinstance(value, str) else ""

    given, family = text("given_name"), text("family_name")
    return Identifiers(
        emails=(text("email"),) if text("email") else (),
        phones=(text("phone"),) if text("phone") else (),
        names=((given, family),) if given and family else (),
    )


def _encode(person_id: str, found: Identifiers) -> bytes:
    """The person's id is sealed too: no row of the data store names an erased person but the
    request and the audit log."""
    return json.dumps(
        {
            "person_id": person_id,
            "emails": found.emails,
            "phones": found.phones,
            "names": found.names,
        }
    ).encode()


def _decode(data: bytes) -> tuple[str, Identifiers]:
    raw = json.loads(data)
    found = Identifiers(
        tuple(raw["emails"]), tuple(raw["phones"]), tuple((g, f) for g, f in raw["names"])
    )
    return str(raw["person_id"]), found


def _opened(k: Kluis, row: Any) -> tuple[str, Identifiers] | None:
    cipher = k.vault.ciphers([row.key_id]).get(row.key_id)
    return None if cipher is None else _decode(cipher.open_bytes(FIELD, row.sealed))


def capture(k: Kluis, actor: Actor, request_id: int, person_id: str, now: datetime) -> bool:
    """Seal the person's identifiers for the request; False when there is nothing to keep."""
    found = read_identifiers(k, actor, person_id, now, via="discover_capture")
    if not found:
        return False
    with k.engine.connect() as conn:
        old = repository.capture_of(conn, request_id)
    if old is not None:
        k.vault.shred(old.key_id, now, "discover capture replaced")
    key_id = str(uuid.uuid4())
    cipher = k.vault.create_keys([key_id], now)[key_id]
    keep_until = now + timedelta(days=k.settings.discover_capture_days)
    kinds = tuple(
        kind
        for kind, values in zip(
            ("email", "phone", "name"), (found.emails, found.phones, found.names), strict=True
        )
        if values
    )
    with k.engine.begin() as conn:
        repository.put_capture(
            conn,
            request_id,
            key_id,
            cipher.seal_bytes(FIELD, _encode(person_id, found)),
            now,
            keep_until,
        )
        audit.record(
            conn,
            actor.ref,
            now,
            [DiscoverCaptured(person_id, request_id, kinds, keep_until.isoformat())],
        )
    return True


def captured(k: Kluis, request_id: int, now: datetime) -> Identifiers | None:
    """The capture of the request, while it lasts and its key exists."""
    with k.engine.connect() as conn:
        row = repository.capture_of(conn, request_id)
    if row is None or row.keep_until <= now:
        return None
    opened = _opened(k, row)
    return None if opened is None else opened[1]


def keep_until(k: Kluis, request_id: int, until: datetime) -> None:
    """Keep the capture at least until ``until``: the request still has mails to send to the
    captured address (the final erasure certificate waits for connected systems, up to the
    request's deadline). ``forget`` ends it as soon as they went."""
    with k.engine.begin() as conn:
        repository.keep_capture_until(conn, request_id, until)


def forget(k: Kluis, actor: Actor, request_id: int, now: datetime, reason: str) -> bool:
    """Destroy the capture's key and delete its row; False when there was none."""
    with k.engine.connect() as conn:
        row = repository.capture_of(conn, request_id)
    if row is None:
        return False
    opened = _opened(k, row)
    k.vault.shred(row.key_id, now, f"discover capture {reason}")
    with k.engine.begin() as conn:
        repository.delete_capture(conn, request_id)
        person_id = None if opened is None else opened[0]
        audit.record(
            conn, actor.ref, now, [DiscoverCaptureDestroyed(person_id, request_id, reason)]
        )
    return True
