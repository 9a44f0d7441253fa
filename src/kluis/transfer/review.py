"""An import looked at before it runs, for the admin's import pages: the columns of the file
with the field each will feed (what ``rules.columns.plan_columns`` will apply, and the mapping
the admin chose), and a dry run's summary (``dry_run``: would add, would merge, skipped,
rejected with line and reason), or the refusal the real run would meet. Nothing is written but
XX
and stores nothing.

Also the import jobs as the pages show them, and the options an upload waits with (a small JSON
file beside it, mode 0600: purposes, relationship, language, the column mapping; no personal
value).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kluis.actors import IMPORT_PAGE_ROLES, Actor
from kluis.contacts import custom_store
from kluis.errors import KluisError, PermissionDenied
from kluis.runtime import Kluis
from kluis.transfer import pipeline, repository
from kluis.transfer.job import ImportOptions, ImportReport, JobState, job_state
from kluis.transfer.reading import records, scan
from kluis.transfer.rules.columns import (
    ConsentDeclaration,
    header_key,
    parse_mapping,
    proposed_target,
)
from kluis.transfer.rules.matching import Duplicates

OPTIONS_FILE = "options.json"


def may_use_pages(actor: Actor) -> None:
    """The import pages are admin work (``actors.IMPORT_PAGE_ROLES``): they list every import
    job and start imports for any purpose the role holds. The API's upload and ``kluis contacts
    import`` stay open to a role for the purposes it holds (``pipeline``)."""
    if actor.role not in IMPORT_PAGE_ROLES:
        raise PermissionDenied("only an admin may use the import pages")


@dataclass(frozen=True)
class ColumnChoice:
    index: int
    header: str
    target: str | None
    """The field Kluis will fill from the column (None: not recognised, to be mapped)."""
    chosen: bool
    """Whether ``target`` is the admin's mapping rather than Kluis' own reading of the header."""


@dataclass(frozen=True)
class Review:
    format: str
    lines: int
    columns: tuple[ColumnChoice, ...]
    report: ImportReport | None
    refusal: KluisError | None


def review(k: Kluis, actor: Actor, path: Path, options: ImportOptions, now: datetime) -> Review:
    """The columns and a dry run of importing ``path`` with ``options``; a file that cannot be
    read at all (not UTF-8) raises, as the import would."""
    info = scan(path)
    headers, _ = records(path, info)
    refusal: KluisError | None = None
    report: ImportReport | None = None
    with k.engine.connect() as conn:
        custom = custom_store.fields(conn)
    try:
        mapping = parse_mapping(options.mapping, [f.key for f in custom])
    except KluisError as exc:
        mapping, refusal = {}, exc
    columns = tuple(
        ColumnChoice(i, h, proposed_target(h, mapping, custom), header_key(h) in mapping)
        for i, h in enumerate(headers)
    )
    if refusal is None:
        try:
            report = pipeline.run_import(k, actor, path, options, now, dry_run=True, workers=0)
        except KluisError as exc:
            refusal = exc
    return Review(info.format.value, info.lines, columns, report, refusal)


def write_options(path: Path, options: ImportOptions) -> None:
    """Keep ``options`` beside the upload at ``path`` (owner-only, like the upload)."""
    target = path.parent / OPTIONS_FILE
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(options.canonical(), out)


def read_options(path: Path) -> ImportOptions:
    data: dict[str, Any] = json.loads((path.parent / OPTIONS_FILE).read_text(encoding="utf-8"))
    consent = data["consent"]
    return ImportOptions(
        purposes=tuple(data["purposes"]),
        relationship=data["relationship"],
        language=data["language"],
        mapping=tuple(data["mapping"]),
        duplicates=Duplicates(data["duplicates"]),
        consent=None
        if consent is None
        else ConsentDeclaration(
            consent["topic"], consent["channel"], consent["method"], int(consent["notice"])
        ),
    )


@dataclass(frozen=True)
class JobShown:
    job: repository.JobView
    state: JobState

    @property
    def records(self) -> int:
        return self.job.position - self.job.blank

    @property
    def percent(self) -> int:
        total = self.job.total or 0
        if self.job.status == "done":
            return 100
        return min(99, self.job.position * 100 // total) if total else 0


def shown(job: repository.JobView, now: datetime) -> JobShown:
    return JobShown(job, job_state(job.status, job.updated_at, now))


def recent_jobs(k: Kluis, now: datetime, limit: int = 20) -> list[JobShown]:
    return [shown(j, now) for j in repository.list_jobs(k.engine, limit)]


def one_job(k: Kluis, job_id: int, now: datetime) -> JobShown:
    return shown(repository.get_job(k.engine, job_id), now)
