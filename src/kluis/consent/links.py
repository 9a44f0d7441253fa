"""What the consent slice contributes to contacts, which may not import it (``contacts.hooks``)."""

from __future__ import annotations

from sqlalchemy import Connection

from kluis.consent import repository
from kluis.consent.ledger import live_consent_event
from kluis.contacts import hooks


def _erase_ledger(conn: Connection, person_id: str) -> None:
    repository.delete_ledger(conn, person_id)


def register() -> None:
    """Give contacts the live-consent look-up and the ledger eraser."""
    hooks.register(live_consent_event, _erase_ledger)
