"""Deals: adding, changing, moving through the stages, winning and losing, the board and the
forecast. Each use case opens its transaction, checks the role and records its audit events in
it (Art. 5(2)). A deal itself is business data; the people on it are ``deals.people``'s.

Sales and admins change deals; the privacy officer may read them (to answer questions about the
processing), as may any role for its own home page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection

from kluis.actors import Actor, Role
from kluis.audit import service as audit
from kluis.audit.deal_events import DealChanged, DealCreated, DealMoved
from kluis.contacts import business_fields
from kluis.contacts import people as contacts_people
from kluis.deals import repository, rules, sums
from kluis.deals.repository import DealRow, Filters
from kluis.errors import InvalidField, NotFound, PermissionDenied
from kluis.runtime import Kluis

DEFAULT_PURPOSE = "sales_follow_up"
"""The purpose a deal declares unless it names another: its people are linked under it."""
READ_ROLES = frozenset({Role.ADMIN, Role.PRIVACY_OFFICER, Role.SALES})
WRITE_ROLES = frozenset({Role.ADMIN, Role.SALES})
BOARD_CARDS = 25
"""Cards shown per column of the board; the column's count and total cover every deal, and the
list (filtered on the stage) shows the rest."""
Shown = TypeVar("Shown", repository.Card, DealRow)
EDITABLE = ("title", "company_id", "value", "currency", "expected_close", "owner_id", "source")


def may_read(actor: Actor) -> None:
    if actor.role not in READ_ROLES:
        raise PermissionDenied("deals are read by sales, admins and the privacy officer")


def may_write(actor: Actor) -> None:
    if actor.role not in WRITE_ROLES:
        raise PermissionDenied("deals are changed by sales and admins")


@dataclass(frozen=True)
class DealView:
    deal: DealRow
    stage: rules.Stage
    pipeline: repository.PipelineRow
    custom: dict[str, business_fields.CustomValueOut] = field(default_factory=dict)
    """Values of the deals' plain custom fields by key (``contacts.business_fields``)."""


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in EDITABLE:
            raise InvalidField(f"unknown deal field {name!r}", field=name)
        if name == "title":
            value = " ".join(str(value or "").split())
            if not value or len(value) > 200:
                raise InvalidField("a deal needs a title of at most 200 characters", field=name)
            rules.check_business_text(value, name)
        elif name == "value":
            value = rules.parse_amount(value if value is not None else "0")
        elif name == "currency":
            value = rules.check_currency(value or rules.DEFAULT_CURRENCY)
        elif name == "expected_close" and value is not None and not isinstance(value, date):
            try:
                value = date.fromisoformat(str(value))
            except ValueError:
                raise InvalidField("expected_close is a date, YYYY-MM-DD", field=name) from None
        elif name == "source":
            value = " ".join(str(value or "").split())[:80] or None
        out[name] = value
    return out


def _check_refs(conn: Connection, values: Mapping[str, Any]) -> None:
    if values.get("owner_id") is not None and values["owner_id"] not in dict(
        repository.users(conn)
    ):
        raise InvalidField(f"there is no staff user {values['owner_id']}", field="owner_id")
    company = values.get("company_id")
    if company is not None and not repository.company_exists(conn, company):
        raise InvalidField(f"there is no company {company}", field="company_id")


def _view(conn: Connection, deal_id: int) -> DealView:
    found = repository.deal(conn, deal_id)
    if found is None:
        raise NotFound(f"there is no deal {deal_id}", field="deal")
    stage = repository.stage(conn, found.stage_id)
    pipeline = repository.pipeline(conn, found.pipeline_id)
    if stage is None or pipeline is None:  # the foreign keys keep both
        raise NotFound(f"deal {deal_id} has lost its stage", field="deal")
    custom = business_fields.values_of(conn, "deal", [deal_id]).get(deal_id, {})
    return DealView(found, stage, pipeline, custom)


def _first_stage(conn: Connection, pipeline_id: int | None, stage_key: str | None) -> rules.Stage:
    pipelines = repository.pipelines(conn)
    if not pipelines:
        raise NotFound(
            "there is no pipeline; `kluis init` creates the default one", field="pipeline"
        )
    chosen = pipelines[0].id if pipeline_id is None else pipeline_id
    stages = repository.stages(conn, chosen)
    if not stages:
        raise NotFound(f"there is no pipeline {chosen}", field="pipeline")
    if stage_key is None:
        return next(s for s in stages if s.kind is rules.StageKind.OPEN)
    for s in stages:
        if s.key == stage_key:
            return s
    raise InvalidField(
        f"the pipeline has no stage {stage_key!r}; it has {', '.join(s.key for s in stages)}",
        field="stage",
    )


