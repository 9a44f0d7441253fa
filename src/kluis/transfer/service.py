"""Bulk import of people: validated, de-duplicated, encrypted, indexed, audited, in batches that
each commit together with the import job's progress, so a killed import resumes where it stopped.

The pipeline: the file is scanned (SHA-256, UTF-8), its header planned (``rules.plan_columns``:
unknown columns and undeclared consent columns are refused before anything is written), then
records are validated in chunks, in this process or, when asked (``workers``), in a second process
while this process writes the previous chunk. Writing a chunk is one transaction of the data store:
duplicates looked up through the blind index, new people inserted through the driver's
``executemany``, merges, consents from the declaration, audit entries, and the job's position and
counters. Keys are made in the keyring just before (a kill in between leaves unused keys, never
data without a key).

The same rows give the same people however the work is cut: a row that repeats an earlier row of
its own chunk waits for a second pass of the same transaction, so it meets that person exactly as
it would have in a later chunk.
"""

from __future__ import annotations

import csv
import hashlib
import json
import multiprocessing
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection

from kluis.audit import service as audit
from kluis.audit.events import AuditEvent, ImportFinished, ImportStarted, PersonCreated
from kluis.auth.rules import Actor
from kluis.consent import catalogue as consent_catalogue
from kluis.consent import rules as consent_rules
from kluis.consent.catalogue import ConsentRefused
from kluis.contacts import rules as contact_rules
from kluis.contacts.fields import BY_NAME
from kluis.contacts.repository import PEOPLE_COLUMNS, insert_people
from kluis.db import bulk_time
from kluis.errors import Conflict, InvalidField, KluisError, NotFound, PurposeRefused
from kluis.purposes import repository as purposes_repo
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis
from kluis.transfer import merging, repository
from kluis.transfer.reading import BAD_CARD, FileInfo, records, scan
from kluis.transfer.rules import (
    ConsentDeclaration,
    Duplicates,
    Plan,
    Reject,
    Row,
    check_minimisation,
    header_key,
    parse_mapping,
    plan_columns,
    validate_row,
)

BATCH_SIZE = 1000
_PEOPLE_POSITION = {name: i for i, name in enumerate(PEOPLE_COLUMNS)}
KEPT_REJECTS = 100
"""Rejects listed in the job and the report; the rejects file has them all."""
DEFAULT_WORKERS = 0
"""Validation runs in this process unless asked otherwise. Measured on two cores (issue 7's
benchmark, 20,000 rows) the worker was slower: sending each chunk to the second process and
its rows back costs this process nearly as much as validating them. At 100,000 rows on an
idle machine ``workers=1`` was about 10% faster (one run each), so pass it for large files."""

Progress = Callable[[int, int], None]


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
    created: int = 0
    merged: int = 0
    skipped: int = 0
    rejected: int = 0
    suppressed: int = 0
    consents: int = 0

    def add(self, other: Counts) -> None:
        for name in ("created", "merged", "skipped", "rejected", "suppressed", "consents"):
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "status": self.status,
            "format": self.format,
            "records": self.position,
            **vars(self.counts),
            "rejects": [vars(r) for r in self.rejects],
            "dry_run": self.dry_run,
            "resumed_from": self.resumed_from,
            "already_done": self.already_done,
        }


@dataclass(frozen=True)
class _Context:
    """What validating a record needs; inherited by the worker process through fork."""

    plan: Plan
    relationship: str
    language: str
    ctx: contact_rules.NormaliseContext
    declared_consent: bool
    blind_index: Callable[[str, str], bytes]

    def prepare(self, chunk: Sequence[tuple[int, list[str]]]) -> list[Row | Reject | None]:
        out: list[Row | Reject | None] = []
        for line, cells in chunk:
            if cells and cells[0] == BAD_CARD:
                out.append(Reject(line, "", "not a vCard that can be read"))
                continue
            out.append(
                validate_row(
                    self.plan,
                    line,
                    cells,
                    relationship=self.relationship,
                    language=self.language,
                    ctx=self.ctx,
                    declared_consent=self.declared_consent,
                    blind_index=self.blind_index,
                )
            )
        return out


_WORKER_CONTEXT: _Context | None = None


def _install(context: _Context) -> None:
    global _WORKER_CONTEXT  # one context per worker process
    _WORKER_CONTEXT = context


def _prepare_in_worker(chunk: list[tuple[int, list[str]]]) -> list[Row | Reject | None]:
    assert _WORKER_CONTEXT is not None
    return _WORKER_CONTEXT.prepare(chunk)


