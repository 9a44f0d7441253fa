"""API shapes of the compliance slice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class BreachCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    detected_at: AwareDatetime = Field(
        description="When the breach was found; the 72 hours of Art. 33(1) run from here."
    )
    nature: str = Field(max_length=10_000, description="What happened (Art. 33(3)(a)).")
    categories: list[str] = Field(description="fideslang data category keys concerned.")
    approx_people: int | None = Field(default=None, ge=0, le=2**31 - 1)
    approx_records: int | None = Field(default=None, ge=0, le=2**31 - 1)
    consequences: str = Field(max_length=10_000, description="Likely consequences.")
    measures_taken: str = Field(max_length=10_000)
    measures_proposed: str = Field(default="", max_length=10_000)
    window_start: AwareDatetime | None = Field(
        default=None, description="Start of the time the breach could have exposed data."
    )
    window_end: AwareDatetime | None = None
    actors: list[str] = Field(
        default_factory=list, description="Audit actors involved, e.g. `user:12`."
    )
    purposes: list[str] = Field(default_factory=list, description="Purposes whose reads count.")


class BreachNotify(BaseModel):
    model_config = ConfigDict(extra="forbid")

    whom: str = Field(pattern="^(authority|people)$", description="`authority` or `people`.")
    at: AwareDatetime | None = Field(
        default=None, description="When they were told; now if absent."
    )
    late_reason: str | None = Field(
        default=None, max_length=10_000, description="Reasons for a delay past 72 hours."
    )
    not_required: str | None = Field(
        default=None,
        max_length=10_000,
        description="For the authority: why the breach is unlikely to result in a risk.",
    )
    exemption: str | None = Field(
        default=None,
        description="For the people: `unintelligible`, `mitigated` or "
        "`disproportionate_effort` (Art. 34(3)).",
    )


class CategoryPublic(BaseModel):
    key: str
    name: str


class BreachPublic(BaseModel):
    id: int
    detected_at: datetime
    recorded_at: datetime
    nature: str
    categories: list[CategoryPublic]
    approx_people: int | None
    approx_records: int | None
    consequences: str
    measures_taken: str
    measures_proposed: str
    authority_deadline: datetime
    hours_left: float
    overdue: bool
    due_soon: bool
    authority_notified_at: datetime | None
    late: bool
    late_reason: str | None
    authority_not_required: str | None
    people_notified_at: datetime | None
    people_notice_exemption: str | None
    window_start: datetime | None
    window_end: datetime | None
    actors: list[str]
    purposes: list[str]
    affected_people: int | None
    affected_computed_at: datetime | None
    created_by: str


class AffectedPublic(BaseModel):
    breach_id: int
    count: int
    person_ids: list[str]


class FindingPublic(BaseModel):
    code: str
    severity: str
    article: str
    message: str
    fix: str
    subject: str | None
    count: int | None
    details: dict[str, Any]


class FindingsPublic(BaseModel):
    high: bool = Field(description="True when a finding of severity `high` exists.")
    findings: list[FindingPublic]
