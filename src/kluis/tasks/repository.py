"""The SQL of tasks (Core), on the caller's connection; no transaction or audit of its own."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    column,
    delete,
    insert,
    or_,
    select,
    table,
    update,
)

from kluis.auth.tables import User
from kluis.tasks.tables import ReminderSent, Task


def insert_tasks(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        conn.execute(insert(Task), list(rows))


def get(conn: Connection, task_id: str) -> Row[Any] | None:
    return conn.execute(select(Task.__table__).where(Task.id == task_id)).first()


def change(conn: Connection, task_id: str, values: Mapping[str, Any]) -> None:
    conn.execute(update(Task).where(Task.id == task_id).values(**values))


def remove(conn: Connection, task_id: str) -> None:
    conn.execute(delete(Task).where(Task.id == task_id))


def of_assignee(
    conn: Connection, user_id: int, *, done_since: datetime | None = None
) -> list[Row[Any]]:
    """The user's open tasks, and those done since ``done_since`` when given."""
    table = Task.__table__
    wanted: ColumnElement[bool] = Task.done_at.is_(None)
    if done_since is not None:
        wanted = or_(wanted, Task.done_at >= done_since)
    query = select(table).where(Task.assignee_id == user_id, wanted)
    return list(conn.execute(query))


def of_person(conn: Connection, person_id: str, purpose_key: str) -> list[Row[Any]]:
    query = select(Task.__table__).where(
        Task.person_id == person_id, Task.purpose_key == purpose_key
    )
    return list(conn.execute(query))


DEALS = table("deals", column("id"))
"""The deals slice's table, named (not imported: it stands on the same floor) to check the id a
task is linked to; the foreign key ``tasks.deal_id`` guards it too."""


def deal_exists(conn: Connection, deal_id: int) -> bool:
    return conn.execute(select(DEALS.c.id).where(DEALS.c.id == deal_id)).first() is not None


def some_deals(conn: Connection, limit: int) -> list[int]:
    """The first deals (the demo links a few tasks to them)."""
    query = select(DEALS.c.id).order_by(DEALS.c.id).limit(limit)
    return [int(i) for i in conn.execute(query).scalars()]


def of_deal(conn: Connection, deal_id: int) -> list[Row[Any]]:
    return list(conn.execute(select(Task.__table__).where(Task.deal_id == deal_id)))


def of_people(conn: Connection, person_ids: Sequence[str]) -> list[Row[Any]]:
    """Every task about these people, whatever the purpose (the access package, Art. 15)."""
    if not person_ids:
        return []
    return list(conn.execute(select(Task.__table__).where(Task.person_id.in_(person_ids))))


def users(conn: Connection, ids: Iterable[int]) -> dict[int, Row[Any]]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows: list[Row[Any]] = list(
        conn.execute(
            select(User.id, User.email, User.role, User.active, User.language).where(
                User.id.in_(wanted)
            )
        )
    )
    return {r.id: r for r in rows}


def active_users(conn: Connection) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(User.id, User.email, User.role).where(User.active.is_(True)).order_by(User.email)
        )
    )


def set_reminders(conn: Connection, user_id: int, on: bool) -> None:
    conn.execute(update(User).where(User.id == user_id).values(task_reminders=on))


def reminders_on(conn: Connection, user_id: int) -> bool:
    found = conn.execute(select(User.task_reminders).where(User.id == user_id)).scalar()
    return bool(found)


def reminder_users(conn: Connection, day: date) -> list[Row[Any]]:
    """Active users who asked for the reminder, have an open task due by ``day`` and were not
    sent one for ``day`` yet."""
    sent = select(ReminderSent.user_id).where(ReminderSent.day == day)
    due = select(Task.assignee_id).where(Task.done_at.is_(None), Task.due_on <= day)
    query = (
        select(User.id, User.email, User.role, User.language)
        .where(
            User.active.is_(True),
            User.task_reminders.is_(True),
            User.id.in_(due),
            User.id.not_in(sent),
        )
        .order_by(User.id)
    )
    return list(conn.execute(query))


def claim_reminder(conn: Connection, user_id: int, day: date, now: datetime) -> bool:
    """Mark the user's reminder of ``day`` as sent; False when a row was there already."""
    found = conn.execute(
        select(ReminderSent.user_id).where(ReminderSent.user_id == user_id, ReminderSent.day == day)
    ).first()
    if found is not None:
        return False
    conn.execute(insert(ReminderSent).values(user_id=user_id, day=day, sent_at=now))
    return True


def release_reminder(conn: Connection, user_id: int, day: date) -> None:
    conn.execute(
        delete(ReminderSent).where(ReminderSent.user_id == user_id, ReminderSent.day == day)
    )
