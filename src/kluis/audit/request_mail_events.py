"""Audit events of the mails a privacy request sends as jobs (issue 16): queued, failed. The
sending itself is ``request.answer_sent``. Names the template and a reason, never an address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class RequestMailQueued(AuditEvent):
    """A mail to the person put in the queue (or held until connected systems confirmed)."""

    action: ClassVar[str] = "request.mail_queued"
    person_id: str
    request_id: int
    template: str
    state: str


@dataclass(frozen=True)
class RequestMailFailed(AuditEvent):
    """An attempt at a request's mail failed; the job tries again until its attempts run out."""

    action: ClassVar[str] = "request.mail_failed"
    person_id: str
    request_id: int
    template: str
    reason: str
    attempts: int
