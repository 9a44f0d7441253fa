"""All SQL of the consent slice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from kluis.consent.rules import Action, Channel, Event, Permission, Status
from kluis.consent.tables import (
    ConsentEvent,
    Evidence,
    FlagEvent,
    Notice,
    PermissionRow,
    PersonFlags,
    Topic,
)
from kluis.contacts.tables import people


def topics(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(Topic).order_by(Topic.key)))


def topic(conn: Connection, key: str) -> Row[Any] | None:
    return conn.execute(select(Topic).where(Topic.key == key)).first()


def notice(conn: Connection, notice_id: int) -> Row[Any] | None:
    return conn.execute(select(Notice).where(Notice.id == notice_id)).first()


def insert_event(conn: Connection, values: dict[str, Any]) -> int:
    return int(
        conn.execute(insert(ConsentEvent).values(**values).returning(ConsentEvent.id)).scalar_one()
    )


def events_of(
    conn: Connection, person_id: str, channel: str | None = None, topic: str | None = None
) -> list[Row[Any]]:
    """A person's ledger in order, or the part of it about one channel and topic."""
    query = select(ConsentEvent).where(ConsentEvent.person_id == person_id)
    if channel is not None and topic is not None:
        query = query.where(ConsentEvent.channel == channel, ConsentEvent.topic == topic)
    return list(conn.execute(query.order_by(ConsentEvent.captured_at, ConsentEvent.id)))


def event(conn: Connection, event_id: int) -> Row[Any] | None:
    return conn.execute(select(ConsentEvent).where(ConsentEvent.id == event_id)).first()


def as_event(row: Row[Any]) -> Event:
    return Event(
        id=row.id,
        channel=Channel(row.channel),
        topic=row.topic,
        action=Action(row.action),
        at=row.captured_at,
        reconfirm_by=row.reconfirm_by,
    )


def permission(conn: Connection, person_id: str, channel: str, topic: str) -> Permission | None:
    row = conn.execute(
        select(PermissionRow).where(
            PermissionRow.person_id == person_id,
            PermissionRow.channel == channel,
            PermissionRow.topic == topic,
        )
    ).first()
    return None if row is None else _permission(row)


def _permission(row: Row[Any]) -> Permission:
    return Permission(Status(row.status), row.event_id, row.since, row.reconfirm_by)


def permissions_of(conn: Connection, person_id: str) -> dict[tuple[Channel, str], Permission]:
    rows = conn.execute(select(PermissionRow).where(PermissionRow.person_id == person_id))
    return {(Channel(r.channel), r.topic): _permission(r) for r in rows}


def put_permission(
    conn: Connection, person_id: str, channel: str, topic: str, state: Permission
) -> None:
    values = {
        "status": state.status.value,
        "event_id": state.event_id,
        "since": state.since,
        "reconfirm_by": state.reconfirm_by,
    }
    updated = conn.execute(
        update(PermissionRow)
        .where(
            PermissionRow.person_id == person_id,
            PermissionRow.channel == channel,
            PermissionRow.topic == topic,
        )
        .values(**values)
    )
    if updated.rowcount == 0:
        conn.execute(
            insert(PermissionRow).values(
                person_id=person_id, channel=channel, topic=topic, **values
            )
        )


def replace_permissions(
    conn: Connection, person_id: str, state: dict[tuple[Channel, str], Permission]
) -> None:
    conn.execute(delete(PermissionRow).where(PermissionRow.person_id == person_id))
    for (channel, topic_key), value in state.items():
        put_permission(conn, person_id, channel.value, topic_key, value)


def flags(conn: Connection, person_id: str) -> tuple[bool, bool]:
    row = conn.execute(
        select(PersonFlags.objected, PersonFlags.restricted).where(
            PersonFlags.person_id == person_id
        )
    ).first()
    return (False, False) if row is None else (bool(row.objected), bool(row.restricted))


def set_flag(conn: Connection, person_id: str, flag: str, active: bool) -> None:
    objected, restricted = flags(conn, person_id)
    if flag == "objection":
        objected = active
    else:
        restricted = active
    updated = conn.execute(
        update(PersonFlags)
        .where(PersonFlags.person_id == person_id)
        .values(objected=objected, restricted=restricted)
    )
    if updated.rowcount == 0:
        conn.execute(
            insert(PersonFlags).values(
                person_id=person_id, objected=objected, restricted=restricted
            )
        )


def insert_flag_event(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(FlagEvent).values(**values))


def flag_events_of(conn: Connection, person_id: str) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(FlagEvent)
            .where(FlagEvent.person_id == person_id)
            .order_by(FlagEvent.captured_at, FlagEvent.id)
        )
    )


def relationship(conn: Connection, person_id: str) -> str | None:
    return conn.execute(
        select(people.c.relationship).where(people.c.id == person_id)
    ).scalar_one_or_none()


def insert_evidence(conn: Connection, values: dict[str, Any]) -> int:
    return int(conn.execute(insert(Evidence).values(**values).returning(Evidence.id)).scalar_one())


