"""Audit events of activities: contact moments logged, read, changed and deleted. They name the
person, the purpose and the activity by id and the kind of moment; never its subject or body,
which are the person's data (Art. 5(1)(f))."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class ActivityLogged(AuditEvent):
    action: ClassVar[str] = "activity.logged"
    person_id: str
    purpose: str
    activity_id: str
    type: str
    scheduled: bool
    recording_id: int | None
    consent_event_id: int | None


@dataclass(frozen=True)
class ActivityChanged(AuditEvent):
    """An activity's fields were changed; ``fields`` names them, never their values."""

    action: ClassVar[str] = "activity.changed"
    person_id: str
    purpose: str
    activity_id: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ActivityDeleted(AuditEvent):
    action: ClassVar[str] = "activity.deleted"
    person_id: str
    purpose: str
    activity_id: str


@dataclass(frozen=True)
class ActivitiesRead(AuditEvent):
    """A person's activities under a purpose were shown (list, timeline, company page,
    package); ``via`` says where."""

    action: ClassVar[str] = "activity.list_read"
    person_id: str
    purpose: str
    activities: int
    via: str


@dataclass(frozen=True)
class ActivityRead(AuditEvent):
    action: ClassVar[str] = "activity.read"
    person_id: str
    purpose: str
    activity_id: str
