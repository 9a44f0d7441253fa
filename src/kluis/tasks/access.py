"""What an actor may see and do of a task, and reading a task's (sealed) words.

A task about nobody is business data: its assignee, its creator, admins and the privacy officer
see it. A task about a person is also part of that person's record under its purpose: whoever
reaches the person under that purpose (``contacts.people.reach``: the role holds the purpose,
the person was collected for it and is not restricted, Art. 5(1)(b), 18(2)) sees and works it.
Its title and notes open only for an actor who reaches the person, even the assignee: a role
that lost the purpose sees the task, hidden ("a task about a person under another purpose").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, Row

from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.contacts import people as contacts
from kluis.errors import KluisError, NotFound
from kluis.runtime import Kluis
from kluis.tasks import rules


def title_field(task_id: str) -> str:
    """The associated data of a sealed title: the ciphertext cannot move to another task."""
    return f"task.{task_id}.title"


def notes_field(task_id: str) -> str:
    return f"task.{task_id}.notes"


@dataclass(frozen=True)
class TaskView:
    id: str
    title: str | None
    """None when the task is about a person the reader does not reach under its purpose."""
    notes: str | None
    due_on: date
    due_time: time | None
    priority: str
    assignee_id: int
    assignee: str
    """The assignee's e-mail address (staff, not a data subject)."""
    created_by: int | None
    created_at: datetime
    done_at: datetime | None
    person_id: str | None
    purpose_key: str | None
    company_id: int | None
    activity_id: str | None
    bucket: rules.Bucket | None
    """Where an open task stands at the time of reading; None when done."""
    deal_id: int | None = None

    @property
    def hidden(self) -> bool:
        return self.title is None

    @property
    def sealed(self) -> bool:
        return self.person_id is not None


def reaches(k: Kluis, conn: Connection, actor: Actor, row: Row[Any]) -> bool:
    if row.person_id is None:
        return False
    try:
        contacts.reach(k, conn, actor, row.person_id, row.purpose_key)
    except KluisError:
        return False
    return True


def involved(actor: Actor, row: Row[Any]) -> bool:
    return actor.role in ALL_PURPOSES_ROLES or (
        actor.user_id is not None and actor.user_id in (row.assignee_id, row.created_by)
    )


def check_may_work(
    k: Kluis, conn: Connection, actor: Actor, row: Row[Any] | None, task_id: str
) -> Row[Any]:
    """The task row if the actor may see and change it; the same answer as for a task that does
    not exist otherwise, so ids of others' tasks tell nothing."""
    if row is not None and (involved(actor, row) or reaches(k, conn, actor, row)):
        return row
    raise NotFound(f"there is no task {task_id} you may see", field="task_id")


def view(
    k: Kluis,
    row: Row[Any],
    assignee: str,
    opened: bool,
    now: datetime,
) -> TaskView:
    """``opened``: the reader reaches the person (or the task is about nobody)."""
    title: str | None = row.title
    notes: str | None = row.notes
    if row.person_id is not None:
        title = notes = None
        if opened:
            cipher = k.vault.cipher(row.person_id)
            title = cipher.open(title_field(row.id), row.title_sealed)
            if row.notes_sealed is not None:
                notes = cipher.open(notes_field(row.id), row.notes_sealed)
    return TaskView(
        id=row.id,
        title=title,
        notes=notes,
        due_on=row.due_on,
        due_time=row.due_time,
        priority=row.priority,
        assignee_id=row.assignee_id,
        assignee=assignee,
        created_by=row.created_by,
        created_at=row.created_at,
        done_at=row.done_at,
        person_id=row.person_id,
        purpose_key=row.purpose_key,
        deal_id=row.deal_id,
        company_id=row.company_id,
        activity_id=row.activity_id,
        bucket=None
        if row.done_at is not None
        else rules.bucket(row.due_on, row.due_time, now, k.settings.time_zone),
    )
