"""Audit events of phone call lists: a list made for a campaign, a person's call opened (and
re-decided), refused at the moment of calling, and each outcome logged. No number, name or
note is ever in them: people by their opaque id, calls by their row id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class CallListMade(AuditEvent):
    """A phone campaign's call list was drawn: how many people it holds."""

    action: ClassVar[str] = "call.list_made"
    campaign_id: int
    people: int


@dataclass(frozen=True)
class CallOpened(AuditEvent):
    """A staff member opened one person's call; ``allowed`` is the decision made then, and
    ``reason`` why (a refusal is shown and the number is not read)."""

    action: ClassVar[str] = "call.opened"
    person_id: str
    call_id: int
    campaign_id: int
    allowed: bool
    reason: str


@dataclass(frozen=True)
class CallLogged(AuditEvent):
    """The outcome of a call was recorded (reached, no answer, call back, not interested, opt
    out); ``evidence_id`` names a recording kept as consent evidence, if any."""

    action: ClassVar[str] = "call.logged"
    person_id: str
    call_id: int
    campaign_id: int
    outcome: str
    evidence_id: int | None


@dataclass(frozen=True)
class CallsRead(AuditEvent):
    """A person's calls (campaign, decision, outcome) were read, under ``purpose``: for their
    access package (Art. 15)."""

    action: ClassVar[str] = "call.read"
    person_id: str
    purpose: str
    calls: int
