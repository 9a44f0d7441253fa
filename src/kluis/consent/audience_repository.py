"""SQL of audiences: who may receive a commercial message on a (channel, topic), decided by the
same ``may_contact`` rule a single decision uses, counted from the audience's own indexes.

What the rule reads of a person beyond the channel and topic is kept beside the consent state
(``audience_index``: ``audience_people``, and a copy on each ``permissions`` row), so no count
looks a person up. The people of an audience fall in three parts, each counted by a grouped
walk of one index range in index order (no sort, no join):

- those with kept state for the (channel, topic): the range of ``ix_permissions_audience``;
- customers and flagged people without it: one range of ``ix_audience_people_facts``
  (customers and restricted or objecting others: ``facts >= OBJECTED``, ``tables.Fact``), less
  those of them the first part counted;
- everyone else (not a customer, not flagged, nothing kept): the number of people less the
  rest; the rule refuses them all ``no_consent``, whatever else is true of them.

Each group is a cell of ``Cell``; the rule decides each cell once (``cell_decision``), and the
stream pages the same facts person by person through the same function.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    case,
    func,
    literal,
    null,
    or_,
    select,
)

from kluis.consent.audience_index import ADDRESS_BITS
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
from kluis.consent.tables import FACT_COLUMNS, AudiencePerson, Fact, PermissionRow
from kluis.contacts.tables import people

Cell = tuple[str, bool, str | None, bool, bool, bool]
"""What ``may_contact`` reads of a person for one commercial (channel, topic), in the few values
it tells apart: the flag (``restricted``, ``objected`` or ``""``); whether a customer; the state
for the (channel, topic): ``withdrawn``, ``live`` (granted, not past its re-confirm-by date),
``lapsed`` (expired, or past that date) or None (nothing recorded); whether the person holds the
consent's purpose, and the soft opt-in's; whether they have an address on the channel."""

_NOBODY_ELSE: Cell = ("", False, None, False, False, False)
"""The cell of everyone not counted from an index: no customer, no flag, nothing kept."""

_PEOPLE = AudiencePerson.__table__
_PERMISSIONS = PermissionRow.__table__


def _reach_bit(channel: str) -> int:
    """The ``Fact`` bit of the channel's address."""
    return int(ADDRESS_BITS[CHANNEL_FIELDS[Channel(channel)]])


_CUSTOMER, _RESTRICTED, _OBJECTED = int(Fact.CUSTOMER), int(Fact.RESTRICTED), int(Fact.OBJECTED)


def _cell(bits: int, purposes: str, state: str | None, reach: int, grounds: Grounds) -> Cell:
    """The cell of a person with these facts (``FACT_COLUMNS``) and ``state``."""
    held = purposes.split()
    flag = "restricted" if bits & _RESTRICTED else "objected" if bits & _OBJECTED else ""
    return (
        flag,
        bool(bits & _CUSTOMER),
        state,
        grounds.consent in held,
        grounds.soft_opt_in in held,
        bool(bits & reach),
    )


def kept_state_query(channel: str, topic_key: str, now: datetime) -> Any:
    """Those with kept state for (channel, topic), by facts and status, with how many of the
    granted are past their re-confirm-by date at ``now``: the range of
    ``ix_permissions_audience``, grouped in its order."""
    facts = [_PERMISSIONS.c[name] for name in FACT_COLUMNS]
    lapsed = case((_PERMISSIONS.c.reconfirm_by <= now, 1), else_=0)
    return (
        select(*facts, _PERMISSIONS.c.status, func.count(), func.sum(lapsed))
        .where(_PERMISSIONS.c.channel == channel, _PERMISSIONS.c.topic == topic_key)
        .group_by(*facts, _PERMISSIONS.c.status)
    )


def people_query() -> Any:
    """Customers, and restricted or objecting others, by facts: one range of
    ``ix_audience_people_facts``, grouped in its order."""
    facts = [_PEOPLE.c[name] for name in FACT_COLUMNS]
    return (
        select(*facts, func.count()).where(_PEOPLE.c.facts >= int(Fact.OBJECTED)).group_by(*facts)
    )


