"""Audit events of consent and messaging: the ledger, evidence, notices and topics, decisions,
and the messages and campaigns they allow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class ConsentRecorded(AuditEvent):
    action: ClassVar[str] = "consent.recorded"
    person_id: str
    event_id: int
    channel: str
    topic: str
    consent_action: str
    method: str | None


@dataclass(frozen=True)
class ConsentLedgerRead(AuditEvent):
    action: ClassVar[str] = "consent.ledger_read"
    person_id: str
    purpose: str
    events: int


@dataclass(frozen=True)
class PermissionsRead(AuditEvent):
    """A person's kept consent state and what a commercial message would get were shown."""

    action: ClassVar[str] = "consent.permissions_read"
    person_id: str
    purpose: str


@dataclass(frozen=True)
class MessagesRead(AuditEvent):
    """The list of messages sent, refused or failed to a person was shown."""

    action: ClassVar[str] = "message.history_read"
    person_id: str
    purpose: str
    messages: int


@dataclass(frozen=True)
class ConsentReceiptIssued(AuditEvent):
    action: ClassVar[str] = "consent.receipt_issued"
    person_id: str
    event_id: int


@dataclass(frozen=True)
class DecisionMade(AuditEvent):
    action: ClassVar[str] = "consent.decided"
    person_id: str
    channel: str
    kind: str
    topic: str
    allowed: bool
    basis: str
    reason: str
    evidence_event_id: int | None
    as_of: str | None = None


@dataclass(frozen=True)
class EvidenceAdded(AuditEvent):
    action: ClassVar[str] = "evidence.added"
    person_id: str
    purpose: str
    evidence_id: int
    content_type: str
    size: int


@dataclass(frozen=True)
class EvidenceRead(AuditEvent):
    action: ClassVar[str] = "evidence.read"
    person_id: str
    evidence_id: int


@dataclass(frozen=True)
class NoticeAdded(AuditEvent):
    action: ClassVar[str] = "notice.added"
    notice_id: int
    language: str
    covers: tuple[str, ...] = ()
    """The ``channel/topic`` pairs the wording asks consent for."""


@dataclass(frozen=True)
class TopicCreated(AuditEvent):
    action: ClassVar[str] = "topic.created"
    topic: str


@dataclass(frozen=True)
class TopicChanged(AuditEvent):
    action: ClassVar[str] = "topic.changed"
    topic: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class MessageStatusChanged(AuditEvent):
    action: ClassVar[str] = "message.status"
    person_id: str
    message_id: int
    kind: str
    status: str


@dataclass(frozen=True)
class CampaignChanged(AuditEvent):
    action: ClassVar[str] = "campaign.changed"
    campaign_id: int
    status: str
