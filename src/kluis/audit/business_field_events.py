"""Audit events of the plain custom fields of companies and deals: an admin declaring or
removing one. These fields hold business data, not personal data; changes of their values are
the record's own events (``company.updated``, ``deal.changed``), naming the field as
``custom.<key>``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class BusinessFieldDeclared(AuditEvent):
    action: ClassVar[str] = "business_field.declared"
    field_id: int
    entity: str
    key: str
    kind: str


@dataclass(frozen=True)
class BusinessFieldRemoved(AuditEvent):
    """The field and its values are gone; ``values_erased`` counts the records that had one."""

    action: ClassVar[str] = "business_field.removed"
    field_id: int
    entity: str
    key: str
    values_erased: int
