"""API shapes of tasks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kluis.api import kept

NO_NUL = r"^[^\x00]*$"
TIME = r"^([01]?\d|2[0-3]):[0-5]\d$"
PriorityName = Literal["low", "normal", "high"]
BucketName = Literal["overdue", "today", "this_week", "later"]


class TaskCreate(BaseModel):
    """A task for yourself or, with ``assignee``, a colleague. About a person: give
    ``person_id`` and the ``purpose`` it is worked under (one your role holds and the person
    was collected for); its title and notes are then sealed with the person's key."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=400, pattern=NO_NUL)
    due_on: date
    due_time: str | None = Field(default=None, max_length=5, pattern=TIME)
    priority: PriorityName = "normal"
    notes: str | None = Field(default=None, max_length=8000, pattern=NO_NUL)
    assignee: str | None = Field(
        default=None,
        max_length=254,
        pattern=NO_NUL,
        description="The colleague's e-mail address; left out: yourself.",
    )
    person_id: str | None = Field(default=None, max_length=36, pattern=NO_NUL)
    purpose: str | None = Field(default=None, max_length=60, pattern=NO_NUL)
    company_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    activity_id: str | None = Field(default=None, max_length=36, pattern=NO_NUL)
    deal_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="The deal it is for (`/api/v1/deals`)."
    )


class TaskUpdate(BaseModel):
    """The fields to change; what a task is about stays."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = kept(max_length=400, pattern=NO_NUL)
    notes: str | None = Field(default=None, max_length=8000, pattern=NO_NUL)
    due_on: date | None = kept()
    due_time: str | None = Field(default=None, max_length=5, pattern=TIME)
    priority: PriorityName | None = kept()
    assignee: str | None = kept(max_length=254, pattern=NO_NUL)


class TaskDone(BaseModel):
    model_config = ConfigDict(extra="forbid")

    log_activity: str | None = Field(
        default=None,
        max_length=20,
        pattern=r"^[a-z_]+$",
        description="Also log the activity it was about, of this kind (`call`, `note`...), "
        "about the task's person under its purpose; 422 for a task about nobody.",
    )
    body: str | None = Field(default=None, max_length=8000, pattern=NO_NUL)


class TaskPublic(BaseModel):
    id: str
    title: str | None = Field(
        description="None when the task is about a person you do not reach under its purpose."
    )
    notes: str | None
    due_on: date
    due_time: str | None
    priority: PriorityName
    assignee: str
    bucket: BucketName | None = Field(description="Where an open task stands now; None when done.")
    done_at: datetime | None
    created_at: datetime
    person_id: str | None
    purpose: str | None
    company_id: int | None
    activity_id: str | None
    deal_id: int | None = None
    activity_logged: str | None = None
    """On completion with ``log_activity``: the id of the activity logged."""
