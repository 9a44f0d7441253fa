"""A person's timeline: one list, in time order, of what the slices keep about them (activities,
consent events, messages sent, privacy requests).

Contacts stands below the slices that keep those things, so each offers a ``TimelineSource``
(named in its registry entry, ``Slice(timeline=...)``; the assembly lists them on
``app.state.timeline_sources``). A source is given a ``Reading``: the person, the purpose the
page is read under and the one transaction every source reads in; it returns only what that
purpose may see and records its own typed audit events in that transaction (invariant 3), so a
page commits its reads once rather than once per slice. What the page's panels read already
under the same purpose (the consent ledger, the messages) is passed along in
``Reading.shown``: a source uses it instead of reading (and auditing) the same rows twice. An
entry carries no value the page would not show anyway: the source decides what its title says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from kluis.audit import service as audit
from kluis.auth.sessions import Session
from kluis.contacts import reach_memo
from kluis.locale import N_
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis

LIMIT = 200
"""Entries a timeline shows (the most recent; scheduled activities first)."""

LABELS = {
    "call": N_("Call"),
    "meeting": N_("Meeting"),
    "email_in": N_("E-mail received"),
    "email_out": N_("E-mail sent"),
    "note": N_("Note"),
    "visit": N_("Visit"),
    "consent": N_("Consent"),
    "message": N_("Message sent"),
    "request": N_("Privacy request"),
}
"""The English label of each kind of entry (translated by the page)."""


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    kind: str
    """``consent``, ``message``, ``request`` or an activity's type (``call``, ``note``, ...)."""
    title: str
    """What the entry is about, as the page shows it (an activity's subject, a channel)."""
    words: tuple[str, ...] = ()
    """Words the page translates after the label (an action, a channel, a status)."""
    link: str | None = None
    """Where its details are, when they have a page of their own."""
    icon: str = "•"
    text: str | None = None
    """A longer text shown under the title (an activity's body)."""
    scheduled: bool = False
    evidence_id: int | None = None
    """A file kept with the entry (a call's recording), opened at ``/app/evidence/{id}``."""
    ref: str = ""
    """The entry's own id in its slice (``activity:...``, ``consent:12``), for the page."""

    @property
    def label(self) -> str:
        return LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class Reading:
    """What a timeline source reads under: one person, one purpose, one transaction."""

    k: Kluis
    conn: Connection
    session: Session
    person_id: str
    purpose: Purpose
    now: datetime
    shown: Mapping[str, Any] = field(default_factory=dict)
    """Values the page's panels read already, in this request and under this purpose
    (``contacts.panels``; e.g. ``ledger``, ``messages``), each read audited by its panel."""


class TimelineSource(Protocol):
    def __call__(self, reading: Reading) -> list[TimelineEntry]: ...


def merged(
    sources: Iterable[TimelineSource],
    k: Kluis,
    session: Session,
    person_id: str,
    purpose: Purpose,
    now: datetime,
    limit: int = LIMIT,
    shown: Mapping[str, Any] | None = None,
) -> list[TimelineEntry]:
    """Every source's entries, newest first (what is scheduled comes first), at most
    ``limit``; read, and their reads recorded, in one transaction, under one check that the
    actor may reach the person under the purpose (``reach_memo``), the sources' audit events
    appended to the chain at once (``audit.batched``)."""
    with k.engine.begin() as conn, reach_memo.remembering(conn), audit.batched(conn):
        reading = Reading(k, conn, session, person_id, purpose, now, shown or {})
        entries = [e for source in sources for e in source(reading)]
    entries.sort(key=lambda e: (e.when, e.ref), reverse=True)
    return entries[:limit]
