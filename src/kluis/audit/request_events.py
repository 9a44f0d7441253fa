"""Audit events of privacy requests, breaches, imports and exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class RequestCreated(AuditEvent):
    action: ClassVar[str] = "request.created"
    person_id: str
    request_id: int
    type: str
    channel: str
    verified_by: str | None


@dataclass(frozen=True)
class RequestStatusChanged(AuditEvent):
    action: ClassVar[str] = "request.status"
    person_id: str
    request_id: int
    status: str
    verified_by: str | None = None


@dataclass(frozen=True)
class RequestExtended(AuditEvent):
    action: ClassVar[str] = "request.extended"
    person_id: str
    request_id: int
    months: int
    extended_to: str


@dataclass(frozen=True)
class RequestAnswerSent(AuditEvent):
    action: ClassVar[str] = "request.answer_sent"
    person_id: str
    request_id: int
    template: str
    attachments: tuple[str, ...]


@dataclass(frozen=True)
class BreachRecorded(AuditEvent):
    """A personal-data breach entered in the register (Art. 33(5))."""

    action: ClassVar[str] = "breach.recorded"
    breach_id: int
    categories: tuple[str, ...]


@dataclass(frozen=True)
class BreachNotified(AuditEvent):
    """The authority or the people were told of a breach, or why not was documented."""

    action: ClassVar[str] = "breach.notified"
    breach_id: int
    whom: str
    at: str | None
    late: bool = False
    exemption: str | None = None


@dataclass(frozen=True)
class BreachAffectedListed(AuditEvent):
    """The people affected by a breach were listed from the audit log (ids only)."""

    action: ClassVar[str] = "breach.affected_listed"
    breach_id: int
    people: int


@dataclass(frozen=True)
class ImportStarted(AuditEvent):
    action: ClassVar[str] = "import.started"
    job_id: int
    format: str
    purposes: tuple[str, ...]
    resumed_at: int = 0


@dataclass(frozen=True)
class ImportFinished(AuditEvent):
    action: ClassVar[str] = "import.finished"
    job_id: int
    created: int
    merged: int
    skipped: int
    rejected: int
    suppressed: int
    consents: int


@dataclass(frozen=True)
class ExportWritten(AuditEvent):
    action: ClassVar[str] = "export.written"
    purpose: str
    format: str
    people: int
