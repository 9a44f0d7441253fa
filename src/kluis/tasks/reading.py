"""Reading tasks: a user's own ("My tasks", the home page, the API), a person's under a purpose
(their page), one task. Each read of a sealed title is audited under the purpose it was opened
with (``task.read``, per person), never with the title."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row

from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.audit import service as audit
from kluis.audit.events import AuditEvent
from kluis.audit.task_events import TaskRemindersChosen, TasksListed, TasksRead
from kluis.contacts import people as contacts
from kluis.errors import InvalidField, KluisError, PermissionDenied
from kluis.runtime import Kluis
from kluis.tasks import access, repository, rules
from kluis.tasks.access import TaskView

DONE_SHOWN = timedelta(days=1)
"""How long a done task stays on "My tasks" (struck through), so a mistaken tick can be undone."""


def _reached(
    k: Kluis, conn: Connection, actor: Actor, rows: list[Row[Any]]
) -> set[tuple[str, str]]:
    """The (person, purpose) pairs of ``rows`` the actor reaches (``contacts.people.reach``),
    checked once per purpose for all its people (one read of them, not one per task)."""
    wanted: dict[str, list[str]] = {}
    for row in rows:
        if row.person_id is not None:
            wanted.setdefault(row.purpose_key, []).append(row.person_id)
    reached: set[tuple[str, str]] = set()
    for key, ids in wanted.items():
        try:
            purpose = contacts.purpose_for(conn, actor, key)
        except KluisError:
            continue
        visible, _hidden = contacts.views_of(k, conn, purpose, list(dict.fromkeys(ids)))
        reached.update((v.id, key) for v in visible)
    return reached


def _views(
    k: Kluis, conn: Connection, actor: Actor, rows: list[Row[Any]], now: datetime, via: str
) -> tuple[list[TaskView], list[AuditEvent]]:
    names = {u.id: u.email for u in repository.users(conn, (r.assignee_id for r in rows)).values()}
    reached = _reached(k, conn, actor, rows)
    opened: Counter[tuple[str, str]] = Counter()
    views = []
    for row in rows:
        key = (row.person_id, row.purpose_key)
        may_open = row.person_id is None or key in reached
        if row.person_id is not None and may_open:
            opened[key] += 1
        views.append(access.view(k, row, names.get(row.assignee_id, ""), may_open, now))
    views.sort(
        key=lambda v: (v.done_at is not None, rules.sort_key(v.due_on, v.due_time, v.priority))
    )
    events: list[AuditEvent] = [
        TasksRead(person, purpose, count, via) for (person, purpose), count in opened.items()
    ]
    return views, events


def mine(k: Kluis, actor: Actor, now: datetime, *, via: str = "mine") -> list[TaskView]:
    """The actor's open tasks (and those done in the last day), earliest first."""
    if actor.user_id is None:
        raise InvalidField("only a staff user has tasks of their own", field="assignee")
    return assigned(k, actor, actor.user_id, now, via=via)


def assigned(
    k: Kluis, actor: Actor, user_id: int, now: datetime, *, via: str = "mine"
) -> list[TaskView]:
    """A user's open tasks (and those done in the last day): the user's own, or anyone's for
    an admin or the privacy officer (``kluis tasks list --for``)."""
    if user_id != actor.user_id and actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer lists a colleague's tasks")
    with k.engine.begin() as conn:
        rows = repository.of_assignee(conn, user_id, done_since=now - DONE_SHOWN)
        views, events = _views(k, conn, actor, rows, now, via)
        audit.record(conn, actor.ref, now, [TasksListed(user_id, len(views), via), *events])
    return views


def of_person(
    k: Kluis, actor: Actor, person_id: str, purpose_key: str, now: datetime, *, via: str = "person"
) -> list[TaskView]:
    """The tasks about a person worked under ``purpose_key``: tasks under another purpose are
    that purpose's (Art. 5(1)(b)), as the person's fields are."""
    with k.engine.begin() as conn:
        purpose = contacts.reach(k, conn, actor, person_id, purpose_key)
        rows = repository.of_person(conn, person_id, purpose.key)
        views, _ = _views(k, conn, actor, rows, now, via)
        audit.record(conn, actor.ref, now, [TasksRead(person_id, purpose.key, len(views), via)])
    return views


def of_deal(k: Kluis, actor: Actor, deal_id: int, now: datetime) -> list[TaskView]:
    """The tasks for a deal (its page): a task about a person shows its title only when the
    reader reaches the person under the task's purpose, each opening audited (``task.read``,
    ``via`` ``deal``); the others show that there is a task, not what."""
    with k.engine.begin() as conn:
        rows = repository.of_deal(conn, deal_id)
        views, events = _views(k, conn, actor, rows, now, "deal")
        audit.record(conn, actor.ref, now, events)
    return views


def get(k: Kluis, actor: Actor, task_id: str, now: datetime) -> TaskView:
    with k.engine.begin() as conn:
        row = access.check_may_work(k, conn, actor, repository.get(conn, task_id), task_id)
        views, events = _views(k, conn, actor, [row], now, "task")
        audit.record(conn, actor.ref, now, events)
    return views[0]


def colleagues(k: Kluis) -> list[tuple[int, str, str]]:
    """Active staff users a task may be given to: (id, e-mail address, role)."""
    with k.engine.connect() as conn:
        return [(r.id, r.email, r.role) for r in repository.active_users(conn)]


def reminders_on(k: Kluis, actor: Actor) -> bool:
    if actor.user_id is None:
        return False
    with k.engine.connect() as conn:
        return repository.reminders_on(conn, actor.user_id)


def set_reminders(k: Kluis, actor: Actor, on: bool, now: datetime) -> None:
    """The user's own choice of the daily reminder mail (their own account; nobody else's)."""
    if actor.user_id is None:
        raise InvalidField("only a staff user gets task reminders", field="reminders")
    with k.engine.begin() as conn:
        repository.set_reminders(conn, actor.user_id, on)
        audit.record(conn, actor.ref, now, [TaskRemindersChosen(actor.user_id, on)])


def for_the_person(
    k: Kluis, actor: Actor, person_id: str, purpose_key: str, now: datetime
) -> list[dict[str, Any]]:
    """Every task about the person, whatever its purpose, titles opened, for their own access
    and portability package (Art. 15(1), 20): read under ``purpose_key`` (answering privacy
    requests), audited as ``task.read`` with ``via`` ``export``. Who the tasks were given to is
    staff's data and stays out."""
    with k.engine.begin() as conn:
        return for_the_person_in(k, conn, actor, person_id, purpose_key, now)


def for_the_person_in(
    k: Kluis, conn: Connection, actor: Actor, person_id: str, purpose_key: str, now: datetime
) -> list[dict[str, Any]]:
    """``for_the_person`` in the caller's transaction, which records the read."""
    purpose = contacts.reach(k, conn, actor, person_id, purpose_key)
    rows = repository.of_people(conn, [person_id])
    views = [access.view(k, row, "", True, now) for row in rows]
    audit.record(conn, actor.ref, now, [TasksRead(person_id, purpose.key, len(views), "export")])
    views.sort(key=lambda v: (v.created_at, v.id))
    return [
        {
            "id": v.id,
            "title": v.title,
            "notes": v.notes,
            "purpose": v.purpose_key,
            "due_on": v.due_on.isoformat(),
            "due_time": v.due_time.strftime("%H:%M") if v.due_time else None,
            "priority": v.priority,
            "created_at": v.created_at.isoformat(),
            "done_at": v.done_at.isoformat() if v.done_at else None,
            "deal_id": v.deal_id,
        }
        for v in views
    ]