def audience_cells(
    conn: Connection, channel: str, topic_key: str, now: datetime, grounds: Grounds
) -> Counter[Cell]:
    """How many people are in each cell. Erased people are gone and in no cell."""
    reach = _reach_bit(channel)
    cells: Counter[Cell] = Counter()
    kept: Counter[tuple[int, str]] = Counter()
    for bits, purposes, status, n, lapsed in conn.execute(
        kept_state_query(channel, topic_key, now)
    ):
        n, lapsed = int(n), int(lapsed or 0)
        kept[(bits, purposes)] += n
        if status == Status.WITHDRAWN.value:
            cells[_cell(bits, purposes, "withdrawn", reach, grounds)] += n
        elif status == Status.GRANTED.value:
            cells[_cell(bits, purposes, "live", reach, grounds)] += n - lapsed
            cells[_cell(bits, purposes, "lapsed", reach, grounds)] += lapsed
        else:
            cells[_cell(bits, purposes, "lapsed", reach, grounds)] += n
    without: Counter[tuple[int, str]] = Counter()
    for bits, purposes, n in conn.execute(people_query()):
        without[(bits, purposes)] += int(n)
    for (bits, purposes), n in kept.items():
        if bits >= _OBJECTED:  # a customer or flagged: in ``without`` as well
            without[(bits, purposes)] -= n
    total = int(conn.execute(select(func.count()).select_from(people)).scalar_one())
    rest = total - sum(kept.values()) - sum(without.values())
    if rest < 0 or any(n < 0 for n in without.values()):
        raise RuntimeError("the audience index is out of step with the people it copies")
    for (bits, purposes), n in without.items():
        cells[_cell(bits, purposes, None, reach, grounds)] += n
    cells[_NOBODY_ELSE] += rest
    return +cells


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


def _state_column(perm: Any, now: datetime) -> Any:
    """A person's state in a ``Cell`` (``live`` as ``rules.live`` says it, at ``now``)."""
    return case(
        (perm.c.status.is_(None), null()),
        (perm.c.status == Status.WITHDRAWN.value, literal("withdrawn")),
        (
            and_(
                perm.c.status == Status.GRANTED.value,
                or_(perm.c.reconfirm_by.is_(None), perm.c.reconfirm_by > now),
            ),
            literal("live"),
        ),
        else_=literal("lapsed"),
    )


def stream_query(channel: str, topic_key: str, now: datetime, batch: int) -> Any:
    """The next ``batch`` people after the parameter ``after`` (by id) with their facts and
    their state for (channel, topic) at ``now``: ``audience_people`` in key order, the state
    found by its key."""
    perm = _PERMISSIONS.alias("perm")
    return (
        select(
            _PEOPLE.c.person_id,
            *(_PEOPLE.c[name] for name in FACT_COLUMNS),
            _state_column(perm, now),
            perm.c.event_id,
        )
        .select_from(
            _PEOPLE.outerjoin(
                perm,
                and_(
                    perm.c.person_id == _PEOPLE.c.person_id,
                    perm.c.channel == channel,
                    perm.c.topic == topic_key,
                ),
            )
        )
        .where(_PEOPLE.c.person_id > bindparam("after"))
        .order_by(_PEOPLE.c.person_id)
        .limit(batch)
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
    ``cell_decision`` the counts use (once per cell: the decision of a cell is the same for
    everyone in it but for the evidence, the consent event of the person), so the stream and
    the counts cannot disagree. Each page is read in a short transaction of its own, so a
    consumer can write between pages (on SQLite a reader holding a transaction open would keep
    every writer waiting)."""
    reach = _reach_bit(channel)
    decided: dict[tuple[int, str, str | None], Decision] = {}
    query, after = stream_query(channel, topic_key, now, batch), ""
    while True:
        with engine.connect() as conn:
            rows = conn.execute(query, {"after": after}).all()
        if not rows:
            return
        allowed: list[tuple[str, Decision]] = []
        for row in rows:
            facts = (row[1], row[2], row[3])
            decision = decided.get(facts)
            if decision is None:
                cell = _cell(*facts, reach, grounds)
                decision = decided[facts] = cell_decision(cell, channel, now, soft_opt_in, grounds)
            if decision.allowed:
                if decision.evidence_event_id is not None:
                    decision = replace(decision, evidence_event_id=row[4])
                allowed.append((str(row[0]), decision))
        if allowed:
            yield allowed
        after = rows[-1][0]
