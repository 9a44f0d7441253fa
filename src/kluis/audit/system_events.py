"""Audit events of running Kluis: purposes, users and tokens, sign-ins, backups and restores,
the erasure register, retention and legal holds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


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
