"""JSON API of retention: sweeps (and dry runs), the forecast, legal holds and the end of a
person's contract. Thin: each route calls one service function. Admins and privacy officers
only; the service says so with a ``permission-denied`` problem."""

from __future__ import annotations

import heapq
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from kluis.api import MAX_ID, PROBLEMS, KluisDep, NowDep
from kluis.auth.deps import ActorDep
from kluis.retention import service
from kluis.retention.repository import Hold

router = APIRouter(tags=["retention"], responses=PROBLEMS)

HoldId = Annotated[int, Path(ge=1, le=MAX_ID)]
PersonId = Annotated[str, Path(max_length=36, pattern=r"^[^\x00]*$")]
MAX_ACTIONS = 1000
"""Most people a dry run lists in one answer; its counts cover everyone."""


def _utc(value: datetime | None) -> datetime | None:
    """A time without a zone is UTC, as on the command line; years far outside any retention
    period are typing mistakes (and would overflow date arithmetic)."""
    if value is None:
        return None
    if not 1970 <= value.year <= 2999:
        raise ValueError("give a year between 1970 and 2999")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class SweepRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: datetime | None = Field(
        default=None,
        description="Apply the rules at this moment instead of now (UTC when no zone is given).",
    )
    dry_run: bool = Field(
        default=False, description="Change nothing; list who would be erased or minimised."
    )

    utc_zone = field_validator("as_of")(_utc)


class ExpiredPublic(BaseModel):
    purpose: str
    retention: str
    anchor: str
    until: date | None


class ActionPublic(BaseModel):
    person_id: str
    action: Literal["erase", "minimise", "held"]
    held_until: date | None = Field(
        description="For `held`: when the legal hold that stopped the action ends."
    )
    would: Literal["erase", "minimise"]
    expired: list[ExpiredPublic] = Field(
        description="The purposes whose retention ended, each with its rule and end date."
    )
    fields: list[str] = Field(description="The fields erased because no live purpose uses them.")


class SweepPublic(BaseModel):
    as_of: datetime
    dry_run: bool
    seen: int
    erased: int
    minimised: int
    fields_cleared: int
    purposes_removed: int
    consents_expired: int
    held: int
    actions: list[ActionPublic] = Field(
        description=f"In a dry run, each person acted on or held (at most {MAX_ACTIONS})."
    )


class ForecastItem(ActionPublic):
    on: date


class ForecastPublic(BaseModel):
    as_of: datetime
    days: int
    total: int = Field(description="How many changes are due in the period.")
    items: list[ForecastItem] = Field(description="The soonest, at most `limit`, by day.")


class HoldCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1,
        max_length=500,
        pattern=r"^[^\x00]*$",
        description="Why, without personal data (a case number).",
    )
    until: datetime = Field(description="When the hold ends (UTC when no zone is given).")

    utc_zone = field_validator("until")(_utc)


class HoldPublic(BaseModel):
    id: int
    person_id: str
    reason: str
    until: datetime
    created_by: str
    created_at: datetime
    lifted_at: datetime | None
    lifted_by: str | None
    active: bool


class ContractEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ended_at: datetime | None = Field(
        description="When the contract ended (UTC when no zone is given); `null` when it runs "
        "again."
    )

    utc_zone = field_validator("ended_at")(_utc)


class ContractEndPublic(BaseModel):
    person_id: str
    contract_ended_at: datetime | None


def _hold(hold: Hold, now: datetime) -> HoldPublic:
    return HoldPublic(**vars(hold), active=hold.active(now))


@router.post("/retention/run", response_model=SweepPublic)
def run_retention(kluis: KluisDep, actor: ActorDep, now: NowDep, body: SweepRequest) -> SweepPublic:
    """Apply every purpose's retention rule (Art. 5(1)(e)) at `as_of` or now: people no live
    purpose keeps are erased through the same path as an erasure request, fields no live
    purpose uses are erased, lapsed consents are marked expired; a legal hold stops erasures.
    `dry_run` changes nothing and lists each person with what would happen and why."""
    report = service.sweep(
        kluis,
        body.as_of or now,
        dry_run=body.dry_run,
        actor=actor,
        max_actions=MAX_ACTIONS,
    )
    return SweepPublic.model_validate(vars(report))


@router.get("/retention/forecast", response_model=ForecastPublic)
def retention_forecast(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    days: Annotated[int, Query(ge=1, le=3660, description="How many days ahead.")],
    limit: Annotated[int, Query(ge=1, le=10_000)] = MAX_ACTIONS,
) -> ForecastPublic:
    """What the sweep will erase or minimise from today up to `days` days ahead, day by day,
    with the rule behind each; what is due already is on today. Changes nothing."""
    total = 0

    def counted() -> Any:
        nonlocal total
        for item in service.forecast(kluis, now, days, actor=actor):
            total += 1
            yield item

    soonest = heapq.nsmallest(limit, counted(), key=lambda f: (f.on, f.verdict.person_id))
    return ForecastPublic(
        as_of=now,
        days=days,
        total=total,
        items=[
            ForecastItem.model_validate({"on": f.on, **service.describe(f.verdict)})
            for f in soonest
        ],
    )


@router.post(
    "/contacts/{person_id}/holds",
    status_code=status.HTTP_201_CREATED,
    response_model=HoldPublic,
)
def add_hold(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    person_id: PersonId,
    body: HoldCreate,
    response: Response,
) -> HoldPublic:
    """Put a legal hold on a person (Art. 17(3)(e)): no retention erasure of them, whole or in
    part, until `until` or until it is lifted."""
    hold_id = service.add_hold(kluis, actor, person_id, body.reason, body.until, now)
    response.headers["Location"] = f"/api/v1/contacts/{person_id}/holds"
    [hold] = [h for h in service.holds_of(kluis, person_id, actor=actor) if h.id == hold_id]
    return _hold(hold, now)


@router.get("/contacts/{person_id}/holds", response_model=list[HoldPublic])
def list_holds(
    kluis: KluisDep, actor: ActorDep, now: NowDep, person_id: PersonId
) -> list[HoldPublic]:
    """Every legal hold placed on the person, lifted and ended ones too, oldest first."""
    return [_hold(h, now) for h in service.holds_of(kluis, person_id, actor=actor)]


@router.post("/holds/{hold_id}/lift", response_model=HoldPublic)
def lift_hold(kluis: KluisDep, actor: ActorDep, now: NowDep, hold_id: HoldId) -> HoldPublic:
    """Lift a legal hold; retention applies to the person again at the next sweep."""
    return _hold(service.lift_hold(kluis, actor, hold_id, now), now)


@router.put("/contacts/{person_id}/contract-end", response_model=ContractEndPublic)
def set_contract_end(
    kluis: KluisDep, actor: ActorDep, now: NowDep, person_id: PersonId, body: ContractEnd
) -> ContractEndPublic:
    """Record when the person's contract ended, or `null` when it runs again: retention 'from
    end_of_contract' (invoices kept seven years) counts from this moment."""
    service.set_contract_end(kluis, actor, person_id, body.ended_at, now)
    return ContractEndPublic(person_id=person_id, contract_ended_at=body.ended_at)
