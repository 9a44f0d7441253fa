"""What a privacy request's page, its certificate and ``kluis check`` read of the notices: each
system's state for a person (Art. 19), in the order the systems were registered, and the notices
still open past their time. Names, states and times; never an identifier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.connected import repository, rules
from kluis.errors import PermissionDenied
from kluis.runtime import Kluis


@dataclass(frozen=True)
class NoticeView:
    id: int
    system: str
    reach: str
    kind: str
    fields: list[str]
    state: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    confirmed_at: datetime | None
    confirmed_by: str | None
    instructions: str | None = None


def _views(k: Kluis, person_id: str, kind: str | None = None) -> list[NoticeView]:
    with k.engine.connect() as conn:
        rows = repository.notices_of(conn, person_id, kind)
        instructions = {s.id: s.instructions for s in repository.systems(conn)}
    return [_view(row, instructions) for row in rows if row.state != "superseded"]


def _view(row: Any, instructions: dict[int, str | None]) -> NoticeView:
    n = row
    return NoticeView(
        n.id,
        row.name,
        row.reach,
        n.kind,
        n.fields.split(),
        n.state,
        n.attempts,
        n.created_at,
        n.sent_at,
        n.confirmed_at,
        n.confirmed_by,
        instructions.get(n.system_id) if row.reach == "manual" else None,
    )


def notices(k: Kluis, actor: Actor, person_id: str) -> list[NoticeView]:
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may see the notices")
    return _views(k, person_id)


def for_request(k: Kluis, person_id: str) -> list[NoticeView]:
    """Each system's state for the request page (its handler sees it; names and states only)."""
    return _views(k, person_id)


def certificate(k: Kluis, person_id: str) -> list[dict[str, Any]]:
    """The erasure certificate's part (Art. 17, 19): each system told of the erasure, in the
    order they were registered, whether and when it confirmed."""
    return [
        {
            "system": v.system,
            "reach": v.reach,
            "state": v.state,
            "confirmed": v.state == "confirmed",
            "confirmed_at": None if v.confirmed_at is None else v.confirmed_at.isoformat(),
        }
        for v in _views(k, person_id, "erasure")
    ]


def unconfirmed(k: Kluis, person_id: str) -> int:
    """How many of the person's notices still wait for their system."""
    return sum(1 for v in _views(k, person_id) if v.state != "confirmed")


@dataclass(frozen=True)
class Overdue:
    notices: int
    systems: tuple[str, ...]
    failed: int


def overdue(k: Kluis, now: datetime) -> Overdue:
    """Notices open longer than ``KLUIS_CONNECTED_CONFIRM_DAYS`` (and how many gave up)."""
    days = k.settings.connected_confirm_days
    with k.engine.connect() as conn:
        rows = repository.open_notices(conn)
        names = {s.id: s.name for s in repository.systems(conn)}
    late = [r for r in rows if rules.overdue(r.state, r.created_at, now, days)]
    return Overdue(
        len(late),
        tuple(sorted({names[r.system_id] for r in late})),
        sum(1 for r in late if r.state == "failed"),
    )


def open_for(k: Kluis, person_ids: list[str]) -> dict[str, int]:
    """Person -> how many of their notices are not confirmed (for requests near deadline)."""
    with k.engine.connect() as conn:
        rows = repository.open_notices(conn)
    wanted = set(person_ids)
    out: dict[str, int] = {}
    for r in rows:
        if r.person_id in wanted:
            out[r.person_id] = out.get(r.person_id, 0) + 1
    return out
