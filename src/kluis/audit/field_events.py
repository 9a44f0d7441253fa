"""Audit events of custom fields: an admin declaring or removing one. A declaration is not
personal data; removing a field erases every value of it, and the event says how many people
lost one, never whose or what (Art. 5(2), Art. 17). Reads and changes of the values are the
people events ``person.read`` and ``person.updated``, naming the field as ``custom.<key>``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class CustomFieldDeclared(AuditEvent):
    action: ClassVar[str] = "custom_field.declared"
    field_id: int
    key: str
    kind: str
    category: str
    searchable: bool
    art9_condition: str | None = None


@dataclass(frozen=True)
class CustomFieldRemoved(AuditEvent):
    """The field and all its values are gone; ``values_erased`` counts the people who had one."""

    action: ClassVar[str] = "custom_field.removed"
    field_id: int
    key: str
    values_erased: int


@dataclass(frozen=True)
class CustomFieldChanged(AuditEvent):
    """An admin changed a field's labels or added choices; its key, type and data category
    stay, so what is kept about people does not change (Art. 30 stays true)."""

    action: ClassVar[str] = "custom_field.changed"
    field_id: int
    key: str
    choices: int
