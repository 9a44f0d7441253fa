"""The queries of backups (SQLAlchemy Core), each on the caller's connection: what a manifest
counts, and the person ids a restore walks."""

from __future__ import annotations

from sqlalchemy import Connection, func, inspect, select

from kluis.audit.tables import AuditRow
from kluis.consent.tables import ConsentEvent
from kluis.contacts.tables import people
from kluis.messaging.tables import MessageRow
from kluis.vault.tables import ErasureEntry, PersonKey


def counts(conn: Connection) -> dict[str, int]:
    """The data store's rows a manifest records, by kind."""
    return {
        "people": conn.scalar(select(func.count()).select_from(people)) or 0,
        "consent_events": conn.scalar(select(func.count()).select_from(ConsentEvent)) or 0,
        "messages": conn.scalar(select(func.count()).select_from(MessageRow)) or 0,
        "audit_entries": conn.scalar(select(func.count()).select_from(AuditRow)) or 0,
    }


def keyring_counts(conn: Connection) -> dict[str, int]:
    """The keyring's keys and erasure register entries."""
    return {
        "keys": conn.scalar(select(func.count()).select_from(PersonKey)) or 0,
        "erased": conn.scalar(select(func.count()).select_from(ErasureEntry)) or 0,
    }


def has_keyring(conn: Connection) -> bool:
    """Whether the keyring store has its tables (a new, empty store has none)."""
    return inspect(conn).has_table(PersonKey.__tablename__)


def people_after(conn: Connection, after: str, limit: int) -> list[str]:
    """The next ``limit`` person ids after ``after``, in id order."""
    return list(
        conn.scalars(
            select(people.c.id).where(people.c.id > after).order_by(people.c.id).limit(limit)
        )
    )
