"""SQL of audiences: who may receive a commercial message on a (channel, topic), decided in the
database by the same ``may_contact`` rule a single decision uses, one indexed walk per audience.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    case,
    func,
    literal,
    null,
    or_,
    select,
)

from kluis.consent.rules import (
    CHANNEL_FIELDS,
    Channel,
    Decision,
    Facts,
    Grounds,
    MessageKind,
    Permission,
    Status,
    may_contact,
)
from kluis.consent.tables import (
    PermissionRow,
)
from kluis.contacts.tables import PersonFlags, PersonPurpose, people

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
