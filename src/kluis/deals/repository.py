"""The sales pipeline's SQL (Core), on the caller's connection; no transaction or audit here.

Sums of money are taken in integer cents (``ROUND(value * 100)`` cast to an integer): on
PostgreSQL ``NUMERIC`` is exact anyway, on SQLite it is stored as a REAL exact to the cent for
the amounts a deal holds, and a sum of integers stays exact where a sum of REALs would drift.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    Select,
    Table,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    union_all,
    update,
)

from kluis.auth.tables import User
from kluis.contacts.tables import Company
from kluis.deals import rules
from kluis.deals.tables import Deal, DealPerson, DealStage, DealStageChange, Pipeline


def cast_table(table: Any) -> Table:
    assert isinstance(table, Table)
    return table


D = cast_table(Deal.__table__)
S = cast_table(DealStage.__table__)
P = cast_table(Pipeline.__table__)
L = cast_table(DealPerson.__table__)
H = cast_table(DealStageChange.__table__)


@dataclass(frozen=True)
class PipelineRow:
    id: int
    key: str
    name_en: str
    name_nl: str

    def name(self, language: str) -> str:
        return self.name_nl if language == "nl" else self.name_en


@dataclass(frozen=True)
class DealRow:
    """A deal as stored, with its company's name. The owner is an id: the pages name them
    through ``auth.colleagues``, by address for admins only."""

    id: int
    pipeline_id: int
    stage_id: int
    title: str
    company_id: int | None
    company: str | None
    value: Decimal
    currency: str
    expected_close: date | None
    owner_id: int | None
    probability: int
    source: str | None
    lost_reason: str | None
    purpose_key: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    won_at: datetime | None
    lost_at: datetime | None

    @property
    def weighted(self) -> Decimal:
        return rules.weighted(self.value, self.probability)

    @property
    def is_open(self) -> bool:
        return self.won_at is None and self.lost_at is None


@dataclass(frozen=True)
class Filters:
    """What the list of deals is narrowed to; ``None`` is "any"."""

    pipeline_id: int | None = None
    owner_id: int | None = None
    stage_id: int | None = None
    close_from: date | None = None
    close_before: date | None = None
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    open_only: bool = False


def cents_of(column: Any) -> ColumnElement[int]:
    return cast(func.round(column * 100), BigInteger)


def insert_pipeline(conn: Connection, key: str, name_en: str, name_nl: str, now: datetime) -> int:
    found = conn.execute(
        insert(P)
        .values(key=key, name_en=name_en, name_nl=name_nl, created_at=now)
        .returning(P.c.id)
    )
    return int(found.scalar_one())


def insert_stage(conn: Connection, pipeline_id: int, spec: rules.StageSpec, position: int) -> int:
    found = conn.execute(
        insert(S)
        .values(
            pipeline_id=pipeline_id,
            key=spec.key,
            name_en=spec.name_en,
            name_nl=spec.name_nl,
            position=position,
            probability=spec.probability,
            kind=spec.kind.value,
        )
        .returning(S.c.id)
    )
    return int(found.scalar_one())


def update_stage(conn: Connection, stage_id: int, values: Mapping[str, Any]) -> None:
    conn.execute(update(S).where(S.c.id == stage_id).values(**values))


def update_pipeline(conn: Connection, pipeline_id: int, values: Mapping[str, Any]) -> None:
    conn.execute(update(P).where(P.c.id == pipeline_id).values(**values))


def pipelines(conn: Connection) -> list[PipelineRow]:
    rows = conn.execute(select(P.c.id, P.c.key, P.c.name_en, P.c.name_nl).order_by(P.c.id))
    return [PipelineRow(*row) for row in rows]


def pipeline(conn: Connection, pipeline_id: int) -> PipelineRow | None:
    row = conn.execute(
        select(P.c.id, P.c.key, P.c.name_en, P.c.name_nl).where(P.c.id == pipeline_id)
    ).first()
    return None if row is None else PipelineRow(*row)


def _stage(row: Any) -> rules.Stage:
    return rules.Stage(
        id=row.id,
        pipeline_id=row.pipeline_id,
        key=row.key,
        name_en=row.name_en,
        name_nl=row.name_nl,
        position=row.position,
        probability=row.probability,
        kind=rules.StageKind(row.kind),
    )


def stages(conn: Connection, pipeline_id: int | None = None) -> list[rules.Stage]:
    query = select(S).order_by(S.c.pipeline_id, S.c.position, S.c.id)
    if pipeline_id is not None:
        query = query.where(S.c.pipeline_id == pipeline_id)
    return [_stage(row) for row in conn.execute(query)]


def stage(conn: Connection, stage_id: int) -> rules.Stage | None:
    row = conn.execute(select(S).where(S.c.id == stage_id)).first()
    return None if row is None else _stage(row)


def insert_deal(conn: Connection, values: Mapping[str, Any]) -> int:
    return int(conn.execute(insert(D).values(**values).returning(D.c.id)).scalar_one())


def update_deal(conn: Connection, deal_id: int, values: Mapping[str, Any]) -> None:
    conn.execute(update(D).where(D.c.id == deal_id).values(**values))


def _deal_select() -> Select[Any]:
    return select(
        D.c.id,
        D.c.pipeline_id,
        D.c.stage_id,
        D.c.title,
        D.c.company_id,
        Company.name.label("company"),
        D.c.value,
        D.c.currency,
        D.c.expected_close,
        D.c.owner_id,
        D.c.probability,
        D.c.source,
        D.c.lost_reason,
        D.c.purpose_key,
        D.c.created_by,
        D.c.created_at,
        D.c.updated_at,
        D.c.won_at,
        D.c.lost_at,
    ).select_from(D.outerjoin(Company.__table__, Company.id == D.c.company_id))


def deal(conn: Connection, deal_id: int) -> DealRow | None:
    row = conn.execute(_deal_select().where(D.c.id == deal_id)).first()
    return None if row is None else DealRow(*row)


def _where(filters: Filters) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if filters.pipeline_id is not None:
        found.append(D.c.pipeline_id == filters.pipeline_id)
    if filters.owner_id is not None:
        found.append(D.c.owner_id == filters.owner_id)
    if filters.stage_id is not None:
        found.append(D.c.stage_id == filters.stage_id)
    if filters.close_from is not None:
        found.append(D.c.expected_close >= filters.close_from)
    if filters.close_before is not None:
        found.append(D.c.expected_close < filters.close_before)
    if filters.min_value is not None:
        found.append(D.c.value >= filters.min_value)
    if filters.max_value is not None:
        found.append(D.c.value <= filters.max_value)
    if filters.open_only:
        found.append(and_(D.c.won_at.is_(None), D.c.lost_at.is_(None)))
    return found


def list_deals(
    conn: Connection, filters: Filters, limit: int, offset: int
) -> tuple[list[DealRow], int]:
    where = _where(filters)
    total = conn.execute(select(func.count()).select_from(D).where(*where)).scalar_one()
    rows = conn.execute(
        _deal_select()
        .where(*where)
        .order_by(D.c.expected_close.is_(None), D.c.expected_close, D.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [DealRow(*row) for row in rows], int(total)


def stream_deals(conn: Connection, filters: Filters, page: int = 1000) -> Iterator[list[DealRow]]:
    """Every deal the filters keep, a page at a time in id order (the CSV export)."""
    after = 0
    while True:
        rows = conn.execute(
            _deal_select().where(*_where(filters), D.c.id > after).order_by(D.c.id).limit(page)
        ).all()
        if not rows:
            return
        yield [DealRow(*row) for row in rows]
        after = rows[-1].id


@dataclass(frozen=True)
class Card:
    """What a card on the board shows of a deal, and no more: the page reads 150 of them."""

    id: int
    stage_id: int
    title: str
    company: str | None
    value: Decimal
    currency: str
    expected_close: date | None


def _card_select() -> Select[Any]:
    return select(
        D.c.id, D.c.stage_id, D.c.title, Company.name.label("company"), D.c.value, D.c.currency,
        D.c.expected_close,
    ).select_from(D.outerjoin(Company.__table__, Company.id == D.c.company_id))  # fmt: skip


def board_cards(conn: Connection, stage_ids: Sequence[int], limit: int) -> dict[int, list[Card]]:
    """The first ``limit`` cards of each stage, soonest expected close first (undated last)."""
    return _firsts(conn, _card_select, Card, stage_ids, limit)


def board_deals(conn: Connection, stage_ids: Sequence[int], limit: int) -> dict[int, list[DealRow]]:
    """The first ``limit`` deals of each stage, whole (the API's board)."""
    return _firsts(conn, _deal_select, DealRow, stage_ids, limit)


Row = TypeVar("Row", Card, DealRow)


def _firsts(
    conn: Connection,
    columns: Callable[[], Select[Any]],
    make: Callable[..., Row],
    stage_ids: Sequence[int],
    limit: int,
) -> dict[int, list[Row]]:
    """The first ``limit`` rows of each stage in close order, in one statement: per stage a
    range of ``ix_deals_stage_close`` cut at ``limit`` (an ORDER BY on ``expected_close IS
    NULL`` would sort the whole stage), joined as ``UNION ALL``. Only a stage with fewer dated
    deals than ``limit`` is read again, for its undated ones."""
    found: dict[int, list[Row]] = {s: [] for s in stage_ids}
    if not stage_ids or limit <= 0:
        return found
    dated = _firsts_sql(columns, len(stage_ids), dated=True)
    for row in conn.execute(dated, _limits(dict.fromkeys(stage_ids, limit))):
        found[row.stage_id].append(make(*row))
    short = {s: limit - len(found[s]) for s in stage_ids if len(found[s]) < limit}
    if short:
        undated = _firsts_sql(columns, len(short), dated=False)
        for row in conn.execute(undated, _limits(short)):
            found[row.stage_id].append(make(*row))
    for rows in found.values():  # UNION ALL promises no order between or within its parts
        rows.sort(key=_card_order)
    return found


def _card_order(card: Card | DealRow) -> tuple[bool, date, int]:
    return (card.expected_close is None, card.expected_close or date.min, card.id)


def _limits(limits: Mapping[int, int]) -> dict[str, int]:
    params: dict[str, int] = {}
    for n, (stage_id, limit) in enumerate(limits.items()):
        params[f"s{n}"] = stage_id
        params[f"n{n}"] = limit
    return params


def _firsts_sql(columns: Callable[[], Select[Any]], stages: int, *, dated: bool) -> Any:
    parts = []
    for n in range(stages):
        one = columns().where(D.c.stage_id == bindparam(f"s{n}"))
        if dated:
            one = one.where(D.c.expected_close.is_not(None)).order_by(D.c.expected_close, D.c.id)
        else:
            one = one.where(D.c.expected_close.is_(None)).order_by(D.c.id)
        parts.append(select(one.limit(bindparam(f"n{n}", type_=Integer)).subquery()))
    return parts[0] if stages == 1 else union_all(*parts)


def insert_change(
    conn: Connection, deal_id: int, from_stage: int | None, to_stage: int, actor: str, now: datetime
) -> None:
    conn.execute(
        insert(H).values(
            deal_id=deal_id, from_stage_id=from_stage, to_stage_id=to_stage, actor=actor, at=now
        )
    )


def changes(conn: Connection, deal_id: int) -> list[Any]:
    return list(
        conn.execute(
            select(H.c.from_stage_id, H.c.to_stage_id, H.c.actor, H.c.at)
            .where(H.c.deal_id == deal_id)
            .order_by(H.c.at, H.c.id)
        )
    )


def link(
    conn: Connection, deal_id: int, person_id: str, purpose_key: str, role: str, now: datetime
) -> None:
    conn.execute(
        insert(L).values(
            deal_id=deal_id, person_id=person_id, purpose_key=purpose_key, role=role, linked_at=now
        )
    )


def unlink(conn: Connection, deal_id: int, person_id: str) -> int:
    return conn.execute(
        delete(L).where(L.c.deal_id == deal_id, L.c.person_id == person_id)
    ).rowcount


def people_on(conn: Connection, deal_ids: Sequence[int]) -> dict[int, list[tuple[str, str, str]]]:
    """Per deal, its (person id, purpose key, role) links, in the order they were made."""
    found: dict[int, list[tuple[str, str, str]]] = {d: [] for d in deal_ids}
    for start in range(0, len(deal_ids), 500):
        chunk = list(deal_ids[start : start + 500])
        rows = conn.execute(
            select(L.c.deal_id, L.c.person_id, L.c.purpose_key, L.c.role)
            .where(L.c.deal_id.in_(chunk))
            .order_by(L.c.linked_at, L.c.person_id)
        )
        for deal_id, person_id, purpose_key, role in rows:
            found[deal_id].append((person_id, purpose_key, role))
    return found


def deals_of_person(conn: Connection, person_id: str) -> list[tuple[DealRow, str, str]]:
    """Every deal the person is linked to, with the purpose and role of the link."""
    rows = conn.execute(
        _deal_select()
        .add_columns(L.c.purpose_key.label("link_purpose"), L.c.role)
        .join(L, L.c.deal_id == D.c.id)
        .where(L.c.person_id == person_id)
        .order_by(D.c.id)
    )
    return [(DealRow(*row[:-2]), row[-2], row[-1]) for row in rows]


def open_deals_of_owner(conn: Connection, owner_id: int, limit: int) -> list[DealRow]:
    rows = conn.execute(
        _deal_select()
        .where(D.c.owner_id == owner_id, D.c.won_at.is_(None), D.c.lost_at.is_(None))
        .order_by(D.c.expected_close.is_(None), D.c.expected_close, D.c.id)
        .limit(limit)
    )
    return [DealRow(*row) for row in rows]


def users(conn: Connection) -> list[tuple[int, str]]:
    """Staff users who may own a deal, (id, sign-in address)."""
    return [
        (int(i), str(e)) for i, e in conn.execute(select(User.id, User.email).order_by(User.email))
    ]


def company_exists(conn: Connection, company_id: int) -> bool:
    return conn.execute(select(Company.id).where(Company.id == company_id)).first() is not None