@dataclass
class _Setup:
    info: FileInfo
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]
    plan: Plan
    purposes: dict[str, Purpose]
    marketing: frozenset[str]
    reconfirm_months: int
    key: str


def _purposes(k: Kluis, actor: Actor, keys: Sequence[str]) -> dict[str, Purpose]:
    if not keys:
        raise InvalidField(
            "name at least one --purpose the data is collected for; data is not kept without one "
            "(GDPR Art. 5(1)(b), 6)",
            field="purposes",
        )
    from kluis.auth.rules import holds_purpose

    chosen: dict[str, Purpose] = {}
    with k.engine.connect() as conn:
        for key in dict.fromkeys(keys):
            purpose = purposes_repo.get(conn, key)
            if purpose is None:
                raise NotFound(
                    f"there is no purpose {key!r}; `kluis purposes list` shows the catalogue",
                    field="purposes",
                )
            if not holds_purpose(actor.role, purpose.roles):
                raise PurposeRefused(
                    f"role {actor.role.value} may not collect data for purpose {key!r}",
                    field="purposes",
                )
            chosen[key] = purpose
    return chosen


def _check_declaration(k: Kluis, declaration: ConsentDeclaration) -> int:
    """Validate the consent declaration once for the whole file; the topic's re-confirmation
    period in months."""
    consent_catalogue.parse_channel(declaration.channel)
    try:
        consent_rules.check_grant(declaration.method, declaration.notice_id)
    except consent_rules.ConsentRefused as exc:
        raise ConsentRefused(str(exc), field=f"consent_{exc.field}") from None
    with k.engine.connect() as conn:
        topic = consent_catalogue.topic_row(conn, declaration.topic)
        if not repository.notice_exists(conn, declaration.notice_id):
            raise InvalidField(
                f"there is no notice {declaration.notice_id}; `kluis notices list` shows them",
                field="consent_notice",
            )
    return int(topic.reconfirm_months)


def _setup(k: Kluis, actor: Actor, path: Path, options: ImportOptions) -> _Setup:
    contact_rules.parse_relationship(options.relationship)
    contact_rules.parse_language(options.language)
    purposes = _purposes(k, actor, options.purposes)
    months = 0
    if options.consent is not None:
        months = _check_declaration(k, options.consent)
    mapping = parse_mapping(options.mapping)
    info = scan(path)
    headers, rows = records(path, info)
    if info.format.value == "vcf":
        # A vCard carries what the address book had; fields no purpose uses are not read.
        mapping = {
            **{
                header_key(name): "ignore"
                for name in headers
                if not any(p.may_use(BY_NAME[name].category) for p in purposes.values())
            },
            **mapping,
        }
    plan = plan_columns(headers, mapping, options.consent)
    check_minimisation(plan, lambda f: any(p.may_use(f.category) for p in purposes.values()))
    marketing = frozenset(
        key
        for key, p in purposes.items()
        if contact_rules.is_marketing(p, k.settings.marketing_purpose)
    )
    canonical = json.dumps({"file": info.sha256, **options.canonical()}, sort_keys=True)
    key = hashlib.sha256(canonical.encode()).hexdigest()
    return _Setup(info, headers, rows, plan, purposes, marketing, months, key)


