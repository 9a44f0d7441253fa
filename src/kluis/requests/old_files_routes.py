"""JSON API of the searches of old files for a request's person (``kluis.discover``): what
was searched and where the person was found, names and places only. Searching is done with
``kluis discover`` or the request page's upload (files live on the operator's side)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from kluis.api import MAX_ID, PROBLEMS, KluisDep
from kluis.auth.deps import ActorDep
from kluis.discover import service as discover
from kluis.requests import old_files

router = APIRouter(prefix="/requests", tags=["privacy requests"], responses=PROBLEMS)
RequestId = Annotated[int, Path(ge=1, le=MAX_ID)]


class HitPublic(BaseModel):
    place: str
    """``line 12``, ``sheet S, cell B7``, ``message <id>``, ``page 2``, ``card 3 (line 14)``."""
    kind: str
    """``email``, ``phone`` or ``name``: which identifier matched (never its value)."""


class FilePublic(BaseModel):
    name: str
    kind: str
    hits: list[HitPublic]
    hit_count: int
    error: str | None
    redacted_copy: str | None
    """The copy without the person written by ``--redact``, if any."""


class SearchPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    source: str
    files: list[FilePublic]


@router.get("/{request_id}/old-files", response_model=list[SearchPublic])
def old_file_searches(
    kluis: KluisDep, actor: ActorDep, request_id: RequestId
) -> list[SearchPublic]:
    """Every search of old files made for the request, oldest first: each file's name, the
    places the person was found and by which kind of identifier, the redacted copy written.
    Admin or privacy officer; no value is ever included."""
    target = old_files.target(kluis, request_id)
    return [
        SearchPublic(
            id=report.id,
            at=report.at,
            actor=report.actor,
            source=report.source,
            files=[
                FilePublic(
                    name=f.name,
                    kind=f.kind,
                    hits=[HitPublic(**h) for h in f.hits],
                    hit_count=f.hit_count,
                    error=f.error,
                    redacted_copy=f.copy,
                )
                for f in report.files
            ],
        )
        for report in discover.reports(kluis, actor, target.request_id)
    ]
