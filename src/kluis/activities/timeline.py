"""The activities' part of a person's timeline (``contacts.timeline``): those logged under the
page's purpose (every one under a purpose covering everyone), opened and audited."""

from __future__ import annotations

from kluis.activities import reads
from kluis.contacts.timeline import LIMIT, Reading, TimelineEntry

ICONS = {
    "call": "☎",
    "meeting": "◎",
    "email_in": "✉",
    "email_out": "✉",
    "note": "✎",
    "visit": "⌂",
}


def entries(views: list[reads.Moment]) -> list[TimelineEntry]:
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


def source(r: Reading) -> list[TimelineEntry]:
    found = reads.for_timeline_in(
        r.k, r.conn, r.session.actor, r.person_id, r.purpose.key, r.now, LIMIT
    )
    return entries(found)
