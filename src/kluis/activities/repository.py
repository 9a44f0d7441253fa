"""The SQL of activities (Core), on the caller's connection: no transaction or audit here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, select, update

from kluis.activities.tables import Activity, LatestActivity
from kluis.contacts.tables import people


def insert_activity(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(Activity).values(**values))


def update_activity(conn: Connection, activity_id: str, values: dict[str, Any]) -> None:
    conn.execute(update(Activity).where(Activity.id == activity_id).values(**values))


def delete_activity(conn: Connection, activity_id: str) -> None:
    conn.execute(delete(Activity).where(Activity.id == activity_id))


def get(conn: Connection, activity_id: str) -> Row[Any] | None:
    return conn.execute(select(Activity).where(Activity.id == activity_id)).first()


def of_person(
    conn: Connection,
    person_id: str,
    purpose_keys: Sequence[str] | None,
    *,
    limit: int | None = None,
    before: datetime | None = None,
) -> list[Row[Any]]:
    """A person's activities under ``purpose_keys`` (None: every purpose), newest first; one
    range of ``ix_activities_person_purpose_at`` per purpose."""
    query = select(Activity).where(Activity.person_id == person_id)
    if purpose_keys is not None:
        query = query.where(Activity.purpose_key.in_(list(purpose_keys)))
    if before is not None:
        query = query.where(Activity.occurred_at < before)
    query = query.order_by(Activity.occurred_at.desc(), Activity.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(conn.execute(query))


_TIMELINE = (
    select(
        Activity.id,
        Activity.type,
        Activity.occurred_at,
        Activity.scheduled,
        Activity.subject,
        Activity.body,
        Activity.recording_id,
    )
    .where(
        Activity.person_id == bindparam("person_id"),
        Activity.purpose_key.in_(bindparam("keys", expanding=True)),
    )
    .order_by(Activity.occurred_at.desc(), Activity.id.desc())
    .limit(bindparam("limit"))
)
"""Built once: the person page asks it on every view, and building the statement cost more
than running it (benchmarks/activities.py)."""


def timeline_of(
    conn: Connection, person_id: str, purpose_keys: Sequence[str] | None, limit: int
) -> list[Any]:
    """The columns a timeline shows of a person's newest activities under ``purpose_keys``
    (None: every purpose): the same index ranges as ``of_person``; rows indexed by position in
    the order of ``_TIMELINE``'s columns."""
    if purpose_keys is None:
        query = select(*_TIMELINE.selected_columns).where(Activity.person_id == person_id)
        query = query.order_by(Activity.occurred_at.desc(), Activity.id.desc()).limit(limit)
        return list(conn.execute(query))
    params = {"person_id": person_id, "keys": list(purpose_keys), "limit": limit}
    return list(conn.execute(_TIMELINE, params))


def of_company(
    conn: Connection, company_id: int, purpose_keys: Sequence[str] | None, limit: int
) -> list[Row[Any]]:
    query = select(Activity).where(Activity.company_id == company_id)
    if purpose_keys is not None:
        query = query.where(Activity.purpose_key.in_(list(purpose_keys)))
    return list(conn.execute(query.order_by(Activity.occurred_at.desc()).limit(limit)))


def of_deal(conn: Connection, deal_id: int, limit: int) -> list[Row[Any]]:
    query = select(Activity).where(Activity.deal_id == deal_id)
    return list(conn.execute(query.order_by(Activity.occurred_at.desc()).limit(limit)))


def by_author(
    conn: Connection, author: str, since: datetime, until: datetime, limit: int
) -> list[Row[Any]]:
    """An author's activities between two moments (their recent and upcoming work)."""
    query = (
        select(Activity)
        .where(Activity.author == author)
        .where(Activity.occurred_at >= since, Activity.occurred_at <= until)
        .order_by(Activity.occurred_at.desc())
        .limit(limit)
    )
    return list(conn.execute(query))


def latest_past(conn: Connection, person_id: str) -> datetime | None:
    """When the person's most recent activity that happened (not scheduled) took place."""
    return conn.execute(
        select(func.max(Activity.occurred_at)).where(
            Activity.person_id == person_id, Activity.scheduled.is_(False)
        )
    ).scalar_one_or_none()


def set_latest(conn: Connection, person_id: str, at: datetime | None) -> None:
    """Keep ``activity_latest`` equal to ``latest_past`` for the person."""
    conn.execute(delete(LatestActivity).where(LatestActivity.person_id == person_id))
    if at is not None:
        conn.execute(insert(LatestActivity).values(person_id=person_id, occurred_at=at))


def last_interaction(conn: Connection, person_id: str) -> datetime | None:
    return conn.execute(
        select(people.c.last_interaction_at).where(people.c.id == person_id)
    ).scalar_one_or_none()


def move_last_interaction(conn: Connection, person_id: str, at: datetime) -> None:
    """Move the retention anchor 'last interaction' forward to ``at`` (never back)."""
    conn.execute(
        update(people)
        .where(people.c.id == person_id, people.c.last_interaction_at < at)
        .values(last_interaction_at=at)
    )


def count_people(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(people)).scalar_one())


def count_active_since(conn: Connection, since: datetime) -> int:
    """People whose latest past activity is at or after ``since``: one index range."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(LatestActivity)
            .where(LatestActivity.occurred_at >= since)
        ).scalar_one()
    )