def create_deal(
    k: Kluis,
    actor: Actor,
    values: Mapping[str, Any],
    now: datetime,
    *,
    pipeline_id: int | None = None,
    stage: str | None = None,
    purpose: str = DEFAULT_PURPOSE,
    lost_reason: str | None = None,
    source: str = "api",
) -> DealView:
    """A new deal in the pipeline's first open stage (or ``stage``), owned by the actor unless
    ``owner_id`` says otherwise. ``purpose`` is the purpose its people will be linked under:
    the actor's role must hold it (Art. 5(1)(b))."""
    may_write(actor)
    custom = dict(values.get("custom") or {})
    given = {n: v for n, v in values.items() if n != "custom"}
    cleaned = _clean({"value": "0", "currency": rules.DEFAULT_CURRENCY, **given})
    if "title" not in cleaned:
        raise InvalidField("a deal needs a title of at most 200 characters", field="title")
    with k.engine.begin() as conn:
        contacts_people.purpose_for(conn, actor, purpose)
        target = _first_stage(conn, pipeline_id, stage)
        moved = rules.move(None, target, lost_reason)
        if "owner_id" not in cleaned:
            mine = actor.user_id in dict(repository.users(conn))
            cleaned["owner_id"] = actor.user_id if mine else None
        _check_refs(conn, cleaned)
        deal_id = repository.insert_deal(
            conn,
            {
                **cleaned,
                "pipeline_id": target.pipeline_id,
                "stage_id": target.id,
                "probability": moved.probability,
                "lost_reason": moved.lost_reason,
                "purpose_key": purpose,
                "created_by": actor.ref,
                "created_at": now,
                "updated_at": now,
                "won_at": now if moved.won else None,
                "lost_at": now if moved.lost else None,
            },
        )
        repository.insert_change(conn, deal_id, None, target.id, actor.ref, now)
        business_fields.put_values(conn, "deal", deal_id, custom)
        audit.record(
            conn, actor.ref, now, [DealCreated(deal_id, target.pipeline_id, target.key, source)]
        )
        return _view(conn, deal_id)


def get_deal(k: Kluis, actor: Actor, deal_id: int) -> DealView:
    may_read(actor)
    with k.engine.connect() as conn:
        return _view(conn, deal_id)


def update_deal(
    k: Kluis,
    actor: Actor,
    deal_id: int,
    values: Mapping[str, Any],
    now: datetime,
    *,
    probability: int | None = None,
) -> DealView:
    may_write(actor)
    custom = dict(values.get("custom") or {})
    cleaned = _clean({n: v for n, v in values.items() if n != "custom"})
    if probability is not None:
        cleaned["probability"] = rules.check_probability(probability)
    with k.engine.begin() as conn:
        current = _view(conn, deal_id)
        _check_refs(conn, cleaned)
        if "probability" in cleaned and current.stage.kind is not rules.StageKind.OPEN:
            raise InvalidField("a won or lost deal keeps its probability", field="probability")
        differs = {n: v for n, v in cleaned.items() if getattr(current.deal, n) != v}
        names = business_fields.put_values(conn, "deal", deal_id, custom)
        if differs:
            repository.update_deal(conn, deal_id, {**differs, "updated_at": now})
        if differs or names:
            changed = tuple(sorted([*differs, *names]))
            audit.record(conn, actor.ref, now, [DealChanged(deal_id, changed)])
        return _view(conn, deal_id)


def move_deal(
    k: Kluis,
    actor: Actor,
    deal_id: int,
    stage: str | int,
    now: datetime,
    *,
    lost_reason: str | None = None,
) -> DealView:
    """Move a deal to a stage of its pipeline (by key or id), with the stage's probability; into
    a won or lost stage it is closed then, out of one it is open again. A move to the stage it
    is in changes nothing."""
    may_write(actor)
    with k.engine.begin() as conn:
        current = _view(conn, deal_id)
        stages = repository.stages(conn, current.deal.pipeline_id)
        target = next((s for s in stages if stage in (s.key, s.id)), None)
        if target is None:
            raise InvalidField(
                f"the pipeline has no stage {stage!r}; it has {', '.join(s.key for s in stages)}",
                field="stage",
            )
        if target.id == current.stage.id and target.kind is not rules.StageKind.LOST:
            return current
        moved = rules.move(current.stage, target, lost_reason)
        repository.update_deal(
            conn,
            deal_id,
            {
                "stage_id": target.id,
                "probability": moved.probability,
                "lost_reason": moved.lost_reason,
                "won_at": (current.deal.won_at or now) if moved.won else None,
                "lost_at": now if moved.lost else None,
                "updated_at": now,
            },
        )
        if target.id != current.stage.id:
            repository.insert_change(conn, deal_id, current.stage.id, target.id, actor.ref, now)
        audit.record(
            conn,
            actor.ref,
            now,
            [DealMoved(deal_id, current.stage.key, target.key, target.kind.value)],
        )
        return _view(conn, deal_id)


