"""JSON API of phone call lists (``calls``): draw a phone campaign's list, read it with its
results, open one call (decided again, the number read under the decision's purpose) and log
its outcome. Errors are problem+json (RFC 9457) as everywhere."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from kluis.api import MAX_ID, PROBLEMS, KluisDep, NowDep
from kluis.auth.deps import ActorDep
from kluis.messaging import calls
from kluis.messaging.routes import CampaignId

router = APIRouter(tags=["calls"], responses=PROBLEMS)

CallId = Annotated[int, Path(ge=1, le=MAX_ID)]
Outcome = Literal["reached", "no_answer", "call_back", "not_interested", "opt_out"]


class CallItemPublic(BaseModel):
    id: int
    person_id: str
    basis: str
    reason: str = Field(description="Why `may_contact` allowed the call when the list was drawn.")
    outcome: Outcome | None
    attempts: int
    refused_reason: str | None = Field(
        description="Set when opening the call refused it (decided again at that moment)."
    )
    called_at: datetime | None
    evidence_id: int | None


class CallListPublic(BaseModel):
    campaign_id: int
    made: bool
    items: list[CallItemPublic]
    results: dict[str, Any] = Field(
        description="people, called, reached, no_answer, call_back, not_interested, opt_out, "
        "to_call, refused (when opened, by reason), refused_when_drawn (by reason)."
    )


class CallPublic(BaseModel):
    item: CallItemPublic
    campaign_id: int
    allowed: bool
    basis: str
    reason: str
    purpose: str | None = Field(description="The purpose the number and names were read under.")
    phone: str | None
    given_name: str | None
    family_name: str | None
    language: str
    script: str


class OutcomeIn(BaseModel):
    outcome: Outcome


def _list(found: calls.CallList) -> CallListPublic:
    return CallListPublic(
        campaign_id=found.campaign.id,
        made=found.made,
        items=[CallItemPublic(**dataclasses.asdict(i)) for i in found.items],
        results=found.results,
    )


@router.get("/campaigns/{campaign_id}/calls", response_model=CallListPublic)
def call_list(kluis: KluisDep, actor: ActorDep, campaign_id: CampaignId) -> CallListPublic:
    """A phone campaign's call list (no personal values: person ids and decisions) and its
    results. Marketing, an admin or the privacy officer only."""
    return _list(calls.call_list(kluis, actor, campaign_id))


@router.post("/campaigns/{campaign_id}/calls", response_model=CallListPublic)
def make_call_list(
    kluis: KluisDep, actor: ActorDep, now: NowDep, campaign_id: CampaignId
) -> CallListPublic:
    """Draw (or add to) the call list: everyone `may_contact` allows on the phone for the
    campaign's topic now."""
    return _list(calls.make_list(kluis, actor, campaign_id, now))


@router.get("/calls/{call_id}", response_model=CallPublic)
def open_call(kluis: KluisDep, actor: ActorDep, now: NowDep, call_id: CallId) -> CallPublic:
    """Open one call: decided again now (audited); allowed, the number, names and script
    (read under the decision's purpose, audited); refused, the reason and nothing read."""
    call = calls.open_call(kluis, actor, call_id, now)
    values = dataclasses.asdict(call)
    values.pop("campaign")
    return CallPublic(**values, campaign_id=call.campaign.id)


@router.post("/calls/{call_id}/outcome", response_model=CallItemPublic)
def log_outcome(
    kluis: KluisDep, actor: ActorDep, now: NowDep, call_id: CallId, body: OutcomeIn
) -> CallItemPublic:
    """Log the outcome of an opened call; `opt_out` withdraws the phone channel for every topic
    in the consent ledger (method `phone`, captured by the caller). A call refused when opened
    gives 409."""
    item = calls.log_outcome(kluis, actor, call_id, body.outcome, now)
    return CallItemPublic(**dataclasses.asdict(item))
