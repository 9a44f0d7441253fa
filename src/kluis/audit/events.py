"""Typed audit events: ids and kinds only, never personal values.

An event names people by their opaque id, which means nothing once their key is destroyed, so the
audit log can be kept after an erasure without keeping the person (Art. 17, Art. 5(2)). Every event
is documented in ``docs/audit-events.md``; a test keeps the two in step.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class AuditEvent:
    """Base: ``action`` is the stable name; ``person_id`` and ``purpose`` get their own columns."""

    action: ClassVar[str]

    def person(self) -> str | None:
        value = getattr(self, "person_id", None)
        return None if value is None else str(value)

    def purpose_key(self) -> str | None:
        value = getattr(self, "purpose", None)
        return None if value is None else str(value)

    def details(self) -> dict[str, Any]:
        names = _DETAIL_NAMES.get(type(self))
        if names is None:
            names = _DETAIL_NAMES[type(self)] = tuple(
                f.name for f in dataclasses.fields(self) if f.name not in ("person_id", "purpose")
            )
        out: dict[str, Any] = {}
        for name in names:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        return out


_DETAIL_NAMES: dict[type[AuditEvent], tuple[str, ...]] = {}
"""The detail fields of each event class, listed once (bulk imports record thousands)."""


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
    action: ClassVar[str] = "person.erased"
    person_id: str
    reason: str


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
class PurposeCreated(AuditEvent):
    action: ClassVar[str] = "purpose.created"
    purpose: str
    lawful_basis: str


@dataclass(frozen=True)
class PurposeChanged(AuditEvent):
    action: ClassVar[str] = "purpose.changed"
    purpose: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class UserCreated(AuditEvent):
    action: ClassVar[str] = "user.created"
    user_id: int
    role: str


@dataclass(frozen=True)
class UserPasswordReset(AuditEvent):
    action: ClassVar[str] = "user.password_reset"
    user_id: int


@dataclass(frozen=True)
class TokenCreated(AuditEvent):
    action: ClassVar[str] = "token.created"
    user_id: int
    token_id: int


@dataclass(frozen=True)
class TokenRevoked(AuditEvent):
    action: ClassVar[str] = "token.revoked"
    user_id: int
    token_id: int


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
class FlagChanged(AuditEvent):
    action: ClassVar[str] = "person.flag_changed"
    person_id: str
    flag: str
    active: bool
    method: str


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


@dataclass(frozen=True)
class BackupCreated(AuditEvent):
    action: ClassVar[str] = "backup.created"
    stamp: str


@dataclass(frozen=True)
class BackupRestored(AuditEvent):
    """A data snapshot put back, and how many people the erasure register removed again."""

    action: ClassVar[str] = "backup.restored"
    snapshot_created_at: str
    removed_erased: int
    removed_keyless: int


@dataclass(frozen=True)
class KeyringRestored(AuditEvent):
    """A keyring snapshot put back, and how many erasures recorded since were replayed."""

    action: ClassVar[str] = "keyring.restored"
    snapshot_created_at: str
    erasures_replayed: int


@dataclass(frozen=True)
class RegisterReplayed(AuditEvent):
    """The copies of the erasure register (keyring, data store, register file) were merged at a
    start or after a restore, and what one copy lacked was applied: keys destroyed, erasures and
    partial erasures replayed into the data store, suppression-list entries put back (or taken
    out again after a lift), lines of the file that failed their check ignored (counts only)."""

    action: ClassVar[str] = "register.replayed"
    keys_destroyed: int
    entries_replayed: int
    people_removed: int
    people_minimised: int
    suppressions_restored: int
    rejected_lines: int


@dataclass(frozen=True)
class RetentionApplied(AuditEvent):
    """The retention sweep erased a person or minimised them, with the rules that caused it
    (each ``purpose:duration:anchor:until``) and the fields that went."""

    action: ClassVar[str] = "retention.applied"
    person_id: str
    outcome: str
    expired: tuple[str, ...]
    fields: tuple[str, ...]


@dataclass(frozen=True)
class LegalHoldChanged(AuditEvent):
    action: ClassVar[str] = "legal_hold.changed"
    person_id: str
    hold_id: int
    change: str
    until: str | None


@dataclass(frozen=True)
class ContractEnded(AuditEvent):
    action: ClassVar[str] = "person.contract_ended"
    person_id: str
    ended_at: str | None


@dataclass(frozen=True)
class StaffSignedIn(AuditEvent):
    action: ClassVar[str] = "staff.signed_in"
    user_id: int
    second_factor: bool


@dataclass(frozen=True)
class StaffSignInFailed(AuditEvent):
    action: ClassVar[str] = "staff.sign_in_failed"
    user_id: int
    locked: bool


@dataclass(frozen=True)
class UserPasswordChanged(AuditEvent):
    action: ClassVar[str] = "user.password_changed"
    user_id: int


def all_events() -> list[type[AuditEvent]]:
    """Every concrete event class, for the documentation test."""
    found: list[type[AuditEvent]] = []
    pending = list(AuditEvent.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.action)
