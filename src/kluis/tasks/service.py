"""Tasks: add (for oneself or a colleague, about nobody, a company or a person under a purpose),
change, complete, reopen, delete. Each use case is one transaction with its audit events.

Linking a task to a person is processing of that person's data: only under a purpose the role
holds and the person was collected for (``contacts.people.reach``, Art. 5(1)(b), 6(4)), and the
assignee's role must hold it too, or they would be given work on a record they may not read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection

from kluis.activities import repository as activities_repo
from kluis.actors import Actor, Role, holds_purpose
from kluis.audit import service as audit
from kluis.audit.task_events import TaskChanged, TaskCreated, TaskDeleted, TaskDone
from kluis.contacts import people as contacts
from kluis.contacts import repository as contacts_repo
from kluis.errors import InvalidField, NotFound, PurposeRefused
from kluis.ids import new_person_ids
from kluis.runtime import Kluis
from kluis.tasks import access, repository, rules
from kluis.tasks.activity_link import ActivityFromTask, log_from_task


@dataclass(frozen=True)
class NewTask:
    title: str
    due_on: date | str | None
    due_time: time | str | None = None
    priority: str | None = None
    notes: str | None = None
    assignee_id: int | None = None
    """None: the actor themselves."""
    person_id: str | None = None
    purpose_key: str | None = None
    company_id: int | None = None
    activity_id: str | None = None
    deal_id: int | None = None
    """The deal it is for (``deals.id``; deleting the deal unlinks it)."""


def _assignee(conn: Connection, actor: Actor, assignee_id: int | None) -> Any:
    wanted = assignee_id if assignee_id is not None else actor.user_id
    if wanted is None:
        raise InvalidField("say whom the task is for (a staff user)", field="assignee")
    found = repository.users(conn, [wanted]).get(wanted)
    if found is None or not found.active:
        raise NotFound(f"there is no active staff user {wanted}", field="assignee")
    return found


def _sealed(
    k: Kluis, task_id: str, person_id: str, title: str, notes: str | None
) -> dict[str, Any]:
    cipher = k.vault.cipher(person_id)
    return {
        "title": None,
        "notes": None,
        "title_sealed": cipher.seal(access.title_field(task_id), title),
        "notes_sealed": None if notes is None else cipher.seal(access.notes_field(task_id), notes),
    }


def _row(k: Kluis, conn: Connection, actor: Actor, new: NewTask, now: datetime) -> dict[str, Any]:
    """The row of a new task, checked; refuses with the field at fault."""
    title = rules.clean_title(new.title)
    notes = rules.clean_notes(new.notes)
    priority = rules.parse_priority(new.priority)
    due_on = rules.parse_due_on(new.due_on)
    due_time = rules.parse_due_time(new.due_time)
    person_id, purpose_key = new.person_id or None, new.purpose_key or None
    activity_id = new.activity_id or None
    if activity_id is not None:
        activity = activities_repo.get(conn, activity_id)
        if activity is None:
            raise NotFound(f"there is no activity {activity_id}", field="activity_id")
        person_id, purpose_key = rules.about_activity(
            person_id, purpose_key, activity.person_id, activity.purpose_key
        )
    rules.check_link(person_id, purpose_key)
    assignee = _assignee(conn, actor, new.assignee_id)
    if new.company_id is not None and contacts_repo.missing_companies(conn, [new.company_id]):
        raise NotFound(f"there is no company {new.company_id}", field="company_id")
    if new.deal_id is not None and not repository.deal_exists(conn, new.deal_id):
        raise NotFound(f"there is no deal {new.deal_id}", field="deal_id")
    task_id = new_person_ids(1)[0]
    words: dict[str, Any] = {"title": title, "notes": notes}
    if person_id is not None and purpose_key is not None:
        purpose = contacts.reach(k, conn, actor, person_id, purpose_key)
        if not holds_purpose(Role(assignee.role), purpose.roles):
            raise PurposeRefused(
                f"the assignee's role ({assignee.role}) does not hold purpose "
                f"{purpose.key!r}; give the task to a colleague who works under it",
                field="assignee",
            )
        words = _sealed(k, task_id, person_id, title, notes)
    return {
        "id": task_id,
        **words,
        "due_on": due_on,
        "due_time": due_time,
        "priority": priority.value,
        "assignee_id": assignee.id,
        "created_by": actor.user_id,
        "created_at": now,
        "updated_at": now,
        "done_at": None,
        "done_by": None,
        "person_id": person_id,
        "purpose_key": purpose_key,
        "company_id": new.company_id,
        "activity_id": activity_id,
        "deal_id": new.deal_id,
    }


def _created(row: Mapping[str, Any]) -> TaskCreated:
    return TaskCreated(
        row["id"],
        row["assignee_id"],
        row["priority"],
        row["person_id"],
        row["purpose_key"],
        row["company_id"],
    )


def add(k: Kluis, actor: Actor, new: NewTask, now: datetime) -> str:
    with k.engine.begin() as conn:
        row = _row(k, conn, actor, new, now)
        repository.insert_tasks(conn, [row])
        audit.record(conn, actor.ref, now, [_created(row)])
    return str(row["id"])


def add_for_people(
    k: Kluis, actor: Actor, new: NewTask, person_ids: Sequence[str], now: datetime
) -> list[str]:
    """One task per person, all under ``new.purpose_key`` (a bulk action on a list's
    selection): all or none, and the first person the actor may not reach names the refusal."""
    people = list(dict.fromkeys(p for p in person_ids if p))
    if not people:
        raise InvalidField("choose at least one person", field="person_id")
    with k.engine.begin() as conn:
        rows = [_row(k, conn, actor, replace(new, person_id=p), now) for p in people]
        repository.insert_tasks(conn, rows)
        audit.record(conn, actor.ref, now, [_created(r) for r in rows])
    return [str(r["id"]) for r in rows]


_CHANGEABLE = ("title", "notes", "due_on", "due_time", "priority", "assignee_id")


def edit(k: Kluis, actor: Actor, task_id: str, changes: Mapping[str, Any], now: datetime) -> None:
    """Change the named fields (``_CHANGEABLE``); what a task is about stays."""
    unknown = sorted(set(changes) - set(_CHANGEABLE))
    if unknown:
        raise InvalidField(f"{unknown[0]} cannot be changed on a task", field=unknown[0])
    with k.engine.begin() as conn:
        row = access.check_may_work(k, conn, actor, repository.get(conn, task_id), task_id)
        values: dict[str, Any] = {}
        if "title" in changes or "notes" in changes:
            opened = row.person_id is None or access.reaches(k, conn, actor, row)
            if not opened:
                raise PurposeRefused(
                    f"task {task_id} is about a person you do not reach under its purpose; "
                    "its words cannot be changed",
                    field="purpose",
                )
            current = access.view(k, row, "", True, now)
            title = rules.clean_title(changes.get("title", current.title) or "")
            notes = rules.clean_notes(changes.get("notes", current.notes))
            if row.person_id is None:
                values.update(title=title, notes=notes)
            else:
                values.update(_sealed(k, task_id, row.person_id, title, notes))
        if "due_on" in changes:
            values["due_on"] = rules.parse_due_on(changes["due_on"])
        if "due_time" in changes:
            values["due_time"] = rules.parse_due_time(changes["due_time"])
        if "priority" in changes:
            values["priority"] = rules.parse_priority(changes["priority"]).value
        if "assignee_id" in changes:
            assignee = _assignee(conn, actor, changes["assignee_id"])
            if row.purpose_key is not None:
                purpose = contacts.purpose_for(conn, actor, row.purpose_key)
                if not holds_purpose(Role(assignee.role), purpose.roles):
                    raise PurposeRefused(
                        f"the assignee's role ({assignee.role}) does not hold purpose "
                        f"{purpose.key!r}",
                        field="assignee",
                    )
            values["assignee_id"] = assignee.id
        values["updated_at"] = now
        repository.change(conn, task_id, values)
        fields = tuple(sorted(f for f in changes if f in _CHANGEABLE))
        audit.record(
            conn, actor.ref, now, [TaskChanged(task_id, fields, row.person_id, row.purpose_key)]
        )


def complete(
    k: Kluis,
    actor: Actor,
    task_id: str,
    now: datetime,
    *,
    log_activity: str | None = None,
    body: str | None = None,
) -> str | None:
    """Mark the task done; done twice is done once. ``log_activity`` (a kind: ``call``,
    ``note``...) also logs the activity it was about through the activities slice
    (``activity_link``), after the task is done; returns that activity's id."""
    logger = log_from_task if log_activity else None
    with k.engine.begin() as conn:
        row = access.check_may_work(k, conn, actor, repository.get(conn, task_id), task_id)
        if logger is not None and row.person_id is None:
            raise InvalidField(
                "only a task about a person can log an activity", field="log_activity"
            )
        subject = (
            access.view(k, row, "", True, now).title
            if logger is not None and access.reaches(k, conn, actor, row)
            else None
        )
        if row.done_at is None:
            repository.change(conn, task_id, {"done_at": now, "done_by": actor.user_id})
            audit.record(
                conn, actor.ref, now, [TaskDone(task_id, True, row.person_id, row.purpose_key)]
            )
    if logger is None or subject is None:
        return None
    return logger(
        k,
        actor,
        ActivityFromTask(
            task_id=task_id,
            person_id=row.person_id,
            purpose_key=row.purpose_key,
            company_id=row.company_id,
            kind=log_activity or "note",
            subject=subject,
            body=rules.clean_notes(body),
            at=now,
        ),
        now,
    )


def reopen(k: Kluis, actor: Actor, task_id: str, now: datetime) -> None:
    with k.engine.begin() as conn:
        row = access.check_may_work(k, conn, actor, repository.get(conn, task_id), task_id)
        if row.done_at is not None:
            repository.change(conn, task_id, {"done_at": None, "done_by": None})
            audit.record(
                conn, actor.ref, now, [TaskDone(task_id, False, row.person_id, row.purpose_key)]
            )


def delete(k: Kluis, actor: Actor, task_id: str, now: datetime) -> None:
    with k.engine.begin() as conn:
        row = access.check_may_work(k, conn, actor, repository.get(conn, task_id), task_id)
        repository.remove(conn, task_id)
        audit.record(conn, actor.ref, now, [TaskDeleted(task_id, row.person_id, row.purpose_key)])
