"""The activities' part of a person's timeline (``contacts.timeline``): those logged under the
page's purpose (every one under a purpose covering everyone), opened and audited."""

from __future__ import annotations

from datetime import datetime

from kluis.activities import reads
from kluis.auth.sessions import Session
from kluis.contacts.timeline import LIMIT, TimelineEntry
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis

ICONS = {
    "call": "☎",
    "meeting": "◎",
    "email_in": "✉",
    "email_out": "✉",
    "note": "✎",
    "visit": "⌂",
}


def entries(views: list[reads.ActivityView]) -> list[TimelineEntry]:
    return [
        TimelineEntry(
            when=v.occurred_at,
            kind=v.type,
            title=v.subject,
            link=f"/app/activities/{v.id}",
            icon=ICONS.get(v.type, "•"),
            text=v.body,
            scheduled=v.scheduled,
            evidence_id=v.recording_id,
            ref=f"activity:{v.id}",
        )
        for v in views
    ]


def source(
    k: Kluis, session: Session, person_id: str, purpose: Purpose, now: datetime
) -> list[TimelineEntry]:
    found = reads.of_person(
        k, session.actor, person_id, purpose.key, now, via="timeline", limit=LIMIT
    )
    return entries(found)
