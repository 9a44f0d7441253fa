"""Pure rules of the sales pipeline: stages and moves, probabilities, money, the forecast.

Money is ``Decimal`` with a currency (ISO 4217), never a float: a sum of floats drifts by cents,
and a forecast that does not add up to the board's totals is not trusted. Amounts have at most
two decimals and are summed in integer cents (the database does the same, ``repository``), so a
sum is exact whatever the backend. Amounts in different currencies are never added together:
every total is per currency.

A deal's weighted value is its value times its probability (0-100 %); the forecast sums the
weighted value of the open deals per month of expected close and per owner, and counts the won
and lost per month of closing, with the reasons deals were lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import StrEnum
from functools import cache

from babel.numbers import list_currencies

from kluis.errors import InvalidField

MAX_AMOUNT = Decimal("999999999999.99")
"""The largest value a deal holds (``NUMERIC(14, 2)``)."""
CENT = Decimal("0.01")
DEFAULT_CURRENCY = "EUR"
KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")
NO_DATE = ""
"""The forecast's month for open deals without an expected close date."""


@cache
def currencies() -> frozenset[str]:
    """ISO 4217 codes (from the CLDR data Babel ships), read on first use: Babel loads the data
    of every locale for them (~0.5 s), which no command that never checks a currency should pay."""
    return frozenset(list_currencies())