def run_import(
    k: Kluis,
    actor: Actor,
    path: Path,
    options: ImportOptions,
    now: datetime,
    *,
    dry_run: bool = False,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
) -> ImportReport:
    """Import ``path`` for ``options``; runs again with the same file and options resume."""
    setup = _setup(k, actor, path, options)
    context = _Context(
        plan=setup.plan,
        relationship=options.relationship,
        language=options.language,
        ctx=contact_rules.NormaliseContext(k.settings.default_region, now.date()),
        declared_consent=options.consent is not None,
        blind_index=k.vault.blind_index,
    )
    writer = _Writer(k, actor, setup, options, now, dry_run)
    if dry_run:
        job = None
        position = 0
    else:
        job = repository.open_job(
            k.engine, setup.key, setup.info, options.canonical(), actor.ref, now
        )
        if job.status == "done":
            return _report(job, already_done=True)
        position = job.position
        writer.counts = _job_counts(job)
        writer.kept = [Reject(**r) for r in job.rejects]
        with k.engine.begin() as conn:
            audit.record(
                conn,
                actor.ref,
                now,
                [ImportStarted(job.id, setup.info.format.value, tuple(setup.purposes), position)],
            )
    rejects = _RejectsFile(rejects_path, setup.headers, job.rejects_offset if job else 0)
    total = setup.info.lines
    stream = islice(setup.rows, position, None) if position else setup.rows
    chunks = _chunks(stream, batch_size)
    use_workers = DEFAULT_WORKERS if workers is None else workers
    try:
        with rejects:
            for chunk, results in _prepared(context, chunks, use_workers):
                end = position + len(chunk)
                cells = dict(chunk)
                writer.write(job.id if job else None, results, position, end, rejects, cells)
                position = end
                if progress is not None:
                    progress(position, max(total, position))
    except KluisError as exc:
        if job is not None:
            repository.fail_job(k.engine, job.id, exc.detail, now)
        raise
    except Exception as exc:
        if job is not None:
            repository.fail_job(k.engine, job.id, type(exc).__name__, now)
        raise
    if job is None:
        return ImportReport(
            None, "dry-run", setup.info.format.value, position, writer.counts, writer.kept, True
        )
    with k.engine.begin() as conn:
        repository.finish_job(conn, job.id, position, now)
        c = writer.counts
        audit.record(
            conn,
            actor.ref,
            now,
            [
                ImportFinished(
                    job.id, c.created, c.merged, c.skipped, c.rejected, c.suppressed, c.consents
                )
            ],
        )
    done = repository.get_job(k.engine, job.id)
    return _report(done, resumed_from=job.position)


def _chunks(
    stream: Iterator[tuple[int, list[str]]], size: int
) -> Iterator[list[tuple[int, list[str]]]]:
    while chunk := list(islice(stream, size)):
        yield chunk


def _prepared(
    context: _Context, chunks: Iterator[list[tuple[int, list[str]]]], workers: int
) -> Iterator[tuple[list[tuple[int, list[str]]], list[Row | Reject | None]]]:
    """Chunks with their validation results; with a worker, validation of the next chunk runs
    in the second process while the caller writes this one (two chunks in flight at most)."""
    if workers <= 0:
        for chunk in chunks:
            yield chunk, context.prepare(chunk)
        return
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=fork, initializer=_install, initargs=(context,)
    ) as pool:
        pending: deque[tuple[list[tuple[int, list[str]]], Future[list[Row | Reject | None]]]]
        pending = deque()
        for chunk in chunks:
            pending.append((chunk, pool.submit(_prepare_in_worker, chunk)))
            if len(pending) > workers:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()


def _job_counts(job: repository.JobView) -> Counts:
    return Counts(job.created, job.merged, job.skipped, job.rejected, job.suppressed, job.consents)


def _report(
    job: repository.JobView, *, resumed_from: int = 0, already_done: bool = False
) -> ImportReport:
    return ImportReport(
        job.id,
        job.status,
        job.format,
        job.position,
        _job_counts(job),
        [Reject(**r) for r in job.rejects],
        resumed_from=resumed_from,
        already_done=already_done,
    )


def job_report(k: Kluis, job_id: int) -> ImportReport:
    return _report(repository.get_job(k.engine, job_id))


def queue_import(
    k: Kluis, actor: Actor, path: Path, options: ImportOptions, now: datetime
) -> repository.JobView:
    """Check the file and options (refusing what ``run_import`` would refuse up front) and
    make its job, ``queued``, for ``run_import`` to carry out later (the API's upload)."""
    setup = _setup(k, actor, path, options)
    return repository.open_job(
        k.engine, setup.key, setup.info, options.canonical(), actor.ref, now, status="queued"
    )


class _RejectsFile:
    """The rejects CSV: each rejected row as it was, plus line and reason. It holds personal
    data (the rows as given), so it is created readable by the owner only."""

    def __init__(self, path: Path | None, headers: list[str], offset: int) -> None:
        self.path = path
        self.headers = headers
        self.offset = offset
        self.handle: IO[str] | None = None
        self.writer: Any = None

    def __enter__(self) -> _RejectsFile:
        if self.path is None:
            return self
        import os

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        self.handle = os.fdopen(fd, "r+", encoding="utf-8", newline="")
        self.handle.truncate(self.offset)
        self.handle.seek(self.offset)
        self.writer = csv.writer(self.handle)
        if self.offset == 0:
            self.writer.writerow(["line", "column", "reason", *self.headers])
            self.flush()
        return self

    def write(self, reject: Reject, cells: list[str]) -> None:
        if self.writer is not None:
            self.writer.writerow([reject.line, reject.column, reject.reason, *cells])

    def flush(self) -> int:
        if self.handle is None:
            return 0
        self.handle.flush()
        self.offset = self.handle.tell()
        return self.offset

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()


