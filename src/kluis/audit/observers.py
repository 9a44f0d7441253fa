"""Who else reads the audit events as they are recorded, in the same transaction.

Every change of personal data is audited (invariant 6), so an event is the one place every path
(API, page, command, import, retention sweep, privacy request) passes through. A slice above
that must act on some kinds of change (the notices to connected systems, Art. 19) registers an
observer here rather than asking each path below it to call it: the audit slice calls down
through a function it was given, never up through an import. An observer runs inside
``record``'s transaction, so what it writes commits or rolls back with the change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Connection

from kluis.audit.events import AuditEvent

Observer = Callable[[Connection, str, datetime, Sequence[AuditEvent]], object]
"""(conn, actor ref, now, events just recorded)."""

_observers: dict[str, Observer] = {}


def observe(name: str, observer: Observer) -> None:
    """Register ``observer`` under ``name``; registering the same name again replaces it."""
    _observers[name] = observer


def notify(conn: Connection, actor: str, now: datetime, events: Sequence[AuditEvent]) -> None:
    for observer in tuple(_observers.values()):
        observer(conn, actor, now, events)
