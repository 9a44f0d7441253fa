"""The pipeline's pure rules: money, stages, moves, the forecast's folds."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from conftest import examples
from kluis.deals import rules
from kluis.deals.rules import StageKind, StageSpec
from kluis.errors import InvalidField

CI = examples(100)


def stage(n: int, kind: StageKind = StageKind.OPEN, probability: int = 50, pipeline: int = 1):
    return rules.Stage(n, pipeline, f"s{n}", f"S{n}", f"S{n}", n, probability, kind)


@pytest.mark.parametrize(
    ("text", "amount"),
    [("1250", "1250.00"), ("1250,5", "1250.50"), (" 0.01 ", "0.01"), ("999999999999.99", None)],
)
def test_amounts_are_read_as_decimals(text: str, amount: str | None) -> None:
    assert rules.parse_amount(text) == Decimal(amount or text)


@pytest.mark.parametrize(
    "text", ["", "-1", "1.234", "1,000.00", "1e3", "NaN", "1000000000000", "12.3.4"]
)
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(InvalidField):
        rules.parse_amount(text)


def test_a_float_is_refused() -> None:
    with pytest.raises(InvalidField, match="never a float"):
        rules.parse_amount(12.5)  # type: ignore[arg-type]


def test_currencies_are_iso_4217() -> None:
    assert rules.check_currency("eur") == "EUR"
    assert rules.check_currency("GBP") == "GBP"
    with pytest.raises(InvalidField):
        rules.check_currency("EU")
    with pytest.raises(InvalidField):
        rules.check_currency("XYZ")


def test_the_default_stages_are_a_valid_pipeline() -> None:
    rules.check_stages(list(rules.DEFAULT_STAGES))
    assert [s.key for s in rules.DEFAULT_STAGES] == [
        "lead", "qualified", "proposal", "negotiation", "won", "lost",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "stages",
    [
        [StageSpec("a", "A", "A", 10), StageSpec("w", "W", "W", 100, StageKind.WON)],
        [
            StageSpec("a", "A", "A", 10),
            StageSpec("a", "B", "B", 10),
            StageSpec("w", "W", "W", 100, StageKind.WON),
            StageSpec("l", "L", "L", 0, StageKind.LOST),
        ],
        [
            StageSpec("a", "A", "A", 10),
            StageSpec("w", "W", "W", 90, StageKind.WON),
            StageSpec("l", "L", "L", 0, StageKind.LOST),
        ],
        [
            StageSpec("a", "A", "A", 101),
            StageSpec("w", "W", "W", 100, StageKind.WON),
            StageSpec("l", "L", "L", 0, StageKind.LOST),
        ],
        [
            StageSpec("A", "A", "A", 10),
            StageSpec("w", "W", "W", 100, StageKind.WON),
            StageSpec("l", "L", "L", 0, StageKind.LOST),
        ],
        [
            StageSpec("a", "", "A", 10),
            StageSpec("w", "W", "W", 100, StageKind.WON),
            StageSpec("l", "L", "L", 0, StageKind.LOST),
        ],
    ],
)
def test_bad_pipelines_are_refused(stages: list[StageSpec]) -> None:
    with pytest.raises(InvalidField):
        rules.check_stages(stages)


def test_a_move_takes_the_stage_probability() -> None:
    moved = rules.move(stage(1, probability=10), stage(2, probability=60), None)
    assert moved == rules.Move(60, won=False, lost=False, lost_reason=None)


def test_a_lost_deal_needs_a_reason_and_others_keep_none() -> None:
    with pytest.raises(InvalidField, match="why"):
        rules.move(stage(1), stage(9, StageKind.LOST, 0), "  ")
    lost = rules.move(stage(1), stage(9, StageKind.LOST, 0), "  too   expensive ")
    assert lost.lost
    assert lost.lost_reason == "too expensive"
    assert lost.probability == 0
    won = rules.move(stage(1), stage(8, StageKind.WON, 100), "ignored")
    assert won.won
    assert won.lost_reason is None
    assert won.probability == 100


def test_a_deal_stays_in_its_pipeline() -> None:
    with pytest.raises(InvalidField, match="own pipeline"):
        rules.move(stage(1), stage(2, pipeline=2), None)


def test_months() -> None:
    assert rules.month_of(date(2026, 3, 14)) == "2026-03"
    assert rules.month_of(None) == rules.NO_DATE
    assert rules.month_bounds("2026-12") == (date(2026, 12, 1), date(2027, 1, 1))
    for bad in ("2026-13", "2026-3", "march"):
        with pytest.raises(InvalidField):
            rules.month_bounds(bad)


amounts = st.decimals(min_value=0, max_value=rules.MAX_AMOUNT, places=2)


@hsettings(max_examples=CI)
@given(amounts, st.integers(min_value=0, max_value=100))
def test_weighted_value_is_exact_to_the_cent(amount: Decimal, probability: int) -> None:
    found = rules.weighted(amount, probability)
    assert abs(found - amount * probability / 100) <= Decimal("0.005")
    assert found == found.quantize(rules.CENT)
    assert rules.from_cents(rules.cents(amount)) == amount


groups = st.builds(
    rules.OpenGroup,
    month=st.sampled_from(["2026-01", "2026-02", "2026-03", rules.NO_DATE]),
    owner_id=st.sampled_from([None, 1, 2]),
    currency=st.sampled_from(["EUR", "USD"]),
    count=st.integers(min_value=1, max_value=50),
    value_cents=st.integers(min_value=0, max_value=10**12),
    weighted_cent_percent=st.integers(min_value=0, max_value=10**14),
)


@hsettings(max_examples=CI)
@given(st.lists(groups, max_size=30))
def test_the_forecast_adds_up_per_month_owner_and_currency(found: list[rules.OpenGroup]) -> None:
    result = rules.forecast(found)
    assert result.total.count == sum(g.count for g in found)
    months = list(result.months)
    assert months == sorted(months, key=lambda m: (m == rules.NO_DATE, m))
    for month, bucket in result.months.items():
        owners = result.by_owner[month].values()
        assert bucket.count == sum(b.count for b in owners)
        for currency, weighted in bucket.weighted.items():
            assert weighted == sum(
                (b.weighted.get(currency, Decimal(0)) for b in owners), Decimal(0)
            )
    for currency in {g.currency for g in found}:
        value = sum(g.value_cents for g in found if g.currency == currency)
        assert result.total.value[currency] == rules.from_cents(value)


closed = st.builds(
    rules.ClosedGroup,
    month=st.sampled_from(["2026-01", "2026-02"]),
    kind=st.sampled_from([StageKind.WON, StageKind.LOST]),
    reason=st.sampled_from(["price", "timing", None]),
    currency=st.just("EUR"),
    count=st.integers(min_value=1, max_value=9),
    value_cents=st.integers(min_value=0, max_value=10**9),
)


@hsettings(max_examples=CI)
@given(st.lists(closed, max_size=30))
def test_won_and_lost_per_month_count_every_deal_and_reason(found: list[rules.ClosedGroup]) -> None:
    result = rules.outcomes(found)
    assert list(result) == sorted(result, reverse=True)
    for month, outcome in result.items():
        here = [g for g in found if g.month == month]
        won = sum(g.count for g in here if g.kind is StageKind.WON)
        lost = sum(g.count for g in here if g.kind is StageKind.LOST)
        assert (outcome.won.count, outcome.lost.count) == (won, lost)
        assert sum(outcome.reasons.values()) == lost
        assert list(outcome.reasons.values()) == sorted(outcome.reasons.values(), reverse=True)


def test_columns_follow_the_stage_order_and_sum_per_currency() -> None:
    stages = [stage(2), stage(1)]
    cols = rules.columns(stages, [(1, "EUR", 2, 150), (1, "USD", 1, 5), (2, "EUR", 1, 100)])
    assert [c.stage.id for c in cols] == [1, 2]
    assert cols[0].count == 3
    assert cols[0].totals == {"EUR": Decimal("1.50"), "USD": Decimal("0.05")}


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("Bakery ovens, 12 pieces", False),
        ("Price: 2 @ 300", False),
        ("Offer for jan@example.com", True),
        ("Contact: <info@bakkerij.example.nl>", True),
        ("Lost to Kluis & Co.", False),
    ],
)
def test_business_text_refuses_an_address(text: str, refused: bool) -> None:
    if refused:
        with pytest.raises(InvalidField, match="business data"):
            rules.check_business_text(text, "title")
    else:
        assert rules.check_business_text(text, "title") == text


def test_a_lost_reason_with_an_address_is_refused() -> None:
    lead = rules.Stage(1, 1, "lead", "Lead", "Lead", 0, 10, StageKind.OPEN)
    lost = rules.Stage(2, 1, "lost", "Lost", "Verloren", 1, 0, StageKind.LOST)
    with pytest.raises(InvalidField) as refused:
        rules.move(lead, lost, "went with piet@example.com's offer")
    assert refused.value.field == "lost_reason"
