"""Audit events of text channels (SMS, WhatsApp): what the provider reports back about a
message, replies that reached Kluis, and webhooks refused for a bad signature. No number and
no message text is ever in them: people by their opaque id, messages by their row id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class DeliveryReported(AuditEvent):
    """The provider reported a text delivered or failed (a status callback)."""

    action: ClassVar[str] = "message.delivery_reported"
    person_id: str
    message_id: int
    channel: str
    delivery_status: str
    error_code: str | None


@dataclass(frozen=True)
class ReplyReceived(AuditEvent):
    """A person's reply reached Kluis; its text is not kept, only whether it opted out."""

    action: ClassVar[str] = "message.reply_received"
    person_id: str
    channel: str
    opt_out: bool
    confirmed: bool


@dataclass(frozen=True)
class WebhookRefused(AuditEvent):
    """A webhook with a missing or wrong signature was refused (403); nothing of it is kept."""

    action: ClassVar[str] = "webhook.refused"
    channel: str
    kind: str
