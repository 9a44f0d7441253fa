"""What the consent slice contributes to contacts, which may not import it (``contacts.hooks``).

Loaded with the package (``kluis/consent/__init__.py``), so it imports only the consent slice's
own low parts (repository, rules, audience_index), never its services or the runtime.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from kluis.consent import audience_index, repository, rules
from kluis.contacts import hooks


def live_consent_event(conn: Connection, person_id: str, now: datetime) -> int | None:
    """The event of the person's most recent live consent on any channel and topic, if any:
    what adding a purpose that rests on consent stands on."""
    live = [
        state
        for state in repository.permissions_of(conn, person_id).values()
        if rules.live(state, now)
    ]
    return max(live, key=lambda state: state.since).event_id if live else None


def _erase_ledger(conn: Connection, person_id: str) -> None:
    repository.delete_ledger(conn, person_id)


def register() -> None:
    """Give contacts the live-consent look-up, the ledger eraser and the audience's copy of
    what the rule reads of people."""
    hooks.register(live_consent_event, _erase_ledger)
    hooks.register_audience(audience_index.people_added, audience_index.people_changed)
