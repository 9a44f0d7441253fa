"""The messaging slice's part of a person's timeline (``contacts.timeline``): the messages sent
to them, read under the page's purpose as the messages panel reads them (audited)."""

from __future__ import annotations

from datetime import datetime

from kluis.auth.sessions import Session
from kluis.contacts.panels import PANEL_ROLES
from kluis.contacts.timeline import TimelineEntry
from kluis.messaging import service
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis


def source(
    k: Kluis, session: Session, person_id: str, purpose: Purpose, now: datetime
) -> list[TimelineEntry]:
    if session.role.value not in PANEL_ROLES:
        return []
    found = service.messages_of(k, session.actor, person_id, purpose.key, now)
    return [
        TimelineEntry(
            when=m["sent_at"] or m["created_at"],
            kind="message",
            title=m["topic"] or "",
            words=(m["kind"], m["channel"]),
            link=f"/app/contacts/{person_id}#messages-h",
            icon="✉",
            ref=f"message:{m['id']}",
        )
        for m in found
        if m["status"] == "sent"
    ]
