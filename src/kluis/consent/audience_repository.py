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
from functools import lru_cache
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
    text,
)
from sqlalchemy.sql.elements import TextClause

from kluis.consent import audience_counts
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
from kluis.consent.tables import (
    FACT_COLUMNS,
    AudienceCount,
    AudiencePeopleCount,
    AudiencePerson,
    Fact,
    PermissionRow,
)
from kluis.contacts.tables import people
from kluis.db import UTCDateTime

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
_COUNTS = AudienceCount.__table__
_PEOPLE_COUNTS = AudiencePeopleCount.__table__


def _reach_bit(channel: str) -> int:
    """The ``Fact`` bit of the channel's address."""
    return int(ADDRESS_BITS[CHANNEL_FIELDS[Channel(channel)]])


_CUSTOMER, _RESTRICTED, _OBJECTED = int(Fact.CUSTOMER), int(Fact.RESTRICTED), int(Fact.OBJECTED)
_GRANTED, _WITHDRAWN = Status.GRANTED.value, Status.WITHDRAWN.value


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


_UNION_CHUNK = 200
"""Groups per ``UNION ALL`` (SQLite allows 500 terms in a compound select)."""


@lru_cache(maxsize=256)
def _month_query(groups: int) -> TextClause:
    """A ``UNION ALL`` of one count per group (numbered) of the grants of (channel, topic) whose
    re-confirm-by date is between ``since`` and ``now``: each a seek into
    ``ix_permissions_audience`` (channel, topic, facts, purposes, status, reconfirm_by). With the
    groups as an ``IN`` list or ``OR``, SQLite walks the whole (channel, topic) range instead.
    Text, kept per number of groups: building it as an expression cost more than running it."""
    sql = " UNION ALL ".join(
        f"SELECT {i}, count(*) FROM permissions WHERE channel = :channel AND topic = :topic"  # noqa: S608
        f" AND facts = :b{i} AND purposes = :p{i} AND status = '{Status.GRANTED.value}'"
        " AND reconfirm_by >= :since AND reconfirm_by <= :now"
        for i in range(groups)
    )
    return text(sql).bindparams(
        bindparam("since", type_=UTCDateTime()), bindparam("now", type_=UTCDateTime())
    )


def _lapsed_in_month(
    conn: Connection, channel: str, topic_key: str, now: datetime, groups: list[tuple[int, str]]
) -> Counter[tuple[int, str]]:
    """Of the grants kept under ``now``'s own re-confirm-by month, how many per facts and
    purposes are past their date at ``now`` (``_month_query``): a month of grants at most."""
    lapsed: Counter[tuple[int, str]] = Counter()
    values: dict[str, Any] = {
        "channel": channel,
        "topic": topic_key,
        "since": audience_counts.month_start(now),
        "now": now,
    }
    for start in range(0, len(groups), _UNION_CHUNK):
        chunk = groups[start : start + _UNION_CHUNK]
        for i, (bits, purposes) in enumerate(chunk):
            values[f"b{i}"], values[f"p{i}"] = bits, purposes
        for i, n in conn.execute(_month_query(len(chunk)), values):
            lapsed[chunk[int(i)]] += int(n)
    return lapsed


def kept_counts_query(channel: str, topic_key: str) -> Any:
    """The kept counts of (channel, topic): a range of ``audience_counts``' primary key."""
    return select(
        _COUNTS.c.facts, _COUNTS.c.purposes, _COUNTS.c.status, _COUNTS.c.lapse, _COUNTS.c.n
    ).where(_COUNTS.c.channel == channel, _COUNTS.c.topic == topic_key, _COUNTS.c.n != 0)


def people_counts_query() -> Any:
    """The kept counts of customers and restricted or objecting others."""
    return select(_PEOPLE_COUNTS.c.facts, _PEOPLE_COUNTS.c.purposes, _PEOPLE_COUNTS.c.n).where(
        _PEOPLE_COUNTS.c.n != 0
    )


def audience_cells(
    conn: Connection, channel: str, topic_key: str, now: datetime, grounds: Grounds
) -> Counter[Cell]:
    """How many people are in each cell, from the kept counts (``audience_counts``): a grant
    kept under a re-confirm-by month before ``now``'s is lapsed, one after it live, and those of
    ``now``'s own month are told apart at ``now`` from the index. Erased people are gone and in
    no cell. The same numbers as ``walked_cells``, from a few hundred rows."""
    reach = _reach_bit(channel)
    cells: Counter[Cell] = Counter()
    kept: Counter[tuple[int, str]] = Counter()
    month = audience_counts.month_of(now)
    this_month: Counter[tuple[int, str]] = Counter()
    known: dict[tuple[int, str, str], Cell] = {}

    def seen(bits: int, purposes: str, state: str) -> Cell:
        """``_cell`` once per group and state (a group is kept under many months)."""
        cell = known.get((bits, purposes, state))
        if cell is None:
            cell = known[(bits, purposes, state)] = _cell(bits, purposes, state, reach, grounds)
        return cell

    for bits, purposes, status, lapse, n in conn.execute(kept_counts_query(channel, topic_key)):
        bits, n = int(bits), int(n)
        kept[(bits, purposes)] += n
        if status == _WITHDRAWN:
            state = "withdrawn"
        elif status != _GRANTED or (lapse and lapse < month):
            state = "lapsed"
        elif lapse == month:
            this_month[(bits, purposes)] += n
            continue
        else:
            state = "live"
        cells[seen(bits, purposes, state)] += n
    lapsed = _lapsed_in_month(conn, channel, topic_key, now, sorted(this_month))
    for (bits, purposes), n in this_month.items():
        gone = lapsed[(bits, purposes)]
        cells[_cell(bits, purposes, "live", reach, grounds)] += n - gone
        cells[_cell(bits, purposes, "lapsed", reach, grounds)] += gone
    without: Counter[tuple[int, str]] = Counter()
    for bits, purposes, n in conn.execute(people_counts_query()):
        without[(int(bits), purposes)] += int(n)
    return _with_the_rest(conn, cells, kept, without, reach, grounds)


def walked_cells(
    conn: Connection, channel: str, topic_key: str, now: datetime, grounds: Grounds
) -> Counter[Cell]:
    """How many people are in each cell, walked from the audience indexes (what the kept counts
    of ``audience_cells`` must always equal; the tests and the benchmark hold them to it)."""
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
    return _with_the_rest(conn, cells, kept, without, reach, grounds)


def _with_the_rest(
    conn: Connection,
    cells: Counter[Cell],
    kept: Counter[tuple[int, str]],
    without: Counter[tuple[int, str]],
    reach: int,
    grounds: Grounds,
) -> Counter[Cell]:
    """``cells`` (those with kept state) with the customers and flagged people without it (less
    those ``kept`` counted) and everyone else: the number of people less all those."""
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
