"""The embedded queue's SQL (``jobs`` table, ``tables.JobRow``): enqueue, claim with a lease,
heartbeat, finish. Each claim is one conditional UPDATE, so two workers never take one job, on
SQLite and PostgreSQL alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from kluis.db import READ_ONLY
from kluis.jobs import rules
from kluis.jobs.tables import JobRow


@dataclass(frozen=True)
class Claimed:
    id: int
    name: str
    args: dict[str, Any]
    attempt: int
    failures: int


def enqueue(
    engine: Engine,
    name: str,
    args: dict[str, Any],
    now: datetime,
    periodic_key: str | None = None,
) -> int | None:
    """Queue a job; its id, or None when ``periodic_key``'s run is queued already."""
    values = {
        "name": name,
        "args": args,
        "status": "queued",
        "attempts": 0,
        "failures": 0,
        "run_after": now,
        "periodic_key": periodic_key,
        "created_at": now,
        "updated_at": now,
    }
    try:
        with engine.begin() as conn:
            made = conn.execute(insert(JobRow).values(values)).inserted_primary_key
            assert made is not None
            return int(made[0])
    except IntegrityError:
        if periodic_key is None:
            raise
        return None


def _claimable(now: datetime) -> Any:
    return or_(
        and_(JobRow.status == "queued", JobRow.run_after <= now),
        and_(JobRow.status == "running", JobRow.lease_until < now),
    )


def claim(engine: Engine, worker: str, now: datetime) -> Claimed | None:
    """Take the oldest job that is due, or whose worker stopped renewing its lease (it died).
    A worker dying counts as a failure of the job, so a job that kills its process every time
    ends ``failed`` after its attempts instead of taking the server down at every start."""
    while True:
        with engine.begin() as conn:
            row = conn.execute(
                select(
                    JobRow.id,
                    JobRow.name,
                    JobRow.args,
                    JobRow.attempts,
                    JobRow.failures,
                    JobRow.status,
                )
                .where(_claimable(now))
                .order_by(JobRow.run_after, JobRow.id)
                .limit(1)
            ).first()
            if row is None:
                return None
            crashed = row.status == "running"
            taken = conn.execute(
                update(JobRow)
                .where(JobRow.id == row.id, _claimable(now))
                .values(
                    status="running",
                    worker=worker,
                    lease_until=now + rules.LEASE,
                    attempts=JobRow.attempts + 1,
                    failures=JobRow.failures + (1 if crashed else 0),
                    error="WorkerDied" if crashed else JobRow.error,
                    updated_at=now,
                )
            ).rowcount
        if taken == 1:
            return Claimed(
                row.id, row.name, dict(row.args), row.attempts + 1, row.failures + crashed
            )


def renew(engine: Engine, job_id: int, worker: str, now: datetime) -> bool:
    """The worker's heartbeat; False when the job is no longer its own."""
    with engine.begin() as conn:
        return (
            conn.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.worker == worker, JobRow.status == "running")
                .values(lease_until=now + rules.LEASE, updated_at=now)
            ).rowcount
            == 1
        )


def settle(
    engine: Engine,
    job_id: int,
    worker: str,
    now: datetime,
    status: str,
    *,
    run_after: datetime | None = None,
    failed: bool = False,
    error: str | None = None,
) -> None:
    """End a run: ``done``, ``failed``, or ``queued`` again (after a stop, a retry or a
    failure with attempts left, from ``run_after``)."""
    values: dict[str, Any] = {
        "status": status,
        "worker": None,
        "lease_until": None,
        "updated_at": now,
        "run_after": run_after or now,
    }
    if failed:
        values["failures"] = JobRow.failures + 1
        values["error"] = error
    with engine.begin() as conn:
        conn.execute(
            update(JobRow).where(JobRow.id == job_id, JobRow.worker == worker).values(values)
        )


def counts(engine: Engine, now: datetime) -> dict[str, int]:
    """Jobs ``queued`` (due or waiting), ``running`` and ``failed``; a running job whose lease
    lapsed counts as queued: its worker is gone and the next claim takes it."""
    found = dict.fromkeys(("queued", "running", "failed"), 0)
    lapsed = case((and_(JobRow.status == "running", JobRow.lease_until < now), 1), else_=0)
    # read-only: /readyz and /metrics must not wait behind a writer (``db.READ_ONLY``)
    with engine.connect().execution_options(**READ_ONLY) as conn:
        rows = conn.execute(
            select(JobRow.status, lapsed, func.count())
            .where(JobRow.status.in_(("queued", "running", "failed")))
            .group_by(JobRow.status, lapsed)
        ).all()
    for status, lapsed, number in rows:
        found["queued" if status == "running" and lapsed else status] += number
    return found


def prune(engine: Engine, before: datetime) -> int:
    """Delete jobs done before ``before`` (a week ago): their work is recorded where it
    belongs (campaign, import job, audit log); failed jobs stay until looked at."""
    with engine.begin() as conn:
        return int(
            conn.execute(
                delete(JobRow).where(JobRow.status == "done", JobRow.updated_at < before)
            ).rowcount
        )