def close_deal(
    k: Kluis,
    actor: Actor,
    deal_id: int,
    kind: rules.StageKind,
    now: datetime,
    *,
    lost_reason: str | None = None,
) -> DealView:
    """Win or lose a deal: move it to its pipeline's first stage of that kind."""
    with k.engine.connect() as conn:
        found = repository.deal(conn, deal_id)
        if found is None:
            raise NotFound(f"there is no deal {deal_id}", field="deal")
        target = next(s for s in repository.stages(conn, found.pipeline_id) if s.kind is kind)
    return move_deal(k, actor, deal_id, target.id, now, lost_reason=lost_reason)


@dataclass(frozen=True)
class StageChange:
    from_stage: rules.Stage | None
    to_stage: rules.Stage | None
    actor: str
    at: datetime


def history(k: Kluis, actor: Actor, deal_id: int) -> list[StageChange]:
    may_read(actor)
    with k.engine.connect() as conn:
        stages = {s.id: s for s in repository.stages(conn)}
        return [
            StageChange(
                stages.get(f) if f is not None else None,
                stages.get(t) if t is not None else None,
                a,
                at,
            )
            for f, t, a, at in repository.changes(conn, deal_id)
        ]


def list_deals(
    k: Kluis, actor: Actor, filters: Filters, *, limit: int = 50, offset: int = 0
) -> tuple[list[DealRow], int]:
    may_read(actor)
    with k.engine.connect() as conn:
        return repository.list_deals(conn, filters, limit, offset)


@dataclass(frozen=True)
class Board(Generic[Shown]):
    pipeline: repository.PipelineRow
    columns: list[rules.Column]
    cards: dict[int, list[Shown]]
    stages: list[rules.Stage]


def board(
    k: Kluis, actor: Actor, pipeline_id: int, *, per_stage: int = BOARD_CARDS
) -> Board[repository.Card]:
    """A pipeline's board: per stage the count and total value of every deal in it, and its
    first cards (soonest expected close first), each with only what a card shows."""
    return _board(k, actor, pipeline_id, per_stage, repository.board_cards)


def board_deals(
    k: Kluis, actor: Actor, pipeline_id: int, *, per_stage: int = BOARD_CARDS
) -> Board[DealRow]:
    """The board with each stage's first deals whole (the API's answer)."""
    return _board(k, actor, pipeline_id, per_stage, repository.board_deals)


def _board(
    k: Kluis,
    actor: Actor,
    pipeline_id: int,
    per_stage: int,
    read: Callable[[Connection, list[int], int], dict[int, list[Shown]]],
) -> Board[Shown]:
    may_read(actor)
    with k.engine.connect() as conn:
        found = repository.pipeline(conn, pipeline_id)
        if found is None:
            raise NotFound(f"there is no pipeline {pipeline_id}", field="pipeline")
        stages = repository.stages(conn, pipeline_id)
        columns = rules.columns(stages, sums.board_sums(conn, pipeline_id))
        cards = read(conn, [c.stage.id for c in columns if c.count], per_stage)
        cards.update({c.stage.id: [] for c in columns if not c.count})
    return Board(found, columns, cards, stages)


@dataclass(frozen=True)
class ForecastView:
    forecast: rules.Forecast
    outcomes: dict[str, rules.Outcome]


def forecast(k: Kluis, actor: Actor, pipeline_id: int | None = None) -> ForecastView:
    """Weighted value of the open deals per month of expected close and owner; won and lost
    per month, with the reasons."""
    may_read(actor)
    with k.engine.connect() as conn:
        open_groups = sums.open_groups(conn, pipeline_id)
        closed = sums.closed_groups(conn, pipeline_id)
    return ForecastView(rules.forecast(open_groups), rules.outcomes(closed))


def amount(value: Decimal, currency: str) -> str:
    return f"{currency} {value:,.2f}"
