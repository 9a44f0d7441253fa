"""The connected slice's on-open hook (``kluis.slices``): it registers the audit observer and
the erasure hook that tell the connected systems of a change (Art. 19), so every process that
opens Kluis tells them, whichever path changes a person. Both are named by path
(``kluis.slice_types.Deferred``) and the observer first looks whether any recorded event is one
a system is told of (``rules.WATCHED``, pure): opening Kluis and recording other events do not
import the notices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, text

from kluis.audit import observers
from kluis.audit.events import AuditEvent
from kluis.connected import rules
from kluis.connected.tables import ConnectedSystem
from kluis.contacts import hooks
from kluis.runtime import Kluis
from kluis.slice_types import Deferred

_observe = Deferred("kluis.connected.notices:observe")


def observe(conn: Connection, actor: str, now: datetime, events: Sequence[AuditEvent]) -> None:
    """The audit observer: ``kluis.connected.notices.observe`` for events it watches."""
    if any(event.action in rules.WATCHED for event in events):
        _observe(conn, actor, now, events)


_ANY_SYSTEM = text(f"SELECT 1 FROM {ConnectedSystem.__tablename__} LIMIT 1")  # noqa: S608
"""Made once: every erasure asks it (a select built per call cost more than its run)."""


def any_system(conn: Connection) -> bool:
    """Whether any connected system is set up: an erasure asks this in its own read, and with
    none (most stores) it does not load or run ``before_erasure``."""
    return conn.execute(_ANY_SYSTEM).first() is not None


def on_open(_k: Kluis, _now: datetime) -> None:
    observers.observe("connected", observe)
    hooks.register_before_erasure(
        "connected", Deferred("kluis.connected.notices:before_erasure"), any_system
    )
