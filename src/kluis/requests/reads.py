"""Reading privacy requests: the list by deadline and one request's view, for whoever handles
them (an admin or the privacy officer). Apart from ``service`` so that ``kluis requests list``,
the home page and the timeline load the requests' tables and rules, not every slice a request
is carried out with (issue 15: the whole service took ~1 s of the command's start).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.errors import InvalidField, PermissionDenied
from kluis.requests import outcomes, repository, rules
from kluis.requests.rules import Status
from kluis.requests.views import RequestView
from kluis.runtime import Kluis

DETAILS_FIELD = "request.details"


def handler(actor: Actor) -> None:
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may handle privacy requests")


def view_of(k: Kluis, row: Any, now: datetime, *, details: bool = False) -> RequestView:
    status = Status(row.status)
    timing = rules.timing(status, row.due_at, row.extended_to, now)
    text = None
    if details and row.details is not None:
        ciphers = k.vault.ciphers([row.person_id])
        if row.person_id in ciphers:
            text = ciphers[row.person_id].open(DETAILS_FIELD, row.details)
    return RequestView(
        id=row.id,
        type=row.type,
        person_id=row.person_id,
        channel=row.channel,
        verified_by=row.verified_by,
        status=row.status,
        language=row.language,
        received_at=row.received_at,
        due_at=row.due_at,
        extended_to=row.extended_to,
        extension_reason=row.extension_reason,
        deadline=timing.deadline,
        days_left=timing.days_left,
        overdue=timing.overdue,
        near=timing.near,
        outcome=english(row),
        recipients_to_notify=list(row.recipients_to_notify or []),
        sent=list(row.sent or []),
        created_by=row.created_by,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
        details=text,
    )


def english(row: Any) -> str | None:
    found = outcomes.of(row.outcome_code, row.outcome_values)
    return None if found is None else found.english()


def outcomes_of(k: Kluis, actor: Actor, ids: list[int]) -> dict[int, outcomes.Outcome]:
    """The outcomes of the finished requests among ``ids``, for a page to say in its reader's
    language (the views carry the English the API and the CLI show)."""
    handler(actor)
    with k.engine.connect() as conn:
        return repository.outcomes(conn, ids)


def list_requests(
    k: Kluis,
    actor: Actor,
    now: datetime,
    *,
    status: str | None = None,
    open_only: bool = False,
    due_within: int | None = None,
    overdue: bool = False,
    person_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[RequestView]:
    """Requests by deadline, soonest first: what is due and what is late."""
    handler(actor)
    if not 1 <= limit <= 1000:
        raise InvalidField("limit must be between 1 and 1000", field="limit")
    if due_within is not None and due_within < 0:
        raise InvalidField("due_within is a number of days, 0 or more", field="due_within")
    wanted = None if status is None else rules.parse_status(status).value
    still_open = open_only or overdue or due_within is not None
    views = []
    with k.engine.connect() as conn:
        rows = repository.listed(
            conn,
            status=wanted,
            open_statuses=[s.value for s in rules.OPEN] if still_open else None,
            person_id=person_id,
            limit=limit,
            offset=offset,
        )
        for row in rows:
            view = view_of(k, row, now)
            if overdue and not view.overdue:
                continue
            if due_within is not None and view.days_left > due_within:
                continue
            views.append(view)
    return views


def of_person_in(
    k: Kluis, conn: Connection, actor: Actor, person_id: str, now: datetime, limit: int = 1000
) -> list[RequestView]:
    """A person's requests by deadline, in the caller's transaction (the person page reads
    every slice's part of its timeline in one), for those who handle them."""
    handler(actor)
    rows = repository.listed(
        conn, status=None, open_statuses=None, person_id=person_id, limit=limit, offset=0
    )
    return [view_of(k, row, now) for row in rows]
