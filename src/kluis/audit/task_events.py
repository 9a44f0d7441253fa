"""Audit events of tasks and their reminders. A task's title and notes are never in an event:
about a person they are sealed with the person's key, and the log outlives the key (Art. 17);
events name the task by its id and the person by their opaque id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class TaskCreated(AuditEvent):
    action: ClassVar[str] = "task.created"
    task_id: str
    assignee_id: int
    priority: str
    person_id: str | None = None
    purpose: str | None = None
    company_id: int | None = None


@dataclass(frozen=True)
class TaskChanged(AuditEvent):
    action: ClassVar[str] = "task.changed"
    task_id: str
    fields: tuple[str, ...]
    person_id: str | None = None
    purpose: str | None = None


@dataclass(frozen=True)
class TaskDone(AuditEvent):
    """A task marked done (``done`` true) or opened again (``done`` false)."""

    action: ClassVar[str] = "task.done"
    task_id: str
    done: bool
    person_id: str | None = None
    purpose: str | None = None


@dataclass(frozen=True)
class TaskDeleted(AuditEvent):
    action: ClassVar[str] = "task.deleted"
    task_id: str
    person_id: str | None = None
    purpose: str | None = None


@dataclass(frozen=True)
class TasksRead(AuditEvent):
    """Tasks about a person were shown with their (sealed) titles, under ``purpose``."""

    action: ClassVar[str] = "task.read"
    person_id: str
    purpose: str
    tasks: int
    via: str


@dataclass(frozen=True)
class TasksListed(AuditEvent):
    """A user's own list of tasks was shown (each task about a person also as ``task.read``)."""

    action: ClassVar[str] = "task.listed"
    user_id: int
    tasks: int
    via: str


@dataclass(frozen=True)
class TaskRemindersChosen(AuditEvent):
    action: ClassVar[str] = "task.reminders_chosen"
    user_id: int
    on: bool


@dataclass(frozen=True)
class TaskReminderSent(AuditEvent):
    """The daily reminder mail went to a member of staff: counts only."""

    action: ClassVar[str] = "task.reminder_sent"
    user_id: int
    day: str
    overdue: int
    today: int
