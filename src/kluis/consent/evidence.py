"""Evidence of consent (Art. 7(1)): a recording, scan or e-mail kept with the ledger, sealed with
the person's key so that erasure makes it unreadable too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.audit import service as audit
from kluis.audit.consent_events import EvidenceAdded, EvidenceRead
from kluis.consent import grant_rules, repository
from kluis.contacts import people as contacts
from kluis.errors import InvalidField, NotFound, PermissionDenied
from kluis.runtime import Kluis


def add_evidence(
    k: Kluis,
    actor: Actor,
    person_id: str,
    purpose_key: str,
    content_type: str,
    data: bytes,
    now: datetime,
    filename: str | None = None,
) -> int:
    """Store a recording, scan or e-mail as evidence, sealed with the person's key so that their
    erasure makes it unreadable too; returns its id to cite in a consent event. Only under a
    purpose the actor may process the person under (``contacts.reach``): evidence is data about
    them, and storing it is processing (Art. 4(2))."""
    try:
        kind = grant_rules.check_evidence(content_type, data, k.settings.evidence_max_bytes)
    except grant_rules.EvidenceRefused as exc:
        raise InvalidField(str(exc), field="evidence", msgid=exc.msgid, values=exc.values) from None
    with k.engine.begin() as conn:
        purpose = contacts.reach(k, conn, actor, person_id, purpose_key)
        cipher = k.vault.cipher(person_id)
        evidence_id = repository.insert_evidence(
            conn,
            {
                "person_id": person_id,
                "content_type": kind,
                "size": len(data),
                "filename": cipher.seal("evidence.filename", filename) if filename else None,
                "data": b"",
                "captured_by": actor.ref,
                "created_at": now,
            },
        )
        repository.set_evidence_data(
            conn, evidence_id, cipher.seal_bytes(f"evidence.{evidence_id}", data)
        )
        audit.record(
            conn,
            actor.ref,
            now,
            [EvidenceAdded(person_id, purpose.key, evidence_id, kind, len(data))],
        )
    return evidence_id


@dataclass(frozen=True)
class Recording:
    """A call's recording as uploaded, before it is kept as evidence (Art. 7(1): the controller
    must be able to show the consent given by telephone). Logged calls and activities take the
    same upload."""

    content_type: str
    data: bytes
    filename: str | None = None


@dataclass(frozen=True)
class EvidenceFile:
    id: int
    person_id: str
    content_type: str
    filename: str | None
    data: bytes


def get_evidence(k: Kluis, actor: Actor, evidence_id: int, now: datetime) -> EvidenceFile:
    """The evidence file, for admins and privacy officers (it proves consent to a regulator);
    the read is audited."""
    with k.engine.begin() as conn:
        return get_evidence_in(k, conn, actor, evidence_id, now)


def get_evidence_in(
    k: Kluis, conn: Connection, actor: Actor, evidence_id: int, now: datetime
) -> EvidenceFile:
    """``get_evidence`` in the caller's transaction, which records the read."""
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may open consent evidence")
    row = repository.evidence(conn, evidence_id)
    if row is None:
        raise NotFound(f"there is no evidence {evidence_id}", field="evidence")
    cipher = k.vault.cipher(row.person_id)
    data = cipher.open_bytes(f"evidence.{evidence_id}", row.data)
    name = cipher.open("evidence.filename", row.filename) if row.filename else None
    audit.record(conn, actor.ref, now, [EvidenceRead(row.person_id, evidence_id)])
    return EvidenceFile(evidence_id, row.person_id, row.content_type, name, data)
