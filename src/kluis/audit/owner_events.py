"""Audit events of the everyday lists: who looks after a person or a company (their owner, a
staff user), and names decrypted only to order a list. Owners are named by their staff ref
(``user:12``), which is staff data, not the person's (DESIGN.md invariant 6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class PersonOwnerChanged(AuditEvent):
    """A person's owner changed, under ``purpose`` (the one the actor reads them under);
    ``via`` is ``page``, ``api``, ``cli`` or ``bulk``."""

    action: ClassVar[str] = "person.owner_changed"
    person_id: str
    purpose: str
    owner: str | None
    previous: str | None
    via: str = "api"


@dataclass(frozen=True)
class CompanyOwnerChanged(AuditEvent):
    action: ClassVar[str] = "company.owner_changed"
    company_id: int
    owner: str | None
    previous: str | None


@dataclass(frozen=True)
class PeopleSortedByName(AuditEvent):
    """The names of ``people`` people were decrypted under ``purpose`` to order a list by name;
    none of them was shown (those on the page shown are each a ``person.read``)."""

    action: ClassVar[str] = "person.list_sorted"
    purpose: str
    people: int
