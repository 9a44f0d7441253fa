"""API shapes of the sales pipeline. Amounts travel as strings (``"1250.50"``), never as JSON
numbers, which readers parse as binary floats."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kluis.api import MAX_ID, kept

AMOUNT = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"


class StagePublic(BaseModel):
    id: int
    key: str
    name_en: str
    name_nl: str
    position: int
    probability: int
    kind: str


class PipelinePublic(BaseModel):
    id: int
    key: str
    name_en: str
    name_nl: str
    stages: list[StagePublic]


class DealCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=200)
    value: str = Field(default="0", pattern=AMOUNT, description="an amount, e.g. 1250.50")
    currency: str = Field(default="EUR", max_length=3, description="ISO 4217")
    company_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    expected_close: date | None = None
    owner_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="a staff user; you when left out"
    )
    source: str | None = Field(default=None, max_length=80)
    custom: dict[str, Any] | None = Field(
        default=None, description="Plain custom fields of deals by key."
    )
    pipeline_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="the first pipeline when left out"
    )
    stage: str | None = Field(
        default=None, max_length=40, description="a stage key; the first open stage"
    )
    purpose: str = Field(
        default="sales_follow_up",
        max_length=60,
        description="the purpose the deal's people are linked under",
    )
    lost_reason: str | None = Field(default=None, max_length=200)


class DealUpdate(BaseModel):
    """Fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = kept(max_length=200)
    value: str | None = kept(pattern=AMOUNT)
    currency: str | None = kept(max_length=3)
    company_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    expected_close: date | None = None
    owner_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    source: str | None = Field(default=None, max_length=80)
    probability: int | None = kept(ge=0, le=100)
    custom: dict[str, Any] | None = Field(
        default=None,
        description="Plain custom fields of deals by key (`kluis fields add --entity deal`); "
        "an empty value clears one.",
    )


class DealMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: str = Field(max_length=40, description="the key of a stage of the deal's pipeline")
    lost_reason: str | None = Field(default=None, max_length=200)


class DealPublic(BaseModel):
    id: int
    pipeline_id: int
    stage: str
    stage_kind: str
    title: str
    company_id: int | None
    company: str | None
    value: str
    currency: str
    weighted_value: str
    probability: int
    expected_close: date | None
    owner_id: int | None
    source: str | None
    lost_reason: str | None
    purpose: str
    created_at: datetime
    updated_at: datetime
    won_at: datetime | None
    lost_at: datetime | None
    custom: dict[str, str | bool | list[str]] = Field(
        default_factory=dict, description="Values of the deals' plain custom fields by key."
    )


class DealPage(BaseModel):
    items: list[DealPublic]
    total: int
    limit: int
    offset: int


class PersonLink(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: str = Field(max_length=36)
    role: str = Field(default="contact", max_length=40)


class OnDealPublic(BaseModel):
    person_id: str | None = Field(description="null for a removed contact")
    name: str | None
    role: str


class DealPeoplePublic(BaseModel):
    purpose: str
    people: list[OnDealPublic] | None = Field(
        description="null when your role does not hold the deal's purpose"
    )


class Money(BaseModel):
    currency: str
    value: str


class BucketPublic(BaseModel):
    count: int
    value: list[Money]
    weighted: list[Money]


class ForecastOwner(BucketPublic):
    owner_id: int | None


class ForecastMonth(BucketPublic):
    month: str = Field(description="YYYY-MM of expected close; empty for no date")
    owners: list[ForecastOwner]


class OutcomeMonth(BaseModel):
    month: str
    won: BucketPublic
    lost: BucketPublic
    reasons: dict[str, int]


class ForecastPublic(BaseModel):
    months: list[ForecastMonth]
    total: BucketPublic
    outcomes: list[OutcomeMonth]


class ColumnPublic(BaseModel):
    stage: StagePublic
    count: int
    totals: list[Money]
    deals: list[DealPublic]


class BoardPublic(BaseModel):
    pipeline: PipelinePublic
    columns: list[ColumnPublic]
