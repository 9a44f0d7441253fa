"""Deals through their services on both backends: moves, history, board, forecast, audit."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from conftest import ADMIN, MARKETING, NOW, SALES
from deal_helpers import add_deal, pipeline
from kluis.audit.tables import AuditRow
from kluis.deals import catalogue, rules, service
from kluis.deals.repository import Filters
from kluis.errors import InvalidField, PermissionDenied
from kluis.runtime import Kluis


def actions(kluis: Kluis) -> list[str]:
    with kluis.engine.connect() as conn:
        return list(conn.execute(select(AuditRow.action).order_by(AuditRow.seq)).scalars())


def test_the_default_pipeline_is_created_once(kluis: Kluis) -> None:
    assert catalogue.load_default_pipeline(kluis.engine, NOW)
    assert not catalogue.load_default_pipeline(kluis.engine, NOW)
    (found,) = catalogue.list_pipelines(kluis.engine)
    assert found.pipeline.name("nl") == "Verkoop"
    assert [s.key for s in found.stages] == [
        "lead", "qualified", "proposal", "negotiation", "won", "lost",
    ]  # fmt: skip
    assert "pipeline.created" in actions(kluis)


def test_a_deal_moves_through_the_stages_with_its_history(kluis: Kluis) -> None:
    pipeline(kluis, NOW)
    deal_id = add_deal(kluis, NOW, expected_close="2026-04-30")
    view = service.get_deal(kluis, SALES, deal_id)
    assert (view.stage.key, view.deal.probability, view.deal.value) == (
        "lead", 10, Decimal("1250.50"),
    )  # fmt: skip
    service.move_deal(kluis, SALES, deal_id, "proposal", NOW + timedelta(days=1))
    with pytest.raises(InvalidField, match="why"):
        service.close_deal(kluis, SALES, deal_id, rules.StageKind.LOST, NOW)
    lost = service.close_deal(
        kluis, SALES, deal_id, rules.StageKind.LOST, NOW + timedelta(days=2), lost_reason="price"
    )
    assert lost.deal.lost_at == NOW + timedelta(days=2)
    assert lost.deal.lost_reason == "price"
    won = service.close_deal(kluis, SALES, deal_id, rules.StageKind.WON, NOW + timedelta(days=3))
    assert won.deal.won_at is not None
    assert won.deal.lost_at is None
    assert won.deal.lost_reason is None
    assert won.deal.probability == 100
    moves = [
        (c.from_stage and c.from_stage.key, c.to_stage and c.to_stage.key)
        for c in service.history(kluis, SALES, deal_id)
    ]
    assert moves == [(None, "lead"), ("lead", "proposal"), ("proposal", "lost"), ("lost", "won")]
    assert actions(kluis).count("deal.moved") == 3


def test_roles(kluis: Kluis) -> None:
    pipeline(kluis, NOW)
    with pytest.raises(PermissionDenied):
        add_deal(kluis, NOW, actor=MARKETING)
    deal_id = add_deal(kluis, NOW)
    with pytest.raises(PermissionDenied):
        service.get_deal(kluis, MARKETING, deal_id)
    with pytest.raises(PermissionDenied):
        catalogue.change_pipeline(kluis.engine, SALES, 1, NOW, name_en="X")


def test_bad_values_are_refused(kluis: Kluis) -> None:
    pipeline(kluis, NOW)
    for values in (
        {"title": ""},
        {"title": "x", "value": "-3"},
        {"title": "x", "currency": "EU"},
        {"title": "x", "owner_id": 999},
        {"title": "x", "company_id": 999},
    ):
        with pytest.raises(InvalidField):
            service.create_deal(kluis, SALES, values, NOW)


def test_board_and_forecast(kluis: Kluis) -> None:
    pipeline_id = pipeline(kluis, NOW)
    add_deal(kluis, NOW, 1, value="1000", expected_close=date(2026, 4, 2))
    add_deal(kluis, NOW, 2, value="0.10", expected_close=date(2026, 4, 20), stage="proposal")
    add_deal(kluis, NOW, 3, value="500", currency="USD", stage="negotiation")
    add_deal(kluis, NOW, 4, value="200", stage="lost", lost_reason="timing")
    add_deal(kluis, NOW, 5, value="300", stage="won")
    board = service.board(kluis, SALES, pipeline_id)
    by_key = {c.stage.key: c for c in board.columns}
    assert by_key["lead"].count == 1
    assert by_key["lead"].totals == {"EUR": Decimal("1000.00")}
    assert by_key["negotiation"].totals == {"USD": Decimal("500.00")}
    assert len(board.cards[by_key["proposal"].stage.id]) == 1
    found = service.forecast(kluis, SALES, pipeline_id)
    april = found.forecast.months["2026-04"]
    assert april.count == 2
    assert april.weighted == {"EUR": Decimal("100.05")}
    assert found.forecast.months[rules.NO_DATE].weighted == {"USD": Decimal("375.00")}
    (month,) = found.outcomes
    assert found.outcomes[month].reasons == {"timing": 1}
    assert found.outcomes[month].won.value == {"EUR": Decimal("300.00")}


def test_list_filters(kluis: Kluis) -> None:
    pipeline(kluis, NOW)
    add_deal(kluis, NOW, 1, value="1000", expected_close=date(2026, 4, 2))
    add_deal(kluis, NOW, 2, value="50", expected_close=date(2026, 5, 2))
    start, end = rules.month_bounds("2026-04")
    rows, total = service.list_deals(kluis, SALES, Filters(close_from=start, close_before=end))
    assert total == 1
    assert rows[0].title == "Bakery ovens 1"
    rows, total = service.list_deals(kluis, SALES, Filters(max_value=Decimal("100")))
    assert [r.title for r in rows] == ["Bakery ovens 2"]


def test_an_admin_edits_the_pipeline(kluis: Kluis) -> None:
    pipeline_id = pipeline(kluis, NOW)
    view = catalogue.get_pipeline(kluis.engine, pipeline_id)
    wanted = [
        (
            s.id,
            rules.StageSpec(
                s.key, s.name_en, s.name_nl, 20 if s.key == "lead" else s.probability, s.kind
            ),
        )
        for s in view.stages
    ]
    wanted.insert(1, (None, rules.StageSpec("demo", "Demo", "Demo", 30)))
    changed = catalogue.change_pipeline(
        kluis.engine, ADMIN, pipeline_id, NOW, name_nl="Verkoop NL", stages=wanted
    )
    assert [s.key for s in changed.stages][:3] == ["lead", "demo", "qualified"]
    assert changed.stages[0].probability == 20
    assert changed.pipeline.name_nl == "Verkoop NL"
    deal_id = add_deal(kluis, NOW, stage="won")
    won = next(s for s in changed.stages if s.kind is rules.StageKind.WON)
    flipped = [
        (s.id, rules.StageSpec(s.key, s.name_en, s.name_nl, s.probability, s.kind))
        for s in changed.stages
    ]
    flipped[[i for i, _ in flipped].index(won.id)] = (won.id, rules.StageSpec("won", "W", "W", 50))
    with pytest.raises(InvalidField):
        catalogue.change_pipeline(kluis.engine, ADMIN, pipeline_id, NOW, stages=flipped)
    assert service.get_deal(kluis, SALES, deal_id).stage.kind is rules.StageKind.WON


def test_the_board_shows_each_stages_first_cards_in_close_order(kluis: Kluis) -> None:
    """One statement reads every column's first cards: the dated ones soonest first, then the
    undated ones, cut at ``per_stage``; the API's board has the same deals, whole."""
    pipeline_id = pipeline(kluis, NOW)
    closes = [date(2026, 5, 3), None, date(2026, 4, 9), date(2026, 6, 1), None]
    ids = [add_deal(kluis, NOW, n, expected_close=c) for n, c in enumerate(closes)]
    proposal = add_deal(kluis, NOW, 9, stage="proposal")
    for per_stage, expected in (
        (3, [ids[2], ids[0], ids[3]]),
        (4, [ids[2], ids[0], ids[3], ids[1]]),
    ):
        board = service.board(kluis, SALES, pipeline_id, per_stage=per_stage)
        by_key = {c.stage.key: c.stage.id for c in board.columns}
        assert [card.id for card in board.cards[by_key["lead"]]] == expected
        assert [card.id for card in board.cards[by_key["proposal"]]] == [proposal]
        assert board.cards[by_key["won"]] == []
        whole = service.board_deals(kluis, SALES, pipeline_id, per_stage=per_stage)
        assert [d.id for d in whole.cards[by_key["lead"]]] == expected
    assert len(service.board(kluis, SALES, pipeline_id, per_stage=9).cards[by_key["lead"]]) == 5
