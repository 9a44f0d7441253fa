"""The grouped reads of the sales pipeline: a board's count and total per stage, and the
forecast's sums of the open, won and lost deals. Core SQL on the caller's connection, read from
covering indexes (``ix_deals_board``, ``ix_deals_forecast``); sums in integer cents (see
``repository``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from kluis.deals import rules
from kluis.deals.repository import D, cents_of


def month(conn: Connection, column: Any) -> ColumnElement[str]:
    """``YYYY-MM`` of a date or time column, in the backend's own words."""
    if conn.dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def board_sums(conn: Connection, pipeline_id: int) -> list[tuple[int, str, int, int]]:
    """(stage id, currency, count, cents) of every deal of the pipeline."""
    rows = conn.execute(
        select(D.c.stage_id, D.c.currency, func.count(), func.sum(cents_of(D.c.value)))
        .where(D.c.pipeline_id == pipeline_id)
        .group_by(D.c.stage_id, D.c.currency)
    )
    return [(int(s), str(c), int(n), int(v or 0)) for s, c, n, v in rows]


def open_groups(conn: Connection, pipeline_id: int | None) -> list[rules.OpenGroup]:
    """Open deals summed per month of expected close, owner and currency. The store groups by
    the close date itself, walking ``ix_deals_forecast`` in its order (no sort, no date
    function per row); the days are folded into months here."""
    cents = cents_of(D.c.value)
    query = (
        select(
            D.c.expected_close,
            D.c.owner_id,
            D.c.currency,
            func.count(),
            func.sum(cents),
            func.sum(cents * D.c.probability),
        )
        .where(D.c.won_at.is_(None), D.c.lost_at.is_(None))
        .group_by(D.c.expected_close, D.c.owner_id, D.c.currency)
    )
    if pipeline_id is not None:
        query = query.where(D.c.pipeline_id == pipeline_id)
    return [
        rules.OpenGroup(rules.month_of(day), o, c, int(n), int(v or 0), int(w or 0))
        for day, o, c, n, v, w in conn.execute(query)
    ]


def closed_groups(conn: Connection, pipeline_id: int | None) -> list[rules.ClosedGroup]:
    """Won and lost deals summed per month of closing, currency and lost reason."""
    found: list[rules.ClosedGroup] = []
    for kind, at in ((rules.StageKind.WON, D.c.won_at), (rules.StageKind.LOST, D.c.lost_at)):
        closed = month(conn, at).label("month")
        query = (
            select(
                closed, D.c.lost_reason, D.c.currency, func.count(), func.sum(cents_of(D.c.value))
            )
            .where(at.is_not(None))
            .group_by(closed, D.c.lost_reason, D.c.currency)
        )
        if pipeline_id is not None:
            query = query.where(D.c.pipeline_id == pipeline_id)
        found.extend(
            rules.ClosedGroup(
                m, kind, r if kind is rules.StageKind.LOST else None, c, int(n), int(v or 0)
            )
            for m, r, c, n, v in conn.execute(query)
        )
    return found
