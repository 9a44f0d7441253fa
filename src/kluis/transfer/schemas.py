"""API shapes of import jobs."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class RejectPublic(BaseModel):
    """A rejected row: where and why, never its value."""

    line: int
    column: str
    reason: str


class ImportJobPublic(BaseModel):
    """An import job: its status and counts; the first 100 rejected rows."""

    id: int
    status: str = Field(
        description="`queued`, `running`, `done`, `failed`, or `stalled`: running without "
        "progress for more than 10 minutes (its process was stopped; post the same file with "
        "the same options to carry on)."
    )
    format: str
    total: int | None
    position: int
    created: int
    merged: int
    skipped: int
    rejected: int
    suppressed: int
    consents: int
    rejects: list[RejectPublic]
    error: str | None
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    hint: str | None = Field(
        default=None, description="What to do about the status (a stalled job), or null."
    )
