"""The JSON API of the sales pipeline (``/api/v1/pipelines``, ``/api/v1/deals``); refusals are
problem+json (RFC 9457) through the app's handler of ``KluisError``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from kluis.api import MAX_ID, PROBLEMS, KluisDep, NowDep
from kluis.auth.deps import ActorDep
from kluis.deals import catalogue, people, rules, service
from kluis.deals.repository import DealRow, Filters
from kluis.deals.schemas import (
    BoardPublic,
    BucketPublic,
    ColumnPublic,
    DealCreate,
    DealMove,
    DealPage,
    DealPeoplePublic,
    DealPublic,
    DealUpdate,
    ForecastMonth,
    ForecastOwner,
    ForecastPublic,
    Money,
    OnDealPublic,
    OutcomeMonth,
    PersonLink,
    PipelinePublic,
    StagePublic,
)
from kluis.errors import InvalidField

pipelines = APIRouter(prefix="/pipelines", tags=["deals"], responses=PROBLEMS)
router = APIRouter(prefix="/deals", tags=["deals"], responses=PROBLEMS)

Id = Annotated[int, Path(ge=1, le=MAX_ID)]


def _stage(s: rules.Stage) -> StagePublic:
    return StagePublic(
        id=s.id, key=s.key, name_en=s.name_en, name_nl=s.name_nl, position=s.position,
        probability=s.probability, kind=s.kind.value,
    )  # fmt: skip


def _pipeline(view: catalogue.PipelineView) -> PipelinePublic:
    p = view.pipeline
    return PipelinePublic(
        id=p.id, key=p.key, name_en=p.name_en, name_nl=p.name_nl,
        stages=[_stage(s) for s in view.stages],
    )  # fmt: skip


def _deal(d: DealRow, stage: rules.Stage, custom: dict[str, Any] | None = None) -> DealPublic:
    return DealPublic(
        custom=custom or {},
        id=d.id, pipeline_id=d.pipeline_id, stage=stage.key, stage_kind=stage.kind.value,
        title=d.title, company_id=d.company_id, company=d.company, value=f"{d.value:.2f}",
        currency=d.currency, weighted_value=f"{d.weighted:.2f}", probability=d.probability,
        expected_close=d.expected_close, owner_id=d.owner_id, source=d.source,
        lost_reason=d.lost_reason, purpose=d.purpose_key, created_at=d.created_at,
        updated_at=d.updated_at, won_at=d.won_at, lost_at=d.lost_at,
    )  # fmt: skip


def _money(values: Mapping[str, Decimal]) -> list[Money]:
    return [Money(currency=c, value=f"{v:.2f}") for c, v in sorted(values.items())]


def _bucket(b: rules.Bucket) -> dict[str, Any]:
    return {"count": b.count, "value": _money(b.value), "weighted": _money(b.weighted)}


@pipelines.get("", response_model=list[PipelinePublic])
def list_pipelines(kluis: KluisDep, actor: ActorDep) -> list[PipelinePublic]:
    """The pipelines with their stages, in order."""
    service.may_read(actor)
    return [_pipeline(v) for v in catalogue.list_pipelines(kluis.engine)]


@pipelines.get("/{pipeline_id:int}/board", response_model=BoardPublic)
def board(
    kluis: KluisDep,
    actor: ActorDep,
    pipeline_id: Id,
    per_stage: Annotated[int, Query(ge=0, le=500)] = service.BOARD_CARDS,
) -> BoardPublic:
    """The board: per stage the count and total value (per currency) of every deal in it, and
    its first ``per_stage`` deals, soonest expected close first."""
    found = service.board_deals(kluis, actor, pipeline_id, per_stage=per_stage)
    view = catalogue.PipelineView(found.pipeline, found.stages)
    return BoardPublic(
        pipeline=_pipeline(view),
        columns=[
            ColumnPublic(
                stage=_stage(c.stage),
                count=c.count,
                totals=_money(c.totals),
                deals=[_deal(d, c.stage) for d in found.cards[c.stage.id]],
            )
            for c in found.columns
        ],
    )


def _stages(kluis: KluisDep) -> dict[int, rules.Stage]:
    return {s.id: s for v in catalogue.list_pipelines(kluis.engine) for s in v.stages}


@router.get("", response_model=DealPage)
def list_deals(
    kluis: KluisDep,
    actor: ActorDep,
    pipeline_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    owner_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    stage_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    close_month: Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}$")] = None,
    min_value: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}(\.[0-9]{1,2})?$")] = None,
    max_value: Annotated[str | None, Query(pattern=r"^[0-9]{1,12}(\.[0-9]{1,2})?$")] = None,
    open_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> DealPage:
    """Deals, soonest expected close first, narrowed by owner, stage, month of expected close
    (``YYYY-MM``) and value range."""
    bounds: tuple[date | None, date | None] = (None, None)
    if close_month is not None:
        bounds = rules.month_bounds(close_month)
    filters = Filters(
        pipeline_id=pipeline_id,
        owner_id=owner_id,
        stage_id=stage_id,
        close_from=bounds[0],
        close_before=bounds[1],
        min_value=None if min_value is None else rules.parse_amount(min_value),
        max_value=None if max_value is None else rules.parse_amount(max_value),
        open_only=open_only,
    )
    rows, total = service.list_deals(kluis, actor, filters, limit=limit, offset=offset)
    stages = _stages(kluis)
    return DealPage(
        items=[_deal(d, stages[d.stage_id]) for d in rows], total=total, limit=limit, offset=offset
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=DealPublic)
def create_deal(
    kluis: KluisDep, actor: ActorDep, now: NowDep, response: Response, body: DealCreate
) -> DealPublic:
    """Add a deal, in the pipeline's first open stage unless ``stage`` names another."""
    data = body.model_dump(exclude_unset=True)
    extra = {n: data.pop(n, None) for n in ("pipeline_id", "stage", "purpose", "lost_reason")}
    view = service.create_deal(
        kluis,
        actor,
        data,
        now,
        pipeline_id=extra["pipeline_id"],
        stage=extra["stage"],
        purpose=extra["purpose"] or service.DEFAULT_PURPOSE,
        lost_reason=extra["lost_reason"],
    )
    response.headers["Location"] = f"/api/v1/deals/{view.deal.id}"
    return _deal(view.deal, view.stage, view.custom)


