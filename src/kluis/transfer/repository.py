"""All SQL of bulk import and export: the import jobs, duplicate look-ups, export pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, func, insert, or_, select, update

from kluis import errors
from kluis.contacts.tables import PersonIndex, PersonPurpose, people
from kluis.db import READ_ONLY, rows_in
from kluis.errors import Conflict, KluisError, NotFound
from kluis.transfer.job import KEPT_REJECTS, Counts
from kluis.transfer.reading import FileInfo
from kluis.transfer.rules.notes import LineNote, Reject, Skip
from kluis.transfer.rules.values import Row
from kluis.transfer.tables import ImportJob

_JOBS: Table = ImportJob.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class JobView:
    id: int
    status: str
    format: str
    file_sha256: str
    options: dict[str, Any]
    total: int | None
    position: int
    created: int
    merged: int
    skipped: int
    rejected: int
    suppressed: int
    consents: int
    blank: int
    custom: int
    rejects: list[dict[str, Any]]
    skips: list[dict[str, Any]]
    rejects_offset: int
    error: str | None
    error_said: dict[str, Any] | None
    created_by: str
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None


def _view(row: Any) -> JobView:
    return JobView(
        id=row.id,
        status=row.status,
        format=row.format,
        file_sha256=row.file_sha256,
        options=row.options,
        total=row.total,
        position=row.position,
        created=row.created,
        merged=row.merged,
        skipped=row.skipped,
        rejected=row.rejected,
        suppressed=row.suppressed,
        consents=row.consents,
        blank=row.blank,
        custom=row.custom,
        rejects=list(row.rejects or []),
        skips=list(row.skips or []),
        rejects_offset=row.rejects_offset,
        error=row.error,
        error_said=row.error_said,
        created_by=row.created_by,
        started_at=row.started_at,
        updated_at=row.updated_at,
        finished_at=row.finished_at,
    )


def get_job(engine: Engine, job_id: int) -> JobView:
    """An import's progress, read without SQLite's write lock (``db.READ_ONLY``): the import
    page, the API and a watching command must not wait behind the batch being written."""
    with engine.connect().execution_options(**READ_ONLY) as conn:
        row = conn.execute(select(_JOBS).where(ImportJob.id == job_id)).first()
    if row is None:
        raise NotFound(f"there is no import job {job_id}", field="id")
    return _view(row)


def list_jobs(engine: Engine, limit: int = 50) -> list[JobView]:
    """The latest imports, read like ``get_job`` without the write lock."""
    with engine.connect().execution_options(**READ_ONLY) as conn:
        rows = conn.execute(select(_JOBS).order_by(ImportJob.id.desc()).limit(limit))
        return [_view(r) for r in rows]


def open_job(
    engine: Engine,
    key: str,
    info: FileInfo,
    options: dict[str, Any],
    actor: str,
    now: datetime,
    *,
    status: str = "running",
) -> JobView:
    """The job of this file and options: found again (to resume) or made (``queued`` when the
    API makes it before running it)."""
    with engine.begin() as conn:
        row = conn.execute(select(_JOBS).where(ImportJob.key == key)).first()
        if row is None:
            new_id = conn.execute(
                insert(_JOBS)
                .values(
                    key=key,
                    file_sha256=info.sha256,
                    format=info.format.value,
                    options=options,
                    status=status,
                    total=info.lines,
                    position=0,
                    created=0,
                    merged=0,
                    skipped=0,
                    rejected=0,
                    suppressed=0,
                    consents=0,
                    blank=0,
                    custom=0,
                    rejects=[],
                    skips=[],
                    rejects_offset=0,
                    created_by=actor,
                    started_at=now,
                    updated_at=now,
                )
                .returning(ImportJob.id)
            ).scalar_one()
            row = conn.execute(select(_JOBS).where(ImportJob.id == new_id)).one()
        elif row.status not in ("done", status):
            conn.execute(
                update(_JOBS)
                .where(ImportJob.id == row.id)
                .values(status=status, error=None, error_said=None, updated_at=now)
            )
            row = conn.execute(select(_JOBS).where(ImportJob.id == row.id)).one()
    return _view(row)


def advance_job(
    conn: Connection,
    job_id: int,
    start: int,
    end: int,
    counts: Counts,
    rejects: Sequence[Reject],
    skips: Sequence[Skip],
    rejects_offset: int,
    now: datetime,
) -> None:
    """Record a committed batch, in its transaction, with the first ``KEPT_REJECTS`` rejected
    and skipped lines of the job. The job must still be where this run left it: two runs of one
    import at once would otherwise both write the same rows."""
    row = conn.execute(
        select(ImportJob.position, ImportJob.rejects, ImportJob.skips).where(ImportJob.id == job_id)
    ).one()
    if row.position != start:
        raise Conflict(
            f"import job {job_id} moved on while this run worked (another run of the same file "
            "and options is going on); wait for it, then run again to see its result",
            field="file",
        )
    kept = _kept(row.rejects, rejects)
    kept_skips = _kept(row.skips, skips)
    table = _JOBS
    conn.execute(
        update(table)
        .where(ImportJob.id == job_id)
        .values(
            position=end,
            created=table.c.created + counts.created,
            merged=table.c.merged + counts.merged,
            skipped=table.c.skipped + counts.skipped,
            rejected=table.c.rejected + counts.rejected,
            suppressed=table.c.suppressed + counts.suppressed,
            consents=table.c.consents + counts.consents,
            blank=table.c.blank + counts.blank,
            custom=table.c.custom + counts.custom,
            rejects=kept,
            skips=kept_skips,
            rejects_offset=rejects_offset,
            updated_at=now,
        )
    )


def _kept(stored: list[dict[str, Any]] | None, notes: Sequence[LineNote]) -> list[dict[str, Any]]:
    kept = list(stored or [])
    room = KEPT_REJECTS - len(kept)
    if room > 0:
        kept.extend(vars(n) for n in sorted(notes, key=lambda n: n.line)[:room])
    return kept


def finish_job(conn: Connection, job_id: int, position: int, now: datetime) -> None:
    conn.execute(
        update(_JOBS)
        .where(ImportJob.id == job_id)
        .values(status="done", total=position, updated_at=now, finished_at=now)
    )


def fail_job(engine: Engine, job_id: int, error: KluisError, now: datetime) -> None:
    """The job failed: ``error``'s English and, for pages, its message id and values."""
    with engine.begin() as conn:
        conn.execute(
            update(_JOBS)
            .where(ImportJob.id == job_id)
            .values(
                status="failed",
                error=error.detail[:2000],
                error_said=errors.stored(error),
                updated_at=now,
            )
        )


