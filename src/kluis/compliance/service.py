"""Use cases of the breach register (Art. 33(5), 34): record, notify, list the people affected.

Only admins and privacy officers keep the register: it is the controller's evidence to the
supervisory authority, and the list of people affected names people (by opaque id). Every change
is audited in the same transaction.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row

from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.audit import service as audit
from kluis.audit.request_events import BreachAffectedListed, BreachNotified, BreachRecorded
from kluis.compliance import repository, rules
from kluis.compliance.render import environment
from kluis.errors import Conflict, InvalidField, KluisError, NotFound, PermissionDenied
from kluis.purposes.rules import data_category_names
from kluis.runtime import Kluis

MAX_TEXT = 10_000


class NotificationLate(KluisError):
    """A notification to the authority after 72 hours without the reasons for the delay
    (Art. 33(1))."""

    slug = "notification-late"
    title = "Late notification needs a reason"
    status = 422


@dataclass(frozen=True)
class NewBreach:
    detected_at: datetime
    nature: str
    categories: list[str]
    consequences: str
    measures_taken: str
    measures_proposed: str = ""
    approx_people: int | None = None
    approx_records: int | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    actors: list[str] = field(default_factory=list)
    purposes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BreachView:
    id: int
    detected_at: datetime
    recorded_at: datetime
    nature: str
    categories: list[dict[str, str]]
    approx_people: int | None
    approx_records: int | None
    consequences: str
    measures_taken: str
    measures_proposed: str
    authority_deadline: datetime
    hours_left: float
    overdue: bool
    due_soon: bool
    authority_notified_at: datetime | None
    late: bool
    late_reason: str | None
    authority_not_required: str | None
    people_notified_at: datetime | None
    people_notice_exemption: str | None
    window_start: datetime | None
    window_end: datetime | None
    actors: list[str]
    purposes: list[str]
    affected_people: int | None
    affected_computed_at: datetime | None
    created_by: str


def _may_keep(actor: Actor) -> None:
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may keep the breach register")


def _rule(exc: rules.BreachRuleError) -> KluisError:
    if exc.field == "late_reason":
        return NotificationLate(str(exc), field="late_reason")
    return InvalidField(str(exc), field=exc.field)


def view(row: Row[Any], now: datetime) -> BreachView:
    names = data_category_names()
    c = rules.clock(
        row.detected_at, row.authority_notified_at, row.authority_not_required is not None, now
    )
    return BreachView(
        id=row.id,
        detected_at=row.detected_at,
        recorded_at=row.recorded_at,
        nature=row.nature,
        categories=[{"key": k, "name": names.get(k, k)} for k in row.categories],
        approx_people=row.approx_people,
        approx_records=row.approx_records,
        consequences=row.consequences,
        measures_taken=row.measures_taken,
        measures_proposed=row.measures_proposed,
        authority_deadline=c.deadline,
        hours_left=round(c.hours_left, 2),
        overdue=c.overdue,
        due_soon=c.due_soon,
        authority_notified_at=row.authority_notified_at,
        late=c.late,
        late_reason=row.late_reason,
        authority_not_required=row.authority_not_required,
        people_notified_at=row.people_notified_at,
        people_notice_exemption=row.people_notice_exemption,
        window_start=row.window_start,
        window_end=row.window_end,
        actors=list(row.actors),
        purposes=list(row.purposes),
        affected_people=row.affected_people,
        affected_computed_at=row.affected_computed_at,
        created_by=row.created_by,
    )


def _text(value: str, name: str, *, required: bool) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidField(f"{name} is required: describe it for the authority", field=name)
    if len(value) > MAX_TEXT:
        raise InvalidField(f"{name} is longer than {MAX_TEXT} characters", field=name)
    return value


def _check(new: NewBreach, now: datetime) -> None:
    try:
        rules.check_detected(new.detected_at, now)
        rules.check_window(new.window_start, new.window_end)
    except rules.BreachRuleError as exc:
        raise _rule(exc) from None
    if not new.categories:
        raise InvalidField(
            "name at least one fideslang data category concerned (Art. 33(3)(a))",
            field="categories",
        )
    known = data_category_names()
    for key in new.categories:
        if key not in known:
            raise InvalidField(f"{key!r} is not a fideslang data category key", field="categories")
    for name in ("approx_people", "approx_records"):
        value = getattr(new, name)
        if value is not None and not 0 <= value < 2**31:
            raise InvalidField(f"{name} must be a count from 0", field=name)
    for name, values in (("actors", new.actors), ("purposes", new.purposes)):
        for v in values:
            if not v.strip() or len(v) > 120:
                raise InvalidField(f"each of {name} is 1-120 characters", field=name)


def add_breach(k: Kluis, actor: Actor, new: NewBreach, now: datetime) -> BreachView:
    _may_keep(actor)
    _check(new, now)
    values: dict[str, Any] = {
        "detected_at": new.detected_at,
        "recorded_at": now,
        "nature": _text(new.nature, "nature", required=True),
        "categories": list(dict.fromkeys(new.categories)),
        "approx_people": new.approx_people,
        "approx_records": new.approx_records,
        "consequences": _text(new.consequences, "consequences", required=True),
        "measures_taken": _text(new.measures_taken, "measures_taken", required=True),
        "measures_proposed": _text(new.measures_proposed, "measures_proposed", required=False),
        "window_start": new.window_start,
        "window_end": new.window_end,
        "actors": list(dict.fromkeys(a.strip() for a in new.actors)),
        "purposes": list(dict.fromkeys(p.strip() for p in new.purposes)),
        "created_by": actor.ref,
        "updated_at": now,
    }
    with k.engine.begin() as conn:
        breach_id = repository.add_breach(conn, values)
        audit.record(conn, actor.ref, now, [BreachRecorded(breach_id, tuple(values["categories"]))])
        row = repository.breach(conn, breach_id)
    assert row is not None
    return view(row, now)


def _get(conn: Connection, breach_id: int) -> Row[Any]:
    row = repository.breach(conn, breach_id)
    if row is None:
        raise NotFound(f"there is no breach {breach_id}; `kluis breaches list` shows them")
    return row


def get_breach(k: Kluis, actor: Actor, breach_id: int, now: datetime) -> BreachView:
    _may_keep(actor)
    with k.engine.connect() as conn:
        return view(_get(conn, breach_id), now)


def list_breaches(k: Kluis, actor: Actor, now: datetime) -> list[BreachView]:
    _may_keep(actor)
    with k.engine.connect() as conn:
        return [view(row, now) for row in repository.breaches(conn)]


def notify_authority(
    k: Kluis,
    actor: Actor,
    breach_id: int,
    now: datetime,
    *,
    at: datetime | None = None,
    late_reason: str | None = None,
    not_required: str | None = None,
) -> BreachView:
    """Record that the authority was notified at ``at`` (default now), with the reasons when
    late; or, with ``not_required``, why the breach is unlikely to result in a risk."""
    _may_keep(actor)
    with k.engine.begin() as conn:
        row = _get(conn, breach_id)
        if row.authority_notified_at is not None or row.authority_not_required is not None:
            raise Conflict(f"the authority notification of breach {breach_id} is recorded already")
        if not_required is not None:
            reason = _text(not_required, "not_required", required=True)
            values: dict[str, Any] = {"authority_not_required": reason, "updated_at": now}
            event = BreachNotified(breach_id, "authority", None, False, "not_required")
        else:
            when = at or now
            reason_text = _text(late_reason, "late_reason", required=False) if late_reason else None
            try:
                rules.check_authority_notice(row.detected_at, when, now, reason_text)
            except rules.BreachRuleError as exc:
                raise _rule(exc) from None
            late = rules.is_late(row.detected_at, when)
            values = {
                "authority_notified_at": when,
                "late_reason": reason_text if late else None,
                "updated_at": now,
            }
            event = BreachNotified(breach_id, "authority", when.isoformat(), late)
        repository.update_breach(conn, breach_id, values)
        audit.record(conn, actor.ref, now, [event])
        row = _get(conn, breach_id)
        return view(row, now)


def notify_people(
    k: Kluis,
    actor: Actor,
    breach_id: int,
    now: datetime,
    *,
    at: datetime | None = None,
    exemption: str | None = None,
) -> BreachView:
    """Record that the people were told (Art. 34(1)), or the Art. 34(3) exemption that applies."""
    _may_keep(actor)
    with k.engine.begin() as conn:
        row = _get(conn, breach_id)
        if row.people_notified_at is not None or row.people_notice_exemption is not None:
            raise Conflict(f"the people notification of breach {breach_id} is recorded already")
        try:
            if exemption is not None:
                kind = rules.parse_exemption(exemption)
                values: dict[str, Any] = {"people_notice_exemption": kind.value, "updated_at": now}
                event = BreachNotified(breach_id, "people", None, False, kind.value)
            else:
                when = at or now
                rules.check_people_notice(row.detected_at, when, now)
                values = {"people_notified_at": when, "updated_at": now}
                event = BreachNotified(breach_id, "people", when.isoformat())
        except rules.BreachRuleError as exc:
            raise _rule(exc) from None
        repository.update_breach(conn, breach_id, values)
        audit.record(conn, actor.ref, now, [event])
        return view(_get(conn, breach_id), now)


def affected(k: Kluis, actor: Actor, breach_id: int, now: datetime) -> list[str]:
    """The opaque ids of the people the audit log shows in the breach's window, by its actors
    and/or under its purposes; the count is stored on the breach and the listing audited."""
    _may_keep(actor)
    with k.engine.begin() as conn:
        row = _get(conn, breach_id)
        if row.window_start is None and row.window_end is None:
            raise InvalidField(
                "the breach has no time window; record window_start and window_end to find the "
                "people affected",
                field="window_start",
            )
        if not row.actors and not row.purposes:
            raise InvalidField(
                "the breach names no actors or purposes; without them every person in the window "
                "would be listed",
                field="actors",
            )
        ids = repository.affected_people(
            conn, row.window_start, row.window_end, row.actors, row.purposes
        )
        repository.update_breach(
            conn, breach_id, {"affected_people": len(ids), "affected_computed_at": now}
        )
        audit.record(conn, actor.ref, now, [BreachAffectedListed(breach_id, len(ids))])
    return ids


# Export -----------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def as_dict(b: BreachView) -> dict[str, Any]:
    plain: dict[str, Any] = _plain(asdict(b))
    return plain


def export(k: Kluis, actor: Actor, fmt: str, now: datetime) -> tuple[str, str]:
    """The register as JSON or as an HTML document, overdue notifications flagged."""
    found = list_breaches(k, actor, now)
    if fmt == "json":
        body = {
            "controller": k.settings.organisation_name,
            "as_of": now.isoformat(),
            "breaches": [as_dict(b) for b in found],
        }
        return json.dumps(body, ensure_ascii=False, indent=2), "application/json"
    if fmt == "html":
        html = (
            environment()
            .get_template("breaches.html")
            .render(
                breaches=found,
                organisation=k.settings.organisation_name,
                as_of=now,
                lang="en",
                title="Breach register",
            )
        )
        return html, "text/html; charset=utf-8"
    raise InvalidField("format must be json or html", field="format")
