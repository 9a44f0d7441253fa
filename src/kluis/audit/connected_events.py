"""Audit events of connected systems (issue 21): the register of processors and recipients
(Art. 28, 19), the identifiers systems know people by, and the notices sent to them until each
confirms. Ids, names and kinds only: never an identifier, a secret or a value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class SystemAdded(AuditEvent):
    action: ClassVar[str] = "connected.system_added"
    system_id: int
    kind: str
    reach: str


@dataclass(frozen=True)
class SystemChanged(AuditEvent):
    """A system's settings or linked purposes changed (which fields, not their values)."""

    action: ClassVar[str] = "connected.system_changed"
    system_id: int
    changed: tuple[str, ...]


@dataclass(frozen=True)
class SecretRotated(AuditEvent):
    """A new webhook secret; the old one signs beside it until it retires."""

    action: ClassVar[str] = "connected.secret_rotated"
    system_id: int


@dataclass(frozen=True)
class IdentityLinked(AuditEvent):
    """The identifier a system knows the person by was recorded (sealed with their key)."""

    action: ClassVar[str] = "connected.identity_linked"
    person_id: str
    system_id: int


@dataclass(frozen=True)
class NoticeQueued(AuditEvent):
    """A notice to a system about the person (Art. 19): its kind and the changed field names."""

    action: ClassVar[str] = "connected.notice_queued"
    person_id: str
    system_id: int
    notice_id: int
    kind: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class NoticeAttempted(AuditEvent):
    """One attempt to deliver a notice; ``outcome`` is ``sent``, ``confirmed``, ``retry`` or
    ``failed``, ``error`` a status code or an exception's class name."""

    action: ClassVar[str] = "connected.notice_attempted"
    person_id: str
    system_id: int
    notice_id: int
    attempt: int
    outcome: str
    error: str | None = None


@dataclass(frozen=True)
class NoticeConfirmed(AuditEvent):
    """The system confirmed (``by``: ``callback``, ``response`` or ``staff``)."""

    action: ClassVar[str] = "connected.notice_confirmed"
    person_id: str
    system_id: int
    notice_id: int
    by: str


@dataclass(frozen=True)
class IdentityRead(AuditEvent):
    """The person's identifier in a system was opened to compose a notice or a package, under
    ``purpose``."""

    action: ClassVar[str] = "connected.identity_read"
    person_id: str
    purpose: str
    system_id: int
    via: str
