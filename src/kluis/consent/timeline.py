"""The consent slice's part of a person's timeline (``contacts.timeline``): their consent
events, read under the page's purpose as the consent panel reads the ledger (audited). When the
panel has read the ledger already for the same page, its reading is used: the rows are read,
and the read recorded, once."""

from __future__ import annotations

from kluis.consent import ledger
from kluis.contacts.panels import PANEL_ROLES
from kluis.contacts.timeline import Reading, TimelineEntry


def source(r: Reading) -> list[TimelineEntry]:
    if r.session.role.value not in PANEL_ROLES:
        return []
    kept = r.shown.get("ledger")
    if not isinstance(kept, ledger.Ledger) or kept.person_id != r.person_id:
        kept = ledger.ledger_in(r.k, r.conn, r.session.actor, r.person_id, r.purpose.key, r.now)
    return [
        TimelineEntry(
            when=e.captured_at,
            kind="consent",
            title=e.topic,
            words=(e.action, e.channel),
            link=f"/app/contacts/{r.person_id}#timeline-h",
            icon="✓" if e.action in ("granted", "reconfirmed") else "✗",
            ref=f"consent:{e.id}",
        )
        for e in kept.events
    ]
