"""The consent slice's part of a person's timeline (``contacts.timeline``): their consent
events, read under the page's purpose as the consent panel reads the ledger (audited)."""

from __future__ import annotations

from datetime import datetime

from kluis.auth.sessions import Session
from kluis.consent import ledger
from kluis.contacts.panels import PANEL_ROLES
from kluis.contacts.timeline import TimelineEntry
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis


def source(
    k: Kluis, session: Session, person_id: str, purpose: Purpose, now: datetime
) -> list[TimelineEntry]:
    if session.role.value not in PANEL_ROLES:
        return []
    kept = ledger.ledger(k, session.actor, person_id, purpose.key, now)
    return [
        TimelineEntry(
            when=e.captured_at,
            kind="consent",
            title=e.topic,
            words=(e.action, e.channel),
            link=f"/app/contacts/{person_id}#timeline-h",
            icon="✓" if e.action in ("granted", "reconfirmed") else "✗",
            ref=f"consent:{e.id}",
        )
        for e in kept.events
    ]
