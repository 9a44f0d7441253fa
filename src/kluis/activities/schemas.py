"""API shapes of activities (``ActivityCreate`` in, ``ActivityPublic`` out)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from kluis.activities.rules import BODY_MAX, DURATION_MAX, SUBJECT_MAX, ActivityType
from kluis.api import MAX_ID


class ActivityCreate(BaseModel):
    """A contact moment to log. Subject and body are the person's data: sealed with their key,
    never in the audit log or an address."""

    model_config = ConfigDict(extra="forbid")

    type: ActivityType
    subject: str = Field(max_length=SUBJECT_MAX * 2, examples=["Called about the delivery"])
    body: str | None = Field(default=None, max_length=BODY_MAX * 2)
    occurred_at: datetime | None = Field(
        default=None,
        description="When it happened (default: now); a moment in the future schedules it, "
        "and a scheduled activity does not count as an interaction.",
    )
    duration_minutes: int | None = Field(default=None, ge=0, le=DURATION_MAX)
    company_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    consent_event_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The consent event this call recorded."
    )
    deal_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="The deal it was for (`/api/v1/deals`)."
    )


class ActivityUpdate(BaseModel):
    """The fields to change; those left out stay."""

    model_config = ConfigDict(extra="forbid")

    type: ActivityType | None = None
    subject: str | None = Field(default=None, max_length=SUBJECT_MAX * 2)
    body: str | None = Field(default=None, max_length=BODY_MAX * 2)
    occurred_at: datetime | None = None
    duration_minutes: int | None = Field(default=None, ge=0, le=DURATION_MAX)


class ActivityCreated(BaseModel):
    id: str


class RecordingCreated(BaseModel):
    evidence_id: int


class ActivityPublic(BaseModel):
    id: str
    person_id: str
    purpose: str
    company_id: int | None
    type: str
    occurred_at: datetime
    duration_minutes: int | None
    scheduled: bool
    author: str
    author_role: str
    subject: str
    body: str | None
    consent_event_id: int | None
    recording_id: int | None
    deal_id: int | None = None


class ActivityList(BaseModel):
    items: list[ActivityPublic]


class MyActivities(BaseModel):
    recent: list[ActivityPublic]
    upcoming: list[ActivityPublic]


class QuietCount(BaseModel):
    days: int
    people: int
    """People with no past activity in the last ``days`` days."""
