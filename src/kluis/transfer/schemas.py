"""API shapes of import jobs."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class RejectPublic(BaseModel):
    """A rejected or skipped record: where and why, never its value nor a person's id."""

    line: int = Field(description="The record's first physical line (a card's BEGIN:VCARD).")
    column: str
    reason: str
    code: str = Field(description="Why, as a stable code (see docs/import.md).")


class ImportJobPublic(BaseModel):
    """An import job: its status and counts; the first 100 rejected and skipped rows."""

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
    blank: int = Field(description="Blank records passed (not records read).")
    custom: int = Field(
        default=0,
        description="Custom values (`custom.KEY` columns) stored on the people created or merged.",
    )
    records: int = Field(
        description="Records read: `created + merged + skipped + rejected` (`position - blank`)."
    )
    rejects: list[RejectPublic] = Field(description="The first 100 rejected records.")
    skips: list[RejectPublic] = Field(description="The first 100 records skipped as duplicates.")
    error: str | None
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    hint: str | None = Field(
        default=None, description="What to do about the status (a stalled job), or null."
    )