def owners(conn: Connection, rows: Sequence[Row]) -> dict[bytes, str]:
    """Who holds each e-mail or phone digest of ``rows`` already (blind index look-up).

    The same query as ``contacts.repository.owners_of``, through the driver: a batch asks for
    thousands of digests, and SQLAlchemy's per-value bind processing of each cost more than the
    look-up."""
    found: dict[bytes, str] = {}
    head = f"SELECT digest, person_id FROM {PersonIndex.__tablename__} WHERE field = ? AND digest"  # noqa: S608
    for name in ("email", "phone"):
        digests = list({r.digests[name] for r in rows if name in r.digests})
        for digest, person_id in rows_in(conn, head, digests, (name,)):
            found.setdefault(bytes(digest), person_id)
    return found


def people_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(people)).scalar_one())


def refresh_statistics(engine: Engine) -> None:
    """``ANALYZE`` the tables an import writes and looks up (PostgreSQL; SQLite plans these
    look-ups from the primary key whatever the statistics)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for table in (PersonIndex.__tablename__, people.name, PersonPurpose.__tablename__):
            conn.exec_driver_sql(f"ANALYZE {table}")


def export_page(
    conn: Connection,
    purpose_key: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[tuple[datetime, str]]:
    """The next ``limit`` people (collection time, id) after ``after``: keyset paging, so each
    page is one short transaction however far the export has got. ``purpose_key`` None means
    everyone (a purpose that covers everyone)."""
    query = select(people.c.created_at, people.c.id)
    if purpose_key is not None:
        query = query.join(
            PersonPurpose,
            (PersonPurpose.person_id == people.c.id) & (PersonPurpose.purpose_key == purpose_key),
        )
    if after is not None:
        at, last = after
        query = query.where(
            or_(people.c.created_at > at, and_(people.c.created_at == at, people.c.id > last))
        )
    rows = conn.execute(query.order_by(people.c.created_at, people.c.id).limit(limit))
    return [(r[0], str(r[1])) for r in rows]
