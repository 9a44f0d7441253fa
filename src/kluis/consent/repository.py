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
    true,
    update,
)

from kluis.consent.rules import (
    Action,
    Channel,
    Decision,
    Event,
    Facts,
    MessageKind,
    NoticeScope,
    Permission,
    Status,
    may_contact,
)
from kluis.consent.tables import (
    ConsentEvent,
    Evidence,
    FlagEvent,
    Notice,
    NoticeCoverage,
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


def flags(conn: Connection, person_id: str) -> tuple[bool, bool]:
    row = conn.execute(
        select(PersonFlags.objected, PersonFlags.restricted).where(
            PersonFlags.person_id == person_id
        )
    ).first()
    return (False, False) if row is None else (bool(row.objected), bool(row.restricted))


def objected_after(conn: Connection, after: str, limit: int) -> list[str]:
    """The next ``limit`` people after ``after`` (by id) who objected to direct marketing."""
    return [
        str(person_id)
        for person_id in conn.scalars(
            select(PersonFlags.person_id)
            .where(PersonFlags.objected == true(), PersonFlags.person_id > after)
            .order_by(PersonFlags.person_id)
            .limit(limit)
        )
    ]


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


Cell = tuple[str, bool, str | None]
"""What ``may_contact`` reads of a person for one (channel, topic), in the few values it tells
apart: the flag (``restricted``, ``objected`` or ``""``), whether a customer, and the state for
the (channel, topic): ``withdrawn``, ``live`` (granted, not past its re-confirm-by date),
``lapsed`` (expired, or past that date) or None (nothing recorded)."""


def _customer_of(joined: Any, person_id: Any) -> tuple[Any, Any]:
    """``joined`` with the person's id again when they are a customer (else NULL), and that id.
    A left join (not EXISTS) so that SQLite keeps walking ``joined`` in its order and looks
    people up on the covering (id, relationship) index rather than reading their rows."""
    customer = people.alias("customer")
    on = and_(customer.c.id == person_id, customer.c.relationship == "customer")
    return joined.outerjoin(customer, on), customer.c.id


def audience_cells(
    conn: Connection, channel: str, topic_key: str, now: datetime, customers: bool
) -> Counter[Cell]:
    """How many people are in each cell, from indexes only and without a full pass over people:
    the (channel, topic)'s states, walked once on the audience index in person order (looking
    each up on the people index, in the same order, when ``customers`` is asked: only the soft
    opt-in needs it); the flagged, who are few; the number of people and of customers. Whoever
    is in no query is unflagged with nothing recorded. Erased people are gone and in no cell."""
    perm, flag = PermissionRow.__table__, PersonFlags.__table__
    of_topic = and_(perm.c.channel == channel, perm.c.topic == topic_key)
    withdrawn = perm.c.status == Status.WITHDRAWN.value
    live = and_(
        perm.c.status == Status.GRANTED.value,
        or_(perm.c.reconfirm_by.is_(None), perm.c.reconfirm_by > now),
    )
    state = case(
        (withdrawn, literal("withdrawn")), (live, literal("live")), else_=literal("lapsed")
    )

    # One pass, counted by condition: a GROUP BY would sort every row first.
    held_from: Any = perm
    counted = [func.count(), func.count(case((withdrawn, 1))), func.count(case((live, 1)))]
    if customers:
        held_from, customer_id = _customer_of(perm, perm.c.person_id)
        counted += [
            func.count(customer_id),
            func.count(case((withdrawn, customer_id))),
            func.count(case((live, customer_id))),
        ]
    query = select(*counted).select_from(held_from).where(of_topic)
    counts = [int(n) for n in conn.execute(query).one()]
    split = {False: counts[:3]}
    if customers:
        others = [every - theirs for every, theirs in zip(counts[:3], counts[3:], strict=True)]
        split = {True: counts[3:], False: others}
    holders: Counter[tuple[bool, str]] = Counter()
    for customer, (total, n_withdrawn, n_live) in split.items():
        holders[(customer, "withdrawn")] = n_withdrawn
        holders[(customer, "live")] = n_live
        holders[(customer, "lapsed")] = total - n_withdrawn - n_live

    flagged_from = flag.outerjoin(perm, and_(perm.c.person_id == flag.c.person_id, of_topic))
    flagged_columns = [
        case((flag.c.restricted, literal("restricted")), else_=literal("objected")).label("flag"),
        case((perm.c.status.is_(None), null()), else_=state).label("state"),
    ]
    if customers:
        flagged_from, customer_id = _customer_of(flagged_from, flag.c.person_id)
        flagged_columns.append(customer_id.is_not(None).label("customer"))
    flagged = (
        select(*flagged_columns)
        .select_from(flagged_from)
        .where(or_(flag.c.objected, flag.c.restricted))
        .subquery()
    )
    cells: Counter[Cell] = Counter()
    unheld = Counter(_people(conn, customers))  # people with nothing recorded, by customer
    for (customer, held_state), n in holders.items():
        cells[("", customer, held_state)] += n
        unheld[customer] -= n
    for row in conn.execute(select(*flagged.c, func.count()).group_by(*flagged.c)):
        flag_name, held_state = row[0], row[1]
        customer, n = bool(row[2]) if customers else False, int(row[-1])
        cells[(flag_name, customer, held_state)] += n
        if held_state is None:
            unheld[customer] -= n
        else:
            cells[("", customer, held_state)] -= n
    for customer, n in unheld.items():
        cells[("", customer, None)] += n
    return Counter({cell: n for cell, n in cells.items() if n})


def _people(conn: Connection, customers: bool) -> dict[bool, int]:
    """How many people there are, by whether they are customers when ``customers``."""
    total = int(conn.execute(select(func.count()).select_from(people)).scalar_one())
    if not customers:
        return {False: total}
    count = int(
        conn.execute(
            select(func.count()).select_from(people).where(people.c.relationship == "customer")
        ).scalar_one()
    )
    return {True: count, False: total - count}


def cell_decision(cell: Cell, channel: str, now: datetime, soft_opt_in: bool) -> Decision:
    """``may_contact`` for everyone in a cell (a commercial message on ``channel`` at ``now``)."""
    flag, customer, held_state = cell
    permission = None
    if held_state is not None:
        status = Status.WITHDRAWN if held_state == "withdrawn" else Status.GRANTED
        permission = Permission(status, 0, now, None if held_state == "live" else now)
    facts = Facts(
        erased=False,
        restricted=flag == "restricted",
        objected=flag == "objected",
        relationship="customer" if customer else "other",
        permission=permission,
    )
    chan = Channel(channel)
    soft = frozenset({chan}) if soft_opt_in else frozenset()
    return may_contact(facts, chan, MessageKind.COMMERCIAL, now, soft)


def audience_reasons(
    conn: Connection, channel: str, topic_key: str, now: datetime, soft_opt_in: bool
) -> dict[str, int]:
    """How many people each outcome has: the rule applied to each cell, weighed by its size."""
    reasons: Counter[str] = Counter()
    for cell, n in audience_cells(conn, channel, topic_key, now, soft_opt_in).items():
        reasons[cell_decision(cell, channel, now, soft_opt_in).reason.value] += n
    return dict(reasons)


def audience_count(
    conn: Connection, channel: str, topic_key: str, now: datetime, soft_opt_in: bool
) -> int:
    """People a commercial message may go to, counted on the indexes (``audience_cells``)."""
    return sum(
        n
        for cell, n in audience_cells(conn, channel, topic_key, now, soft_opt_in).items()
        if cell_decision(cell, channel, now, soft_opt_in).allowed
    )


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


def delete_ledger(conn: Connection, person_id: str) -> int:
    """Delete a person's consent events, evidence and kept permissions (an erasure that keeps
    the person for a legal obligation; full erasure deletes them through the foreign keys)."""
    deleted = conn.execute(delete(ConsentEvent).where(ConsentEvent.person_id == person_id))
    conn.execute(delete(Evidence).where(Evidence.person_id == person_id))
    conn.execute(delete(PermissionRow).where(PermissionRow.person_id == person_id))
    return deleted.rowcount