class _Writer:
    """Writes one chunk's results in one transaction, with the job's progress."""

    def __init__(
        self,
        k: Kluis,
        actor: Actor,
        setup: _Setup,
        options: ImportOptions,
        now: datetime,
        dry_run: bool,
    ) -> None:
        self.k = k
        self.actor = actor
        self.setup = setup
        self.options = options
        self.now = now
        self.dry_run = dry_run
        self.counts = Counts()
        self.kept: list[Reject] = []
        self.seen_dry: set[bytes] = set()
        self.header_of = {c.target: c.header for c in setup.plan.columns}

    def _reject(self, batch: Counts, rejects: list[Reject], reject: Reject) -> None:
        batch.rejected += 1
        rejects.append(reject)

    def write(
        self,
        job_id: int | None,
        results: list[Row | Reject | None],
        start: int,
        end: int,
        rejects_file: _RejectsFile,
        cells: dict[int, list[str]],
    ) -> list[Reject]:
        batch = Counts()
        rejects: list[Reject] = []
        rows: list[tuple[Row, tuple[str, ...]]] = []
        for result in results:
            if isinstance(result, Reject):
                self._reject(batch, rejects, result)
            elif result is not None:
                rows.append((result, tuple(self.setup.purposes)))
        rows = self._suppression(rows, batch, rejects)
        if self.dry_run:
            self._dry(rows, batch, rejects)
        else:
            self._store(job_id, rows, batch, rejects, start, end, rejects_file, cells)
        self.counts.add(batch)
        room = KEPT_REJECTS - len(self.kept)
        self.kept.extend(sorted(rejects, key=lambda r: r.line)[: max(room, 0)])
        return rejects

    def _suppression(
        self, rows: list[tuple[Row, tuple[str, ...]]], batch: Counts, rejects: list[Reject]
    ) -> list[tuple[Row, tuple[str, ...]]]:
        """People on the suppression list (erased, or objected to direct marketing) are not
        added to any marketing purpose, and no consent is taken for them from a file."""
        digests = [d for row, _ in rows for d in row.digests.values()]
        listed = self.k.vault.suppressed(digests) if digests else set()
        if not listed:
            return rows
        kept: list[tuple[Row, tuple[str, ...]]] = []
        for row, purposes in rows:
            hit = [name for name, d in row.digests.items() if d in listed]
            if not hit:
                kept.append((row, purposes))
                continue
            batch.suppressed += 1
            remaining = tuple(p for p in purposes if p not in self.setup.marketing)
            if not remaining:
                self._reject(
                    batch,
                    rejects,
                    Reject(
                        row.line,
                        self.header_of.get(hit[0], hit[0]),
                        "on the suppression list (erased or objected to direct marketing); not "
                        "added to marketing",
                    ),
                )
                continue
            chosen = [self.setup.purposes[p] for p in remaining]
            row.stored = {
                n: v
                for n, v in row.stored.items()
                if any(p.may_use(BY_NAME[n].category) for p in chosen)
            }
            row.index = [(n, d) for n, d in row.index if n in row.stored]
            row.consent = False
            kept.append((row, remaining))
        return kept

    def _dry(
        self, rows: list[tuple[Row, tuple[str, ...]]], batch: Counts, rejects: list[Reject]
    ) -> None:
        with self.k.engine.connect() as conn:
            owners = repository.owners(conn, [r for r, _ in rows])
        for row, _ in rows:
            found = {owners[d] for d in row.digests.values() if d in owners}
            if len(found) > 1:
                self._reject(batch, rejects, _ambiguous(row))
            elif found or any(d in self.seen_dry for d in row.digests.values()):
                if self.options.duplicates is Duplicates.MERGE:
                    batch.merged += 1
                else:
                    batch.skipped += 1
            else:
                batch.created += 1
                batch.consents += int(row.consent)
                self.seen_dry.update(row.digests.values())

    def _store(
        self,
        job_id: int | None,
        rows: list[tuple[Row, tuple[str, ...]]],
        batch: Counts,
        rejects: list[Reject],
        start: int,
        end: int,
        rejects_file: _RejectsFile,
        cells: dict[int, list[str]],
    ) -> None:
        assert job_id is not None
        for reject in sorted(rejects, key=lambda r: r.line):
            rejects_file.write(reject, cells.get(reject.line, []))
        offset = rejects_file.flush()
        with self.k.engine.begin() as conn:
            events: list[AuditEvent] = []
            pending = rows
            while pending:
                this_pass, pending = _split_repeats(pending)
                owners = repository.owners(conn, [r for r, _ in this_pass])
                new: list[tuple[Row, tuple[str, ...]]] = []
                for row, purposes in this_pass:
                    found = {owners[d] for d in row.digests.values() if d in owners}
                    if len(found) > 1:
                        self._reject(batch, rejects, _ambiguous(row))
                        rejects_file.write(rejects[-1], cells.get(row.line, []))
                        offset = rejects_file.flush()
                    elif found:
                        if self.options.duplicates is Duplicates.MERGE:
                            merging.merge(
                                self.k,
                                conn,
                                self.actor,
                                found.pop(),
                                row,
                                purposes,
                                self.options.consent,
                                self.setup.reconfirm_months,
                                self.now,
                                batch,
                                events,
                                job_id,
                            )
                        else:
                            batch.skipped += 1
                    else:
                        new.append((row, purposes))
                self._insert(conn, new, batch, events, job_id)
            audit.record(conn, self.actor.ref, self.now, events)
            repository.advance_job(conn, job_id, start, end, batch, rejects, offset, self.now)

    def _insert(
        self,
        conn: Connection,
        new: list[tuple[Row, tuple[str, ...]]],
        batch: Counts,
        events: list[AuditEvent],
        job_id: int,
    ) -> None:
        if not new:
            return
        ids = [str(uuid.uuid4()) for _ in new]
        ciphers = self.k.vault.create_keys(ids, self.now)
        at = bulk_time(conn, self.now)
        template: list[Any] = [None] * len(PEOPLE_COLUMNS)
        for name, value in (
            ("created_at", at),
            ("updated_at", at),
            ("last_interaction_at", at),
        ):
            template[_PEOPLE_POSITION[name]] = value
        id_at = _PEOPLE_POSITION["id"]
        relationship_at = _PEOPLE_POSITION["relationship"]
        language_at = _PEOPLE_POSITION["language"]
        people: list[tuple[Any, ...]] = []
        purposes: list[tuple[Any, ...]] = []
        index: list[tuple[Any, ...]] = []
        for person_id, (row, keys) in zip(ids, new, strict=True):
            values = template.copy()
            values[id_at] = person_id
            values[relationship_at] = row.relationship
            values[language_at] = row.language
            for name, sealed in ciphers[person_id].seal_all(row.stored).items():
                values[_PEOPLE_POSITION[name]] = sealed
            people.append(tuple(values))
            purposes.extend((person_id, key, at) for key in keys)
            index.extend((name, digest, person_id) for name, digest in row.index)
            events.append(
                PersonCreated(
                    person_id=person_id,
                    relationship=row.relationship,
                    purposes=keys,
                    fields=tuple(sorted(row.stored)),
                    source="import",
                )
            )
        # in key order: consecutive inserts meet the same pages of the index's B-tree (the rows'
        # order carries no meaning; look-ups order by key)
        index.sort()
        insert_people(conn, people, purposes, index)
        batch.created += len(new)
        if self.options.consent is not None:
            for person_id, (row, _) in zip(ids, new, strict=True):
                if row.consent:
                    events.append(
                        merging.grant(
                            conn,
                            person_id,
                            self.options.consent,
                            self.setup.reconfirm_months,
                            self.now,
                            f"import:{job_id}",
                            fresh=True,
                        )
                    )
                    batch.consents += 1


def _ambiguous(row: Row) -> Reject:
    return Reject(
        row.line,
        "",
        "its e-mail address belongs to one person and its phone number to another; fix the row "
        "or update those people by hand",
    )


def _split_repeats(
    rows: list[tuple[Row, tuple[str, ...]]],
) -> tuple[list[tuple[Row, tuple[str, ...]]], list[tuple[Row, tuple[str, ...]]]]:
    """Rows that repeat no earlier row of ``rows`` (by e-mail address or phone number), and
    the rows that do, which wait for the next pass."""
    seen: set[bytes] = set()
    first: list[tuple[Row, tuple[str, ...]]] = []
    later: list[tuple[Row, tuple[str, ...]]] = []
    for item in rows:
        digests = item[0].digests.values()
        # a row touching any earlier row, even one that waits, waits too: order is kept
        (later if any(d in seen for d in digests) else first).append(item)
        seen.update(digests)
    return first, later


__all__ = ["Conflict", "ImportOptions", "ImportReport", "job_report", "run_import"]
