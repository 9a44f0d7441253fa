"""Reading activities: a person's under a purpose, one activity, a company's people's, an
author's recent and upcoming ones, and the count of people with no activity for N days. Each
read of a person's activities names a purpose and is audited under it (invariant 3); subject
and body are opened with the person's key only here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, Row

from kluis.activities import repository
from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.activity_events import ActivitiesRead, ActivityRead
from kluis.audit.events import AuditEvent
from kluis.contacts import people as contacts
from kluis.errors import InvalidField, KluisError, NotFound
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis

LIST_LIMIT = 200


@dataclass(frozen=True)
class ActivityView:
    id: str
    person_id: str
    purpose_key: str
    company_id: int | None
    type: str
    occurred_at: datetime
    duration_minutes: int | None
    scheduled: bool
    author: str
    author_role: str
    subject: str
    body: str | None
    consent_event_id: int | None
    recording_id: int | None
    created_at: datetime
    deal_id: int | None = None

    def public(self) -> dict[str, Any]:
        """The activity as JSON values (API, CLI ``--json``, packages)."""
        return {
            "id": self.id,
            "person_id": self.person_id,
            "purpose": self.purpose_key,
            "company_id": self.company_id,
            "type": self.type,
            "occurred_at": self.occurred_at.isoformat(),
            "duration_minutes": self.duration_minutes,
            "scheduled": self.scheduled,
            "author": self.author,
            "author_role": self.author_role,
            "subject": self.subject,
            "body": self.body,
            "consent_event_id": self.consent_event_id,
            "recording_id": self.recording_id,
            "deal_id": self.deal_id,
        }


def views(k: Kluis, rows: Iterable[Row[Any]]) -> list[ActivityView]:
    """Rows opened with their people's keys (one key look-up per person)."""
    listed = list(rows)
    ciphers = k.vault.ciphers({r.person_id for r in listed})
    out = []
    for r in listed:
        cipher = ciphers[r.person_id]
        body = cipher.open(f"activity.{r.id}.body", r.body) if r.body else None
        out.append(
            ActivityView(
                r.id,
                r.person_id,
                r.purpose_key,
                r.company_id,
                r.type,
                r.occurred_at,
                r.duration_minutes,
                r.scheduled,
                r.author,
                r.author_role,
                cipher.open(f"activity.{r.id}.subject", r.subject),
                body,
                r.consent_event_id,
                r.recording_id,
                r.created_at,
                r.deal_id,
            )
        )
    return out


def keys_under(purpose: Purpose) -> list[str] | None:
    """Which activities a purpose sees: those logged under it; a purpose covering everyone
    (answering privacy requests, Art. 15) sees every one (None)."""
    return None if purpose.covers_everyone else [purpose.key]


def of_person_in(
    k: Kluis,
    conn: Connection,
    actor: Actor,
    person_id: str,
    purpose_key: str,
    now: datetime,
    *,
    via: str,
    limit: int | None = LIST_LIMIT,
) -> list[ActivityView]:
    """A person's activities under a purpose, newest first, in the caller's transaction, which
    records the read."""
    purpose = contacts.reach(k, conn, actor, person_id, purpose_key)
    rows = repository.of_person(conn, person_id, keys_under(purpose), limit=limit)
    found = views(k, rows)
    audit.record(conn, actor.ref, now, [ActivitiesRead(person_id, purpose.key, len(found), via)])
    return found


class Moment(NamedTuple):
    """What a timeline shows of one activity (``for_timeline_in``)."""

    id: str
    type: str
    occurred_at: datetime
    scheduled: bool
    subject: str
    body: str | None
    recording_id: int | None


def for_timeline_in(
    k: Kluis,
    conn: Connection,
    actor: Actor,
    person_id: str,
    purpose_key: str,
    now: datetime,
    limit: int,
) -> list[Moment]:
    """``of_person_in(via="timeline")`` with only the columns a timeline shows: the person
    page's hot path, where opening every column of 200 rows into ``ActivityView`` was most of
    the slice's cost. The read is audited the same way."""
    purpose = contacts.reach(k, conn, actor, person_id, purpose_key)
    rows = repository.timeline_of(conn, person_id, keys_under(purpose), limit)
    cipher = k.vault.cipher(person_id)
    found = [
        Moment(
            r[0],
            r[1],
            r[2],
            r[3],
            cipher.open(f"activity.{r[0]}.subject", r[4]),
            cipher.open(f"activity.{r[0]}.body", r[5]) if r[5] else None,
            r[6],
        )
        for r in rows
    ]
    audit.record(
        conn, actor.ref, now, [ActivitiesRead(person_id, purpose.key, len(found), "timeline")]
    )
    return found


def of_person(
    k: Kluis,
    actor: Actor,
    person_id: str,
    purpose_key: str,
    now: datetime,
    *,
    via: str = "list",
    limit: int | None = LIST_LIMIT,
) -> list[ActivityView]:
    with k.engine.begin() as conn:
        return of_person_in(k, conn, actor, person_id, purpose_key, now, via=via, limit=limit)


