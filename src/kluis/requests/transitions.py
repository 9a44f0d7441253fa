"""The status changes of a privacy request, each audited in the transaction that makes it:
received, verified, in progress, completed or refused (``rules.TRANSITIONS``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.request_events import RequestStatusChanged
from kluis.errors import InvalidField, Word
from kluis.locale import N_
from kluis.requests import repository, rules
from kluis.requests.outcomes import Outcome
from kluis.requests.rules import Status
from kluis.runtime import Kluis


def set_status(
    conn: Connection,
    actor: Actor,
    row: Any,
    wanted: Status,
    now: datetime,
    **values: Any,
) -> None:
    rules.check_transition(Status(row.status), wanted)
    extra: dict[str, Any] = {"status": wanted.value, "updated_at": now, **values}
    if wanted in (Status.COMPLETED, Status.REFUSED):
        extra["completed_at"] = now
    repository.change(conn, row.id, **extra)
    audit.record(
        conn,
        actor.ref,
        now,
        [RequestStatusChanged(row.person_id, row.id, wanted.value, values.get("verified_by"))],
    )


def start(k: Kluis, actor: Actor, request_id: int, now: datetime) -> Any:
    """Move a verified request to in progress (again, when a run stopped half-way); its row."""
    with k.engine.begin() as conn:
        row = repository.fetch(conn, request_id)
        status = Status(row.status)
        if status is Status.RECEIVED:
            raise InvalidField(
                "verify the requester's identity first (Art. 12(6)): "
                f"kluis requests verify {request_id} --by METHOD",
                field="status",
                msgid=N_("Verify the requester's identity first (Art. 12(6))."),
            )
        if status is Status.VERIFIED:
            set_status(conn, actor, row, Status.IN_PROGRESS, now)
        elif status is not Status.IN_PROGRESS:
            raise InvalidField(
                f"request {request_id} is {row.status} already",
                field="status",
                msgid=N_("Request %(id)s is %(status)s already."),
                values={"id": request_id, "status": Word(row.status)},
            )
        return repository.fetch(conn, request_id)


def complete(
    k: Kluis,
    actor: Actor,
    request_id: int,
    outcome: Outcome,
    now: datetime,
    recipients: list[str] | None = None,
) -> Any:
    """Complete the request with its outcome and the recipients to tell (Art. 19); its row."""
    with k.engine.begin() as conn:
        row = repository.fetch(conn, request_id)
        values: dict[str, Any] = {
            "outcome_code": outcome.code.value,
            "outcome_values": outcome.stored(),
        }
        if recipients is not None:
            values["recipients_to_notify"] = recipients
        set_status(conn, actor, row, Status.COMPLETED, now, **values)
        return repository.fetch(conn, request_id)
