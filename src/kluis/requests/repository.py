"""The queries on privacy requests (SQLAlchemy Core), each on the caller's connection: the
service opens the transaction and records the audit events in it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from kluis.errors import NotFound
from kluis.requests.tables import PrivacyRequest


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
