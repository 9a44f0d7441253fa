"""Audit events about people and companies: collecting, reading, rectifying, minimising and
erasing them, the suppression list, and their objection and restriction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class PersonCreated(AuditEvent):
    action: ClassVar[str] = "person.created"
    person_id: str
    relationship: str
    purposes: tuple[str, ...]
    fields: tuple[str, ...]
    source: str = "api"


@dataclass(frozen=True)
class PersonRead(AuditEvent):
    action: ClassVar[str] = "person.read"
    person_id: str
    purpose: str
    fields: tuple[str, ...]
    via: str = "show"


@dataclass(frozen=True)
class PersonSearched(AuditEvent):
    action: ClassVar[str] = "person.searched"
    purpose: str
    by: str
    results: int


@dataclass(frozen=True)
class PersonUpdated(AuditEvent):
    action: ClassVar[str] = "person.updated"
    person_id: str
    purpose: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class PersonPurposesChanged(AuditEvent):
    action: ClassVar[str] = "person.purposes_changed"
    person_id: str
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class PersonPurposeAdded(AuditEvent):
    """A purpose was added to a person held already: further processing (Art. 6(4)), with the
    lawful basis it rests on, the purpose the actor read the person under, and for a purpose on
    consent the consent event it rests on."""

    action: ClassVar[str] = "person.purpose_added"
    person_id: str
    purpose: str
    lawful_basis: str
    under: str
    consent_event_id: int | None = None


@dataclass(frozen=True)
class PersonErasedEvent(AuditEvent):
    """The person's key was destroyed and their rows deleted (Art. 17), in one entry with what
    the erasure put on the suppression list (the kinds, never the digests) and, for the
    retention sweep, the rules that ended (each ``purpose:duration:anchor:until``): one entry
    per erased person, so a sweep of thousands writes and hashes no more than it must
    (Art. 5(2))."""

    action: ClassVar[str] = "person.erased"
    person_id: str
    reason: str
    suppressed: tuple[str, ...] = ()
    expired: tuple[str, ...] = ()


@dataclass(frozen=True)
class SuppressionAdded(AuditEvent):
    """The person's e-mail address and phone number (their blind-index digests, which are not
    in the entry) went on the suppression list."""

    action: ClassVar[str] = "suppression.added"
    person_id: str
    kinds: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class SuppressionRemoved(AuditEvent):
    """The person signed up again themselves (double opt-in), so their digests left the list."""

    action: ClassVar[str] = "suppression.removed"
    person_id: str
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class PersonExported(AuditEvent):
    """An access (Art. 15) or portability (Art. 20) package of the person was produced."""

    action: ClassVar[str] = "person.exported"
    person_id: str
    format: str
    request_id: int | None = None
    portable: bool = False


@dataclass(frozen=True)
class CompanyCreated(AuditEvent):
    action: ClassVar[str] = "company.created"
    company_id: int


@dataclass(frozen=True)
class CompanyUpdated(AuditEvent):
    action: ClassVar[str] = "company.updated"
    company_id: int
    fields: tuple[str, ...]


@dataclass(frozen=True)
class FlagChanged(AuditEvent):
    action: ClassVar[str] = "person.flag_changed"
    person_id: str
    flag: str
    active: bool
    method: str


@dataclass(frozen=True)
class PersonMinimised(AuditEvent):
    """An erasure that keeps what a legal obligation needs (Art. 17(3)(b)): the fields and
    purposes that went, and the purposes that stay."""

    action: ClassVar[str] = "person.minimised"
    person_id: str
    cleared: tuple[str, ...]
    removed_purposes: tuple[str, ...]
    kept_purposes: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class ContractEnded(AuditEvent):
    action: ClassVar[str] = "person.contract_ended"
    person_id: str
    ended_at: str | None