class StageKind(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


@dataclass(frozen=True)
class Stage:
    id: int
    pipeline_id: int
    key: str
    name_en: str
    name_nl: str
    position: int
    probability: int
    kind: StageKind

    def name(self, language: str) -> str:
        return self.name_nl if language == "nl" else self.name_en


@dataclass(frozen=True)
class StageSpec:
    """A stage as declared (the default pipeline, an admin's edit): no id yet."""

    key: str
    name_en: str
    name_nl: str
    probability: int
    kind: StageKind = StageKind.OPEN


DEFAULT_PIPELINE = ("sales", "Sales", "Verkoop")
DEFAULT_STAGES = (
    StageSpec("lead", "Lead", "Lead", 10),
    StageSpec("qualified", "Qualified", "Gekwalificeerd", 25),
    StageSpec("proposal", "Proposal", "Offerte", 50),
    StageSpec("negotiation", "Negotiation", "Onderhandeling", 75),
    StageSpec("won", "Won", "Gewonnen", 100, StageKind.WON),
    StageSpec("lost", "Lost", "Verloren", 0, StageKind.LOST),
)


def check_key(value: str, name: str = "key") -> str:
    if not KEY.fullmatch(value):
        raise InvalidField(
            f"{name} is lower-case letters, digits and _ (at most 40), starting with a letter",
            field=name,
        )
    return value


def check_probability(value: int, name: str = "probability") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise InvalidField(f"{name} is a whole percentage from 0 to 100", field=name)
    return value


def check_stages(stages: Sequence[StageSpec]) -> None:
    """A pipeline needs at least one open stage, one won and one lost; keys are unique; a won
    stage is certain (100 %) and a lost one is not (0 %), so the forecast counts them right."""
    keys = [s.key for s in stages]
    for s in stages:
        check_key(s.key)
        check_probability(s.probability)
        if not s.name_en.strip() or not s.name_nl.strip():
            raise InvalidField("a stage needs an English and a Dutch name", field="name")
    if len(set(keys)) != len(keys):
        raise InvalidField("each stage of a pipeline has its own key", field="key")
    kinds = {s.kind for s in stages}
    if kinds != set(StageKind):
        raise InvalidField(
            "a pipeline needs at least one open stage, one won stage and one lost stage",
            field="kind",
        )
    for s in stages:
        if s.kind is StageKind.WON and s.probability != 100:
            raise InvalidField("a won stage has probability 100", field="probability")
        if s.kind is StageKind.LOST and s.probability != 0:
            raise InvalidField("a lost stage has probability 0", field="probability")


def parse_amount(value: str | Decimal | int) -> Decimal:
    """An amount of money: at most two decimals, from 0 to ``MAX_AMOUNT``. Text may use a comma
    as the decimal sign (Dutch) but no thousands separators, which would be ambiguous."""
    if isinstance(value, bool | float):
        raise InvalidField("an amount is text or a Decimal, never a float", field="value")
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        if not re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", text):
            raise InvalidField(
                "value is an amount such as 1250 or 1250.50, with at most two decimals",
                field="value",
            )
        value = text
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InvalidField("value is an amount such as 1250.50", field="value") from None
    if not amount.is_finite() or amount != amount.quantize(CENT, ROUND_HALF_EVEN):
        raise InvalidField("value has at most two decimals", field="value")
    if amount < 0 or amount > MAX_AMOUNT:
        raise InvalidField(f"value is from 0 to {MAX_AMOUNT}", field="value")
    return amount.quantize(CENT)


def check_currency(value: str) -> str:
    code = value.strip().upper()
    if code not in currencies():
        raise InvalidField("currency is an ISO 4217 code such as EUR, USD or GBP", field="currency")
    return code


def cents(amount: Decimal) -> int:
    return int(amount.quantize(CENT) * 100)


def from_cents(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(CENT)


def weighted(amount: Decimal, probability: int) -> Decimal:
    """The value times the probability, to the cent (banker's rounding, once)."""
    return from_weighted(cents(amount) * probability)


def from_weighted(cent_percent: int) -> Decimal:
    """A sum of cents x percentages as money, rounded once at the end."""
    return (Decimal(cent_percent) / 10000).quantize(CENT, ROUND_HALF_EVEN)


ADDRESS_IN_TEXT = re.compile(r"[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+")
"""Something shaped like an e-mail address, anywhere in a text."""


def check_business_text(value: str, field: str) -> str:
    """A deal's title and lost reason are business data, stored plainly, shown on the board and
    in every export of deals, and not erased with a person (Art. 17 reaches people, and these
    are no one's): people belong on the deal as linked contacts, read under its purpose. An
    e-mail address is the one piece of personal data such a text can be told to hold
    (Art. 4(1)); it is refused, and the forms say why."""
    if ADDRESS_IN_TEXT.search(value):
        raise InvalidField(
            "a deal's title and lost reason are business data, stored plainly: leave out "
            "e-mail addresses and other personal details, and put the person on the deal",
            field=field,
        )
    return value


@dataclass(frozen=True)
class Move:
    """What moving a deal to a stage does to it."""

    probability: int
    won: bool
    lost: bool
    lost_reason: str | None


def move(current: Stage | None, target: Stage, lost_reason: str | None) -> Move:
    """Moving a deal takes the target stage's default probability. A deal moves only within
    its pipeline; a lost deal needs the reason it was lost (the forecast reports them), and a
    deal that is not lost keeps no lost reason."""
    if current is not None and current.pipeline_id != target.pipeline_id:
        raise InvalidField("a deal moves only to a stage of its own pipeline", field="stage")
    reason = " ".join((lost_reason or "").split()) or None
    if target.kind is StageKind.LOST:
        if reason is None:
            raise InvalidField("say why the deal was lost", field="lost_reason")
        if len(reason) > 200:
            raise InvalidField("a lost reason has at most 200 characters", field="lost_reason")
        check_business_text(reason, "lost_reason")
    else:
        reason = None
    return Move(
        probability=target.probability,
        won=target.kind is StageKind.WON,
        lost=target.kind is StageKind.LOST,
        lost_reason=reason,
    )


def month_of(day: date | None) -> str:
    return NO_DATE if day is None else f"{day.year:04d}-{day.month:02d}"


def month_bounds(month: str) -> tuple[date, date]:
    """The first day of ``YYYY-MM`` and of the month after it, for a filter."""
    found = re.fullmatch(r"([0-9]{4})-([0-9]{2})", month.strip())
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1:
        raise InvalidField("a month is written YYYY-MM, such as 2026-03", field="close_month")
    year, number = int(found.group(1)), int(found.group(2))
    after = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
    return date(year, number, 1), after


@dataclass(frozen=True)
class OpenGroup:
    """Open deals of one month of expected close, owner and currency, summed by the store."""

    month: str
    owner_id: int | None
    currency: str
    count: int
    value_cents: int
    weighted_cent_percent: int


@dataclass
class Bucket:
    count: int = 0
    value: dict[str, Decimal] = field(default_factory=dict)
    weighted: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class Forecast:
    """Weighted value per month (``NO_DATE`` last) and, within it, per owner; and the totals."""

    months: dict[str, Bucket]
    by_owner: dict[str, dict[int | None, Bucket]]
    total: Bucket


def _add(bucket: Bucket, count: int, currency: str, value: Decimal, weighted: Decimal) -> None:
    bucket.count += count
    bucket.value[currency] = bucket.value.get(currency, Decimal(0)) + value
    bucket.weighted[currency] = bucket.weighted.get(currency, Decimal(0)) + weighted


def forecast(groups: Iterable[OpenGroup]) -> Forecast:
    """Fold the store's groups into months and owners. The groups are first summed in whole
    cents per month, owner and currency (integers: exact, and cheap for the thousands of
    close days the store groups by); each of those cells is turned into money and its weighted
    value rounded once, so a month's weighted value is the sum of its owners' exactly."""
    cells: dict[tuple[str, int | None, str], list[int]] = {}
    for g in groups:
        cell = cells.get((g.month, g.owner_id, g.currency))
        if cell is None:
            cells[(g.month, g.owner_id, g.currency)] = [
                g.count,
                g.value_cents,
                g.weighted_cent_percent,
            ]
        else:
            cell[0] += g.count
            cell[1] += g.value_cents
            cell[2] += g.weighted_cent_percent
    months: dict[str, Bucket] = {}
    owners: dict[str, dict[int | None, Bucket]] = {}
    total = Bucket()
    for (month, owner, currency), (count, cents, cent_percent) in cells.items():
        value, weighted = from_cents(cents), from_weighted(cent_percent)
        _add(months.setdefault(month, Bucket()), count, currency, value, weighted)
        _add(
            owners.setdefault(month, {}).setdefault(owner, Bucket()),
            count,
            currency,
            value,
            weighted,
        )
        _add(total, count, currency, value, weighted)
    order = sorted(months, key=lambda m: (m == NO_DATE, m))
    return Forecast(
        months={m: months[m] for m in order},
        by_owner={m: owners[m] for m in order},
        total=total,
    )


@dataclass(frozen=True)
class ClosedGroup:
    """Won or lost deals of one month of closing, currency and lost reason."""

    month: str
    kind: StageKind
    reason: str | None
    currency: str
    count: int
    value_cents: int


@dataclass
class Outcome:
    won: Bucket = field(default_factory=Bucket)
    lost: Bucket = field(default_factory=Bucket)
    reasons: dict[str, int] = field(default_factory=dict)


def outcomes(groups: Iterable[ClosedGroup]) -> dict[str, Outcome]:
    """Won and lost per month, newest first, with how often each lost reason was given (most
    given first)."""
    found: dict[str, Outcome] = {}
    for g in groups:
        outcome = found.setdefault(g.month, Outcome())
        bucket = outcome.won if g.kind is StageKind.WON else outcome.lost
        bucket.count += g.count
        bucket.value[g.currency] = bucket.value.get(g.currency, Decimal(0)) + from_cents(
            g.value_cents
        )
        if g.kind is StageKind.LOST:
            reason = g.reason or ""
            outcome.reasons[reason] = outcome.reasons.get(reason, 0) + g.count
    for outcome in found.values():
        outcome.reasons = dict(sorted(outcome.reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    return {m: found[m] for m in sorted(found, reverse=True)}


@dataclass(frozen=True)
class Column:
    """A stage on the board: its deals' count and total value per currency."""

    stage: Stage
    count: int
    totals: dict[str, Decimal]


def columns(stages: Sequence[Stage], sums: Iterable[tuple[int, str, int, int]]) -> list[Column]:
    """The board's columns in stage order from (stage id, currency, count, cents) sums."""
    counts: dict[int, int] = {}
    totals: dict[int, dict[str, Decimal]] = {}
    for stage_id, currency, count, value_cents in sums:
        counts[stage_id] = counts.get(stage_id, 0) + count
        per = totals.setdefault(stage_id, {})
        per[currency] = per.get(currency, Decimal(0)) + from_cents(value_cents)
    ordered = sorted(stages, key=lambda s: (s.position, s.id))
    return [
        Column(s, counts.get(s.id, 0), dict(sorted(totals.get(s.id, {}).items()))) for s in ordered
    ]
