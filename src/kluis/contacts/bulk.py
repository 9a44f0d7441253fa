"""Adding a purpose to a selection of people: further processing (Art. 6(4)) decided for each
person by the same rule as one person's purposes page (``rectify.change_purposes``: a purpose
the role holds, a consent purpose only on a live consent, no marketing purpose after an
objection), in one transaction: one person refused refuses the selection, naming them, so a
selection is never half done. Each person added is a ``person.purpose_added`` entry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.events import AuditEvent
from kluis.contacts import owners, people, rectify
from kluis.errors import KluisError
from kluis.runtime import Kluis


def add_purpose(
    k: Kluis,
    actor: Actor,
    ids: Sequence[str],
    adding: str,
    purpose_key: str,
    now: datetime,
) -> int:
    """Add ``adding`` to every person of ``ids`` read under ``purpose_key``; returns how many
    did not hold it yet."""
    chosen = owners.selection(ids)
    with k.engine.begin() as conn:
        purpose = owners.visible_selection(k, conn, actor, chosen, purpose_key)
        people.purpose_for(conn, actor, adding, "purposes")
        views, _ = people.views_of(k, conn, purpose, chosen)
        events: list[AuditEvent] = []
        added = 0
        for view in views:
            if adding in view.purposes:
                continue
            try:
                events.extend(
                    rectify.change_purposes(
                        k, conn, actor, view, [*view.purposes, adding], purpose, now
                    )
                )
            except KluisError as exc:
                exc.within(people.PERSON_N, n=view.id)
                raise
            added += 1
        audit.record(conn, actor.ref, now, events)
    return added