def evidence(conn: Connection, evidence_id: int) -> Row[Any] | None:
    return conn.execute(select(Evidence).where(Evidence.id == evidence_id)).first()


def evidence_of(conn: Connection, person_id: str) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(
                Evidence.id,
                Evidence.content_type,
                Evidence.size,
                Evidence.captured_by,
                Evidence.created_at,
            )
            .where(Evidence.person_id == person_id)
            .order_by(Evidence.id)
        )
    )


def _audience_conditions(
    channel: str, topic_key: str, now: datetime, soft_opt_in: bool
) -> tuple[Any, Any, Any]:
    """The joined selection of every person and the SQL form of ``may_contact``'s outcome for
    a commercial message on (channel, topic) at ``now``: the reason code per person."""
    perm = PermissionRow.__table__.alias("perm")
    flag = PersonFlags.__table__.alias("flag")
    joined = people.outerjoin(flag, flag.c.person_id == people.c.id).outerjoin(
        perm,
        and_(
            perm.c.person_id == people.c.id,
            perm.c.channel == channel,
            perm.c.topic == topic_key,
        ),
    )
    is_live = and_(
        perm.c.status == Status.GRANTED.value,
        or_(perm.c.reconfirm_by.is_(None), perm.c.reconfirm_by > now),
    )
    customer = and_(people.c.relationship == "customer", literal(soft_opt_in))
    reason = case(
        (func.coalesce(flag.c.restricted, False), literal("restricted")),
        (func.coalesce(flag.c.objected, False), literal("objected")),
        (perm.c.status == Status.WITHDRAWN.value, literal("withdrawn")),
        (is_live, literal("consent")),
        (customer, literal("soft_opt_in")),
        (perm.c.status.is_not(None), literal("expired")),
        else_=literal("no_consent"),
    )
    return joined, reason, perm.c.event_id


def audience_reasons(
    conn: Connection, channel: str, topic_key: str, now: datetime, soft_opt_in: bool
) -> dict[str, int]:
    """How many people each outcome has: one grouped query over the whole population."""
    joined, reason, _ = _audience_conditions(channel, topic_key, now, soft_opt_in)
    rows = conn.execute(
        select(reason.label("reason"), func.count()).select_from(joined).group_by(reason)
    )
    return {r[0]: int(r[1]) for r in rows}


def audience_count(
    conn: Connection, channel: str, topic_key: str, now: datetime, soft_opt_in: bool
) -> int:
    """People a commercial message may go to, counted on the indexes: live consents, plus (with
    soft opt-in) customers who neither withdrew nor hold a live consent, less the flagged."""
    perm = PermissionRow.__table__
    flag = PersonFlags.__table__
    flagged = select(flag.c.person_id).where(or_(flag.c.objected, flag.c.restricted))
    granted = (
        select(func.count())
        .select_from(perm)
        .where(
            perm.c.channel == channel,
            perm.c.topic == topic_key,
            perm.c.status == Status.GRANTED.value,
            or_(perm.c.reconfirm_by.is_(None), perm.c.reconfirm_by > now),
            perm.c.person_id.not_in(flagged),
        )
    )
    total = int(conn.execute(granted).scalar_one())
    if soft_opt_in:
        excluded = select(perm.c.person_id).where(
            perm.c.channel == channel,
            perm.c.topic == topic_key,
            or_(
                perm.c.status == Status.WITHDRAWN.value,
                and_(
                    perm.c.status == Status.GRANTED.value,
                    or_(perm.c.reconfirm_by.is_(None), perm.c.reconfirm_by > now),
                ),
            ),
        )
        customers = (
            select(func.count())
            .select_from(people)
            .where(
                people.c.relationship == "customer",
                people.c.id.not_in(excluded),
                people.c.id.not_in(flagged),
            )
        )
        total += int(conn.execute(customers).scalar_one())
    return total


def audience_ids(
    engine: Engine,
    channel: str,
    topic_key: str,
    now: datetime,
    soft_opt_in: bool,
    batch: int,
) -> Iterator[list[tuple[str, str, int | None]]]:
    """The audience in batches of (person id, reason, evidence event id), in id order, with
    keyset paging so memory stays flat however large the population. Each page is read in a
    short transaction of its own, so a consumer can write between pages (on SQLite a reader
    holding a transaction open would keep every writer waiting)."""
    joined, reason, perm_event = _audience_conditions(channel, topic_key, now, soft_opt_in)
    after = ""
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(people.c.id, reason.label("reason"), perm_event)
                .select_from(joined)
                .where(people.c.id > after, reason.in_(("consent", "soft_opt_in")))
                .order_by(people.c.id)
                .limit(batch)
            ).all()
        if not rows:
            return
        batch_rows: list[tuple[str, str, int | None]] = []
        for row in rows:
            person_id, why, event_id = str(row[0]), str(row[1]), row[2]
            batch_rows.append((person_id, why, event_id if why == "consent" else None))
        yield batch_rows
        after = rows[-1][0]
