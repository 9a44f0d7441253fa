"""Audit events of the sales pipeline: pipelines and stages, deals and their moves, and the
people linked to a deal. A deal is business data; its people are named by opaque id only, and
the purpose they are linked under is the event's purpose (Art. 5(1)(b), 5(2))."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class PipelineCreated(AuditEvent):
    action: ClassVar[str] = "pipeline.created"
    pipeline_id: int
    key: str
    stages: tuple[str, ...]


@dataclass(frozen=True)
class PipelineChanged(AuditEvent):
    """A pipeline renamed, or a stage added, renamed, reordered or given another probability."""

    action: ClassVar[str] = "pipeline.changed"
    pipeline_id: int
    changed: tuple[str, ...]


@dataclass(frozen=True)
class DealCreated(AuditEvent):
    action: ClassVar[str] = "deal.created"
    deal_id: int
    pipeline_id: int
    stage: str
    source: str = "api"


@dataclass(frozen=True)
class DealChanged(AuditEvent):
    """Business fields of a deal changed; names the fields, never their values."""

    action: ClassVar[str] = "deal.changed"
    deal_id: int
    fields: tuple[str, ...]


@dataclass(frozen=True)
class DealMoved(AuditEvent):
    """A deal went from one stage to another (won and lost are stages)."""

    action: ClassVar[str] = "deal.moved"
    deal_id: int
    from_stage: str | None
    to_stage: str
    kind: str


@dataclass(frozen=True)
class DealPersonLinked(AuditEvent):
    action: ClassVar[str] = "deal.person_linked"
    person_id: str
    purpose: str
    deal_id: int
    role: str


@dataclass(frozen=True)
class DealPersonUnlinked(AuditEvent):
    action: ClassVar[str] = "deal.person_unlinked"
    person_id: str
    purpose: str
    deal_id: int


@dataclass(frozen=True)
class DealsExported(AuditEvent):
    """A CSV of deals; the people in it are audited one by one as ``person.read``."""

    action: ClassVar[str] = "deal.exported"
    purpose: str
    deals: int
