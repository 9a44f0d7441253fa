"""Audit events of tags: the admin's declarations, and tags put on or taken off people and
companies. A tag is named by its key (a business label the admin chose, never a person's value);
putting a tag on a person is processing of that person, so it names the purpose it was done
under (Art. 5(1)(b), Art. 30)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class TagCreated(AuditEvent):
    action: ClassVar[str] = "tag.created"
    tag: str
    personal: bool


@dataclass(frozen=True)
class TagChanged(AuditEvent):
    """The names, colour or the personal mark of a tag changed."""

    action: ClassVar[str] = "tag.changed"
    tag: str
    personal: bool


@dataclass(frozen=True)
class TagRemoved(AuditEvent):
    """A tag was removed, and with it every link to it (``people`` and ``companies`` counts)."""

    action: ClassVar[str] = "tag.removed"
    tag: str
    people: int
    companies: int


@dataclass(frozen=True)
class PersonTagged(AuditEvent):
    """A tag was put on a person under ``purpose``; ``via`` is ``page``, ``api``, ``cli`` or
    ``bulk``."""

    action: ClassVar[str] = "person.tagged"
    person_id: str
    purpose: str
    tag: str
    via: str = "api"


@dataclass(frozen=True)
class PersonUntagged(AuditEvent):
    action: ClassVar[str] = "person.untagged"
    person_id: str
    purpose: str
    tag: str
    via: str = "api"


@dataclass(frozen=True)
class CompanyTagged(AuditEvent):
    action: ClassVar[str] = "company.tagged"
    company_id: int
    tag: str


@dataclass(frozen=True)
class CompanyUntagged(AuditEvent):
    action: ClassVar[str] = "company.untagged"
    company_id: int
    tag: str


@dataclass(frozen=True)
class PersonTagsRead(AuditEvent):
    """A person's tags were shown under ``purpose``; ``personal`` counts those that are personal
    data (a tag the admin marked personal)."""

    action: ClassVar[str] = "person.tags_read"
    person_id: str
    purpose: str
    tags: int
    personal: int
    via: str = "api"
