"""The privacy requests' part of a person's timeline (``contacts.timeline``): their requests,
for those who handle them (admins and the privacy officer) and only under a purpose covering
everyone (``privacy_requests``), the purpose requests are handled under (Art. 12-22)."""

from __future__ import annotations

from kluis.actors import ALL_PURPOSES_ROLES
from kluis.contacts.timeline import Reading, TimelineEntry
from kluis.requests import service


def source(r: Reading) -> list[TimelineEntry]:
    if r.session.role not in ALL_PURPOSES_ROLES or not r.purpose.covers_everyone:
        return []
    found = service.of_person_in(r.k, r.conn, r.session.actor, r.person_id, r.now)
    return [
        TimelineEntry(
            when=q.received_at,
            kind="request",
            title=f"#{q.id}",
            words=(q.type, q.status),
            link=f"/app/requests/{q.id}",
            icon="§",
            ref=f"request:{q.id}",
        )
        for q in found
    ]