def show(k: Kluis, actor: Actor, activity_id: str, purpose_key: str, now: datetime) -> ActivityView:
    """One activity, under its own purpose (or one covering everyone); audited."""
    with k.engine.begin() as conn:
        row = repository.get(conn, activity_id)
        if row is None:
            raise NotFound(f"there is no activity {activity_id} under this purpose", field="id")
        purpose = contacts.reach(k, conn, actor, row.person_id, purpose_key)
        seen = keys_under(purpose)
        if seen is not None and row.purpose_key not in seen:
            raise NotFound(f"there is no activity {activity_id} under this purpose", field="id")
        audit.record(conn, actor.ref, now, [ActivityRead(row.person_id, purpose.key, row.id)])
    return views(k, [row])[0]


def of_company(
    k: Kluis, actor: Actor, company_id: int, purpose_key: str, now: datetime, limit: int = 100
) -> list[ActivityView]:
    """The activities of a company's people under a purpose: only of people visible under it
    (collected for it, not restricted), each person's read audited."""
    with k.engine.begin() as conn:
        purpose = contacts.purpose_for(conn, actor, purpose_key)
        rows = repository.of_company(conn, company_id, keys_under(purpose), limit)
        shown, _hidden = contacts.views_of(k, conn, purpose, [r.person_id for r in rows])
        visible = {v.id for v in shown}
        kept = [r for r in rows if r.person_id in visible]
        counts: dict[str, int] = {}
        for r in kept:
            counts[r.person_id] = counts.get(r.person_id, 0) + 1
        events: list[AuditEvent] = [
            ActivitiesRead(pid, purpose.key, n, "company") for pid, n in counts.items()
        ]
        audit.record(conn, actor.ref, now, events)
    return views(k, kept)


def _reachable(
    k: Kluis, conn: Connection, actor: Actor, person_id: str, purpose_key: str
) -> Purpose | None:
    """The purpose when the actor may still reach the person under it; None hides the row
    (the purpose left the role, the person was restricted or erased)."""
    try:
        return contacts.reach(k, conn, actor, person_id, purpose_key)
    except KluisError:
        return None


def by_author(
    k: Kluis, actor: Actor, now: datetime, *, days: int = 7, limit: int = 10
) -> tuple[list[ActivityView], list[ActivityView]]:
    """The actor's own activities of the last and the next ``days`` days: (recent, upcoming).
    Only those under a purpose the actor's role still holds and a person still visible under
    it; each person's read audited under the activity's purpose."""
    with k.engine.begin() as conn:
        rows = repository.by_author(
            conn, actor.ref, now - timedelta(days=days), now + timedelta(days=days), limit * 2
        )
        kept: list[Row[Any]] = []
        events: list[AuditEvent] = []
        for r in rows:
            purpose = _reachable(k, conn, actor, r.person_id, r.purpose_key)
            if purpose is None:
                continue
            kept.append(r)
            events.append(ActivitiesRead(r.person_id, purpose.key, 1, "home"))
        audit.record(conn, actor.ref, now, events)
    shown = views(k, kept)
    recent = [v for v in shown if not v.scheduled][:limit]
    upcoming = sorted((v for v in shown if v.scheduled), key=lambda v: v.occurred_at)[:limit]
    return recent, upcoming


def of_deal(
    k: Kluis, actor: Actor, deal_id: int, now: datetime, *, limit: int = 100
) -> tuple[list[ActivityView], int]:
    """The activities logged for a deal, newest first: (shown, hidden). Each is opened under
    the purpose it was logged under, only when the actor's role holds that purpose and the
    person is still visible under it (Art. 5(1)(b)); each person's read is audited
    (``activity.list_read``, ``via`` ``deal``). The others are only counted."""
    with k.engine.begin() as conn:
        rows = repository.of_deal(conn, deal_id, limit)
        kept: list[Row[Any]] = []
        counts: dict[tuple[str, str], int] = {}
        for r in rows:
            purpose = _reachable(k, conn, actor, r.person_id, r.purpose_key)
            if purpose is None:
                continue
            kept.append(r)
            counts[(r.person_id, purpose.key)] = counts.get((r.person_id, purpose.key), 0) + 1
        events: list[AuditEvent] = [
            ActivitiesRead(person, key, n, "deal") for (person, key), n in counts.items()
        ]
        audit.record(conn, actor.ref, now, events)
    return views(k, kept), len(rows) - len(kept)


def count_quiet(k: Kluis, now: datetime, days: int) -> int:
    """How many people had no activity (a past one) in the last ``days`` days: everyone
    minus those whose latest activity is recent, from ``activity_latest``'s index. A count, no
    person named, so no read of anyone is audited."""
    if days < 0:
        raise InvalidField("days must be 0 or more", field="days")
    with k.engine.connect() as conn:
        return repository.count_people(conn) - repository.count_active_since(
            conn, now - timedelta(days=days)
        )
