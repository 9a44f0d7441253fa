"""The queries on privacy requests (SQLAlchemy Core), each on the caller's connection: the
service opens the transaction and records the audit events in it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from kluis.errors import NotFound
from kluis.requests.outcomes import Code, Outcome
from kluis.requests.tables import PrivacyRequest, RequestMail


def fetch(conn: Connection, request_id: int) -> Any:
    """The request's row; NotFound when there is none."""
    row = conn.execute(select(PrivacyRequest).where(PrivacyRequest.id == request_id)).first()
    if row is None:
        raise NotFound(f"there is no privacy request {request_id}", field="request_id")
    return row


def by_portal_ref(conn: Connection, portal_ref: str) -> Any | None:
    """The request a portal link created already, if any."""
    return conn.execute(
        select(PrivacyRequest).where(PrivacyRequest.portal_ref == portal_ref)
    ).first()


def add(conn: Connection, values: dict[str, Any]) -> int:
    """Insert a request; returns its id."""
    return int(
        conn.execute(
            insert(PrivacyRequest).values(**values).returning(PrivacyRequest.id)
        ).scalar_one()
    )


def change(conn: Connection, request_id: int, **values: Any) -> None:
    conn.execute(update(PrivacyRequest).where(PrivacyRequest.id == request_id).values(**values))


def outcomes(conn: Connection, ids: Sequence[int]) -> dict[int, Outcome]:
    """The outcomes of the finished requests among ``ids``."""
    rows = conn.execute(
        select(PrivacyRequest.id, PrivacyRequest.outcome_code, PrivacyRequest.outcome_values).where(
            PrivacyRequest.id.in_(ids), PrivacyRequest.outcome_code.is_not(None)
        )
    )
    return {row.id: Outcome(Code(row.outcome_code), row.outcome_values or {}) for row in rows}


def listed(
    conn: Connection,
    *,
    status: str | None,
    open_statuses: Sequence[str] | None,
    person_id: str | None,
    limit: int,
    offset: int,
) -> list[Any]:
    """Requests by deadline (the extended one where there is one), soonest first."""
    limit_at = func.coalesce(PrivacyRequest.extended_to, PrivacyRequest.due_at)
    query = select(PrivacyRequest).order_by(limit_at, PrivacyRequest.id)
    if status is not None:
        query = query.where(PrivacyRequest.status == status)
    if open_statuses is not None:
        query = query.where(PrivacyRequest.status.in_(open_statuses))
    if person_id is not None:
        query = query.where(PrivacyRequest.person_id == person_id)
    return list(conn.execute(query.limit(limit).offset(offset)))


def add_mail(conn: Connection, values: dict[str, Any]) -> int:
    return int(
        conn.execute(insert(RequestMail).values(**values).returning(RequestMail.id)).scalar_one()
    )


def mail(conn: Connection, mail_id: int) -> Any | None:
    return conn.execute(select(RequestMail).where(RequestMail.id == mail_id)).first()


def mails_of(conn: Connection, request_id: int) -> Sequence[Any]:
    return conn.execute(
        select(RequestMail).where(RequestMail.request_id == request_id).order_by(RequestMail.id)
    ).all()


def mails_in(conn: Connection, states: Sequence[str]) -> Sequence[Any]:
    return conn.execute(
        select(RequestMail).where(RequestMail.state.in_(states)).order_by(RequestMail.id)
    ).all()


def claim_mail(
    conn: Connection, mail_id: int, now: datetime, stale: datetime, message_id: str
) -> str | None:
    """Take the mail for one attempt: one conditional UPDATE, so two runs never both send it.
    A ``sending`` mail older than ``stale`` was left by a process that died: taken again.

    The Message-ID is fixed in the same UPDATE: ``message_id`` when the mail has none yet, the
    stored one otherwise; it is returned (None when the mail was not taken), so every attempt,
    and the one after a crash, sends the same message (RFC 5322 3.6.4)."""
    taken = conn.execute(
        update(RequestMail)
        .where(
            RequestMail.id == mail_id,
            or_(
                RequestMail.state.in_(("queued", "failed")),
                and_(RequestMail.state == "sending", RequestMail.updated_at < stale),
            ),
        )
        .values(
            state="sending",
            attempts=RequestMail.attempts + 1,
            updated_at=now,
            message_id=func.coalesce(RequestMail.message_id, message_id),
        )
        .returning(RequestMail.message_id)
    ).first()
    return None if taken is None else str(taken[0])


def change_mail(conn: Connection, mail_id: int, **values: Any) -> None:
    conn.execute(update(RequestMail).where(RequestMail.id == mail_id).values(**values))
