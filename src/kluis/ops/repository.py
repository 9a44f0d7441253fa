"""The figures ``/metrics`` reports, read from the data store at scrape time: counts grouped by
columns that hold kinds and states only, never a person's id or value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from kluis.audit.tables import AuditHead
from kluis.messaging.tables import MessageRow as Message
from kluis.requests.rules import OPEN
from kluis.requests.tables import PrivacyRequest, RequestMail


@dataclass(frozen=True)
class MessageCount:
    channel: str
    status: str
    reason: str
    count: int


@dataclass(frozen=True)
class RequestCount:
    type: str
    status: str
    count: int


@dataclass(frozen=True)
class OpenRequest:
    status: str
    due_at: datetime
    extended_to: datetime | None


def message_counts(conn: Connection) -> list[MessageCount]:
    rows = conn.execute(
        select(Message.channel, Message.status, Message.reason, func.count()).group_by(
            Message.channel, Message.status, Message.reason
        )
    )
    return [MessageCount(channel, status, reason, count) for channel, status, reason, count in rows]


def request_counts(conn: Connection) -> list[RequestCount]:
    rows = conn.execute(
        select(PrivacyRequest.type, PrivacyRequest.status, func.count()).group_by(
            PrivacyRequest.type, PrivacyRequest.status
        )
    )
    return [RequestCount(kind, status, count) for kind, status, count in rows]


def open_requests(conn: Connection) -> list[OpenRequest]:
    """The deadlines of the requests still open (few: a month's worth at most, Art. 12(3))."""
    rows = conn.execute(
        select(PrivacyRequest.status, PrivacyRequest.due_at, PrivacyRequest.extended_to).where(
            PrivacyRequest.status.in_([s.value for s in OPEN])
        )
    )
    return [OpenRequest(status, due, extended) for status, due, extended in rows]


def audit_length(conn: Connection) -> int:
    """Entries in the hash chain: the head's sequence number (0 before the first entry)."""
    seq = conn.execute(select(AuditHead.seq).where(AuditHead.id == 1)).scalar()
    return int(seq or 0)


def request_mail_counts(conn: Connection) -> dict[str, int]:
    """Request mails by state (``requests.mails.STATES``)."""
    rows = conn.execute(select(RequestMail.state, func.count()).group_by(RequestMail.state))
    return {str(row[0]): int(row[1]) for row in rows}