@router.get("/forecast", response_model=ForecastPublic)
def forecast(
    kluis: KluisDep,
    actor: ActorDep,
    pipeline_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> ForecastPublic:
    """Weighted value of the open deals per month of expected close and owner; won and lost
    per month of closing with the reasons."""
    found = service.forecast(kluis, actor, pipeline_id)
    f = found.forecast
    return ForecastPublic(
        months=[
            ForecastMonth(
                month=m,
                owners=[ForecastOwner(owner_id=o, **_bucket(b)) for o, b in f.by_owner[m].items()],
                **_bucket(bucket),
            )
            for m, bucket in f.months.items()
        ],
        total=BucketPublic(**_bucket(f.total)),
        outcomes=[
            OutcomeMonth(
                month=m,
                won=BucketPublic(**_bucket(o.won)),
                lost=BucketPublic(**_bucket(o.lost)),
                reasons=o.reasons,
            )
            for m, o in found.outcomes.items()
        ],
    )


@router.get("/{deal_id:int}", response_model=DealPublic)
def get_deal(kluis: KluisDep, actor: ActorDep, deal_id: Id) -> DealPublic:
    view = service.get_deal(kluis, actor, deal_id)
    return _deal(view.deal, view.stage, view.custom)


@router.patch("/{deal_id:int}", response_model=DealPublic)
def update_deal(
    kluis: KluisDep, actor: ActorDep, now: NowDep, deal_id: Id, body: DealUpdate
) -> DealPublic:
    """Change a deal's business fields; fields left out stay. ``probability`` overrides the
    stage's default until the next move."""
    data = body.model_dump(exclude_unset=True)
    for name in ("title", "value", "currency", "probability"):
        if name in data and data[name] is None:
            raise InvalidField(f"{name} cannot be cleared", field=name)
    probability = data.pop("probability", None)
    view = service.update_deal(kluis, actor, deal_id, data, now, probability=probability)
    return _deal(view.deal, view.stage, view.custom)


@router.post("/{deal_id:int}/move", response_model=DealPublic)
def move_deal(
    kluis: KluisDep, actor: ActorDep, now: NowDep, deal_id: Id, body: DealMove
) -> DealPublic:
    """Move a deal to a stage of its pipeline; a lost stage needs ``lost_reason``."""
    view = service.move_deal(kluis, actor, deal_id, body.stage, now, lost_reason=body.lost_reason)
    return _deal(view.deal, view.stage)


@router.get("/{deal_id:int}/people", response_model=DealPeoplePublic)
def deal_people(kluis: KluisDep, actor: ActorDep, now: NowDep, deal_id: Id) -> DealPeoplePublic:
    """The people on a deal, read under the deal's purpose (each read audited)."""
    found = people.people_of_deal(kluis, actor, deal_id, now)
    return DealPeoplePublic(
        purpose=found.purpose,
        people=None
        if found.people is None
        else [OnDealPublic(person_id=p.person_id, name=p.name, role=p.role) for p in found.people],
    )


@router.post("/{deal_id:int}/people", status_code=status.HTTP_204_NO_CONTENT)
def link_person(
    kluis: KluisDep, actor: ActorDep, now: NowDep, deal_id: Id, body: PersonLink
) -> Response:
    """Put a person on a deal, under the deal's purpose: they must have been collected for it."""
    people.link_person(kluis, actor, deal_id, body.person_id, body.role, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/{deal_id:int}/people/{person_id}", status_code=status.HTTP_204_NO_CONTENT)
def unlink_person(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    deal_id: Id,
    person_id: Annotated[str, Path(max_length=36)],
) -> Response:
    people.unlink_person(kluis, actor, deal_id, person_id, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
