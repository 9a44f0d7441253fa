"""An import job's terms and outcome: what the user declares for a whole file
(``ImportOptions``), what the import worked out from it before reading a record (``Setup``), and
what became of the records (``Counts``, ``ImportReport``): plain data, shared by the pipeline,
the writer, merging and the job's repository. And two pure rules about a job in progress: how it
is shown (``job_state``: a killed import is ``stalled``) and when PostgreSQL's statistics are
refreshed during it (``statistics_due``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kluis.purposes.rules import Purpose
from kluis.transfer.reading import FileInfo, Record
from kluis.transfer.rules.columns import ConsentDeclaration, Plan
from kluis.transfer.rules.matching import Duplicates
from kluis.transfer.rules.notes import Reject, Skip

KEPT_REJECTS = 100
"""Rejected lines, and skipped lines, listed in the job and the report; the rejects file
(``--rejects``) has them all."""


@dataclass(frozen=True)
class ImportOptions:
    """What the user declares for a whole file."""

    purposes: tuple[str, ...]
    relationship: str = "other"
    language: str = "nl"
    mapping: tuple[str, ...] = ()
    consent: ConsentDeclaration | None = None
    duplicates: Duplicates = Duplicates.SKIP

    def canonical(self) -> dict[str, Any]:
        return {
            "purposes": sorted(set(self.purposes)),
            "relationship": self.relationship,
            "language": self.language,
            "mapping": sorted(self.mapping),
            "consent": None
            if self.consent is None
            else {
                "topic": self.consent.topic,
                "channel": self.consent.channel,
                "method": self.consent.method,
                "notice": self.consent.notice_id,
            },
            "duplicates": self.duplicates.value,
        }


@dataclass
class Counts:
    """What became of the records read. Every record that is not blank is counted once in
    ``created``, ``merged``, ``skipped`` or ``rejected``; ``suppressed`` and ``consents`` count
    again some of those."""

    created: int = 0
    merged: int = 0
    skipped: int = 0
    rejected: int = 0
    suppressed: int = 0
    consents: int = 0
    blank: int = 0
    """Records without a non-blank cell (empty lines): not records read, but they move the
    job's position."""
    custom: int = 0
    """Custom values (``custom.<key>`` columns) stored on the people created or merged: not
    records, a count of values."""

    def add(self, other: Counts) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ImportReport:
    job_id: int | None
    status: str
    format: str
    position: int
    counts: Counts
    rejects: list[Reject] = field(default_factory=list)
    dry_run: bool = False
    resumed_from: int = 0
    already_done: bool = False
    skips: list[Skip] = field(default_factory=list)

    @property
    def records(self) -> int:
        """Records read: created + merged + skipped + rejected."""
        return self.position - self.counts.blank

    def as_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "status": self.status,
            "format": self.format,
            "records": self.records,
            "position": self.position,
            **vars(self.counts),
            "rejects": [vars(r) for r in self.rejects],
            "skips": [vars(s) for s in self.skips],
            "dry_run": self.dry_run,
            "resumed_from": self.resumed_from,
            "already_done": self.already_done,
        }


@dataclass
class Setup:
    info: FileInfo
    headers: list[str]
    rows: Iterator[Record]
    plan: Plan
    purposes: dict[str, Purpose]
    marketing: frozenset[str]
    reconfirm_months: int
    key: str
    role_purposes: tuple[Purpose, ...]
    """Every purpose the importing actor's role holds: a merge needs the person to be
    readable under one of them already."""


STALE_AFTER = timedelta(minutes=10)
"""How long a running job may go without progress before it is shown as stalled. A batch (a few
thousand rows, ``--batch-size``) commits in seconds, and each commit advances the job's
``updated_at``; ten minutes without one means the process doing the import is gone (killed,
crashed, a restarted server), not that it is slow."""


STALLED = "stalled"
STALLED_HINT = (
    "no progress for more than {limit}: the import was interrupted; run the same import again "
    "(same file and options) to carry on where it stopped"
)


def _minutes(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


@dataclass(frozen=True)
class JobState:
    """How a job is shown: its status, and what to do about it when that is not obvious."""

    status: str
    hint: str | None = None


def statistics_due(added_since: int, held_then: int) -> bool:
    """Whether PostgreSQL's statistics of the people tables should be refreshed during an
    import. Its planner chooses from them how to look up duplicates: with statistics of an
    empty table it scans the whole blind index for every batch (measured: 980 contacts a second
    instead of 3,900 at 100,000 into a new database, before autovacuum catches up). Refreshed
    when an import has added as many people as were held at the last refresh, the statistics are
    never off by more than half, for about log2(people) refreshes in all."""
    return added_since > 0 and added_since >= held_then


def job_state(
    status: str, updated_at: datetime, now: datetime, stale_after: timedelta = STALE_AFTER
) -> JobState:
    """The status to show for a stored job status at ``now``.

    A process that is killed cannot mark its job failed, so the stored status of its job stays
    ``running``; shown as it is, that promises progress that will never come. A running job
    whose last progress is more than ``stale_after`` ago is shown as ``stalled`` with the way
    out: running the same import again resumes it (the job is found by the file's digest and
    options; ``repository.advance_job`` refuses a second run while the first is in fact still
    writing). Only the display changes: the stored row is left as it is, so a job that was only
    slow carries on undisturbed. A last progress in the future (clocks of two machines) is not
    stale.
    """
    if status == "running" and now - updated_at > stale_after:
        return JobState(STALLED, STALLED_HINT.format(limit=_minutes(stale_after)))
    return JobState(status)
