"""All SQL of the consent slice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
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
    null,
    or_,
    select,
    update,
)

from kluis.consent.rules import (
    CHANNEL_FIELDS,
    Action,
    Channel,
    Decision,
    Event,
    Facts,
    Grounds,
    MessageKind,
    NoticeScope,
    Permission,
    Status,
    may_contact,
)
from kluis.consent.tables import (
    ConsentEvent,
    Evidence,
    Notice,
    NoticeCoverage,
    PermissionRow,
    Topic,
)
from kluis.contacts.tables import PersonFlags, PersonPurpose, people


def topics(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(Topic).order_by(Topic.key)))


def topic(conn: Connection, key: str) -> Row[Any] | None:
    return conn.execute(select(Topic).where(Topic.key == key)).first()


def notice(conn: Connection, notice_id: int) -> Row[Any] | None:
    return conn.execute(select(Notice).where(Notice.id == notice_id)).first()


def coverage(conn: Connection, notice_ids: Iterable[int]) -> dict[int, frozenset[tuple[str, str]]]:
    """The (channel, topic) pairs each notice covers (none: an empty set)."""
    ids = list(notice_ids)
    found: dict[int, set[tuple[str, str]]] = {n: set() for n in ids}
    if ids:
        rows = conn.execute(
            select(NoticeCoverage.notice_id, NoticeCoverage.channel, NoticeCoverage.topic).where(
                NoticeCoverage.notice_id.in_(ids)
            )
        )
        for notice_id, channel, topic_key in rows:
            found[int(notice_id)].add((str(channel), str(topic_key)))
    return {n: frozenset(pairs) for n, pairs in found.items()}


def notice_scope(conn: Connection, notice_id: int) -> NoticeScope | None:
    """What a notice asks for, or None when there is no such notice."""
    row = notice(conn, notice_id)
    if row is None:
        return None
    return NoticeScope(row.id, row.language, coverage(conn, [row.id])[row.id])


def insert_notice(
    conn: Connection, values: dict[str, Any], covers: Iterable[tuple[str, str]]
) -> int:
    notice_id = int(conn.execute(insert(Notice).values(**values).returning(Notice.id)).scalar_one())
    conn.execute(
        insert(NoticeCoverage),
        [{"notice_id": notice_id, "channel": c, "topic": t} for c, t in sorted(covers)],
    )
    return notice_id


def notices_with_hash(conn: Connection, content_hash: str) -> list[Row[Any]]:
    return list(conn.execute(select(Notice).where(Notice.content_hash == content_hash)))


def all_notices(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(Notice).order_by(Notice.id)))


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


def reach(conn: Connection, person_id: str, channel: Channel) -> tuple[frozenset[str], bool]:
    """The purposes a person was collected for, and whether they have an address on
    ``channel`` (its ciphertext column is set; nothing is decrypted)."""
    held = frozenset(
        conn.scalars(select(PersonPurpose.purpose_key).where(PersonPurpose.person_id == person_id))
    )
    address = people.c[CHANNEL_FIELDS[channel]]
    present = conn.execute(
        select(address.is_not(None)).where(people.c.id == person_id)
    ).scalar_one_or_none()
    return held, bool(present)


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


Cell = tuple[str, bool, str | None, bool, bool, bool]
"""What ``may_contact`` reads of a person for one commercial (channel, topic), in the few values
it tells apart: the flag (``restricted``, ``objected`` or ``""``); whether a customer; the state
for the (channel, topic): ``withdrawn``, ``live`` (granted, not past its re-confirm-by date),
``lapsed`` (expired, or past that date) or None (nothing recorded); whether the person holds the
consent's purpose, and the soft opt-in's; whether they have an address on the channel."""


def _audience_columns(channel: str, topic_key: str, now: datetime, grounds: Grounds) -> Any:
    """Every person with what the rule needs of them for a commercial message on
    (channel, topic) at ``now``, as a subquery: one row per person."""
    perm = PermissionRow.__table__.alias("perm")
    flag = PersonFlags.__table__.alias("flag")
    held_consent = PersonPurpose.__table__.alias("held_consent")
    held_soft = PersonPurpose.__table__.alias("held_soft")
    joined = (
        people.outerjoin(flag, flag.c.person_id == people.c.id)
        .outerjoin(
            perm,
            and_(
                perm.c.person_id == people.c.id,
                perm.c.channel == channel,
                perm.c.topic == topic_key,
            ),
        )
        .outerjoin(
            held_consent,
            and_(
                held_consent.c.person_id == people.c.id,
                held_consent.c.purpose_key == grounds.consent,
            ),
        )
        .outerjoin(
            held_soft,
            and_(
                held_soft.c.person_id == people.c.id,
                held_soft.c.purpose_key == grounds.soft_opt_in,
            ),
        )
    )
    live = and_(
        perm.c.status == Status.GRANTED.value,
        or_(perm.c.reconfirm_by.is_(None), perm.c.reconfirm_by > now),
    )
    state = case(
        (perm.c.status.is_(None), null()),
        (perm.c.status == Status.WITHDRAWN.value, literal("withdrawn")),
        (live, literal("live")),
        else_=literal("lapsed"),
    )
    flagged = case(
        (func.coalesce(flag.c.restricted, False), literal("restricted")),
        (func.coalesce(flag.c.objected, False), literal("objected")),
        else_=literal(""),
    )
    address = people.c[CHANNEL_FIELDS[Channel(channel)]]
    return (
        select(
            people.c.id.label("id"),
            flagged.label("flag"),
            case((people.c.relationship == "customer", 1), else_=0).label("customer"),
            state.label("state"),
            case((held_consent.c.person_id.is_not(None), 1), else_=0).label("held_consent"),
            case((held_soft.c.person_id.is_not(None), 1), else_=0).label("held_soft"),
            case((address.is_not(None), 1), else_=0).label("reachable"),
            perm.c.event_id.label("event_id"),
        )
        .select_from(joined)
        .subquery("audience")
    )


def audience_cells(
    conn: Connection, channel: str, topic_key: str, now: datetime, grounds: Grounds
) -> Counter[Cell]:
    """How many people are in each cell, in one grouped pass over people. Erased people are
    gone and in no cell."""
    audience = _audience_columns(channel, topic_key, now, grounds)
    columns = [
        audience.c.flag,
        audience.c.customer,
        audience.c.state,
        audience.c.held_consent,
        audience.c.held_soft,
        audience.c.reachable,
    ]
    cells: Counter[Cell] = Counter()
    for row in conn.execute(select(*columns, func.count()).group_by(*columns)):
        flag, customer, state, consent, soft, reachable = row[:6]
        cells[(str(flag), bool(customer), state, bool(consent), bool(soft), bool(reachable))] += (
            int(row[6])
        )
    return cells


def _facts(cell: Cell, now: datetime, grounds: Grounds, event_id: int | None = None) -> Facts:
    flag, customer, held_state, consent, soft, reachable = cell
    permission = None
    if held_state is not None:
        status = Status.WITHDRAWN if held_state == "withdrawn" else Status.GRANTED
        permission = Permission(status, event_id or 0, now, None if held_state == "live" else now)
    return Facts(
        erased=False,
        restricted=flag == "restricted",
        objected=flag == "objected",
        relationship="customer" if customer else "other",
        permission=permission,
        purposes=frozenset(
            key for key, held in ((grounds.consent, consent), (grounds.soft_opt_in, soft)) if held
        ),
        reachable=reachable,
    )


def cell_decision(
    cell: Cell,
    channel: str,
    now: datetime,
    soft_opt_in: bool,
    grounds: Grounds,
    event_id: int | None = None,
) -> Decision:
    """``may_contact`` for everyone in a cell (a commercial message on ``channel`` at ``now``);
    ``event_id`` is the evidence of the one person the cell stands for, when it is one."""
    chan = Channel(channel)
    soft = frozenset({chan}) if soft_opt_in else frozenset()
    facts = _facts(cell, now, grounds, event_id)
    return may_contact(facts, chan, MessageKind.COMMERCIAL, now, soft, grounds)


def audience_reasons(
    conn: Connection,
    channel: str,
    topic_key: str,
    now: datetime,
    soft_opt_in: bool,
    grounds: Grounds,
) -> dict[str, int]:
    """How many people each outcome has: the rule applied to each cell, weighed by its size."""
    reasons: Counter[str] = Counter()
    for cell, n in audience_cells(conn, channel, topic_key, now, grounds).items():
        reasons[cell_decision(cell, channel, now, soft_opt_in, grounds).reason.value] += n
    return dict(reasons)


def audience_count(
    conn: Connection,
    channel: str,
    topic_key: str,
    now: datetime,
    soft_opt_in: bool,
    grounds: Grounds,
) -> int:
    """People a commercial message may go to (``audience_cells`` through the rule)."""
    return sum(
        n
        for cell, n in audience_cells(conn, channel, topic_key, now, grounds).items()
        if cell_decision(cell, channel, now, soft_opt_in, grounds).allowed
    )


def audience_ids(
    engine: Engine,
    channel: str,
    topic_key: str,
    now: datetime,
    soft_opt_in: bool,
    grounds: Grounds,
    batch: int,
) -> Iterator[list[tuple[str, Decision]]]:
    """The audience in batches of (person id, decision), in id order, with keyset paging so
    memory stays flat however large the population. Each person's cell goes through the same
    ``cell_decision`` the counts use, so the stream and the counts cannot disagree. Each page is
    read in a short transaction of its own, so a consumer can write between pages (on SQLite a
    reader holding a transaction open would keep every writer waiting)."""
    audience = _audience_columns(channel, topic_key, now, grounds)
    after = ""
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(audience).where(audience.c.id > after).order_by(audience.c.id).limit(batch)
            ).all()
        if not rows:
            return
        allowed: list[tuple[str, Decision]] = []
        for row in rows:
            cell: Cell = (
                str(row.flag),
                bool(row.customer),
                row.state,
                bool(row.held_consent),
                bool(row.held_soft),
                bool(row.reachable),
            )
            decision = cell_decision(cell, channel, now, soft_opt_in, grounds, row.event_id)
            if decision.allowed:
                allowed.append((str(row.id), decision))
        if allowed:
            yield allowed
        after = rows[-1].id


def delete_ledger(conn: Connection, person_id: str) -> int:
    """Delete a person's consent events, evidence and kept permissions (an erasure that keeps
    the person for a legal obligation; full erasure deletes them through the foreign keys)."""
    deleted = conn.execute(delete(ConsentEvent).where(ConsentEvent.person_id == person_id))
    conn.execute(delete(Evidence).where(Evidence.person_id == person_id))
    conn.execute(delete(PermissionRow).where(PermissionRow.person_id == person_id))
    return deleted.rowcount
