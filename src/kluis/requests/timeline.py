"""The privacy requests' part of a person's timeline (``contacts.timeline``): their requests,
for those who handle them (admins and the privacy officer) and only under a purpose covering
everyone (``privacy_requests``), the purpose requests are handled under (Art. 12-22)."""

from __future__ import annotations

from datetime import datetime

from kluis.actors import ALL_PURPOSES_ROLES
from kluis.auth.sessions import Session
from kluis.contacts.timeline import TimelineEntry
from kluis.purposes.rules import Purpose
from kluis.requests import service
from kluis.runtime import Kluis


def source(
    k: Kluis, session: Session, person_id: str, purpose: Purpose, now: datetime
) -> list[TimelineEntry]:
    if session.role not in ALL_PURPOSES_ROLES or not purpose.covers_everyone:
        return []
    found = service.list_requests(k, session.actor, now, person_id=person_id, limit=1000)
    return [
        TimelineEntry(
            when=r.received_at,
            kind="request",
            title=f"#{r.id}",
            words=(r.type, r.status),
            link=f"/app/requests/{r.id}",
            icon="§",
            ref=f"request:{r.id}",
        )
        for r in found
    ]
