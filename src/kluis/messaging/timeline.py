"""The messaging slice's part of a person's timeline (``contacts.timeline``): the messages sent
to them, read under the page's purpose as the messages panel reads them (audited). When the
panel has read them already for the same page, its reading is used: the rows are read, and the
read recorded, once."""

from __future__ import annotations

from typing import Any

from kluis.contacts.panels import PANEL_ROLES
from kluis.contacts.timeline import Reading, TimelineEntry
from kluis.messaging import service


def source(r: Reading) -> list[TimelineEntry]:
    if r.session.role.value not in PANEL_ROLES:
        return []
    found: list[dict[str, Any]]
    if "messages" in r.shown:
        found = r.shown["messages"]
    else:
        found = service.messages_in(r.k, r.conn, r.session.actor, r.person_id, r.purpose.key, r.now)
    return [
        TimelineEntry(
            when=m["sent_at"] or m["created_at"],
            kind="message",
            title=m["topic"] or "",
            words=(m["kind"], m["channel"]),
            link=f"/app/contacts/{r.person_id}#messages-h",
            icon="✉",
            ref=f"message:{m['id']}",
        )
        for m in found
        if m["status"] == "sent"
    ]
