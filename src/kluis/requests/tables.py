"""Privacy requests and what was done and sent for each.

A request names the person by opaque id without a foreign key: the request is the controller's
proof of having answered (Art. 5(2), 12), so it outlives the person's erasure. It holds no
personal values in plain text; what the person wrote (``details``) is sealed with the person's
key and becomes unreadable with them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class PrivacyRequest(DataBase):
    """One request: type, person, how the requester was verified, status, deadline, outcome."""

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[str] = mapped_column(String(36), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    """How it came in: ``staff`` (entered by staff) or ``portal`` (the public /privacy page)."""
    portal_ref: Mapped[str | None] = mapped_column(String(40), unique=True)
    """The nonce of the portal link that created it, so a second click creates nothing."""
    verified_by: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), index=True)
    language: Mapped[str] = mapped_column(String(5))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    extended_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    extension_reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[bytes | None] = mapped_column(LargeBinary)
    """What the person asked for in their words (e.g. what is wrong), sealed with their key."""
    outcome_code: Mapped[str | None] = mapped_column(String(20))
    """What came of it (``outcomes.Code``), said in each reader's language; None while open."""
    outcome_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The outcome's values: field and purpose codes, a refusal's reason (``outcomes``)."""
    recipients_to_notify: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Art. 19: the recipients who must be told of a rectification, erasure or restriction."""
    sent: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """What was sent to the person: what, when, Message-ID; never the address."""
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RequestMail(DataBase):
    """One mail a request sends the person, sent by a job (``requests.mail``): its template and
    parameters (ids, names, dates, the certificate: never an address or a personal value, the
    row is plain text like the queue's), and its state: ``waiting`` (the final erasure
    certificate, until the connected systems confirmed), ``queued``, ``sent``, ``failed``."""

    __tablename__ = "request_mails"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("privacy_requests.id", ondelete="CASCADE"), index=True
    )
    what: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    captured: Mapped[bool] = mapped_column(Boolean, default=False)
    """Sent to the address captured before the erasure (``discover.capture``), not on file."""
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The copy before an erasure (Art. 15, 17), built while the person's key existed, sealed
    under the capture's key of the request; emptied once sent. None for every other mail."""
    state: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(String(120))
    """Why the last attempt failed: the exception's class or a fixed phrase, never its text."""
    message_id: Mapped[str | None] = mapped_column(String(250))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
