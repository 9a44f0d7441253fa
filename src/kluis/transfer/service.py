"""Bulk import of people: validated, de-duplicated, encrypted, indexed, audited, in batches that
each commit together with the import job's progress, so a killed import resumes where it stopped.

The pipeline: the file is scanned (SHA-256, UTF-8), its header planned (``rules.plan_columns``:
unknown columns and undeclared consent columns are refused before anything is written), then
records are read and prepared in batches: validated and normalised, given a time-ordered id and
a fresh key (made and wrapped), their fields sealed and their blind-index digests made. That
work is pure computation; with ``workers=1`` a second process does it, reading the file itself,
while this process writes the batch before (two batches in flight at most). Writing a batch is
one transaction of the data store: duplicates looked up through the blind index, the keys of the
people it creates stored in the keyring just before (a kill in between leaves unused keys, never
data without a key), new people inserted through the driver's ``executemany``, merges, consents
from the declaration, audit entries, and the job's position and counters.

The same rows give the same people however the work is cut: a row that repeats an earlier row of
its own batch waits for a second pass of the same transaction, so it meets that person exactly as
it would have in a later batch.
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import os
import pickle
import queue
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection

from kluis.actors import Actor, holds_purpose
from kluis.audit import service as audit
from kluis.audit.events import AuditEvent, ImportFinished, ImportStarted, PersonCreated
from kluis.consent import catalogue as consent_catalogue
from kluis.consent import rules as consent_rules
from kluis.consent.catalogue import ConsentRefused
from kluis.contacts import repository as contacts_repo
from kluis.contacts import rules as contact_rules
from kluis.contacts.fields import BY_NAME
from kluis.contacts.repository import PEOPLE_COLUMNS, insert_people
from kluis.csvout import Writer
from kluis.db import bulk_time
from kluis.errors import Conflict, InvalidField, KluisError, NotFound, PurposeRefused
from kluis.ids import new_person_ids
from kluis.purposes import repository as purposes_repo
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis
from kluis.transfer import merging, repository
from kluis.transfer.reading import FileInfo, Record, records, scan
from kluis.transfer.rules import (
    DUPLICATE_FIELDS,
    GONE,
    OBJECTED,
    SUPPRESSED,
    Action,
    ConsentDeclaration,
    Duplicates,
    Held,
    LineNote,
    Plan,
    Reject,
    Row,
    Skip,
    header_key,
    match_note,
    on_match,
    parse_mapping,
    plan_columns,
    statistics_due,
    validate_row,
)
from kluis.transfer.seen import SeenDigests
from kluis.vault.crypto import PersonCipher

BATCH_SIZE = 5000
"""Rows per transaction. Each batch rewrites the pages of the blind index it touches, which are
spread over the whole index (digests are random): larger batches touch each page for more rows.
At 100,000 contacts, 5,000 rows per batch cost a quarter less CPU per contact than 1,000."""
_PEOPLE_POSITION = {name: i for i, name in enumerate(PEOPLE_COLUMNS)}
KEPT_REJECTS = 100
"""Rejected lines, and skipped lines, listed in the job and the report; the rejects file
(``--rejects``) has them all."""
DEFAULT_WORKERS = 0
"""Preparing runs in this process unless asked otherwise (``workers=1``: a second process reads
the file and does the validation and cryptography while this one writes). The server's uploads
run in this process: forking a process that runs threads is not safe."""

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


NewKeys = Callable[[Sequence[str]], list[tuple[PersonCipher, bytes]]]


@dataclass(frozen=True)
class _Batch:
    """A batch of records prepared for writing."""

    count: int
    """Records read (blank ones too): how far the job's position moves."""
    results: list[Row | Reject | None]
    rejected: dict[int, list[str]]
    """The cells of each rejected record read, by line, for the rejects file."""


@dataclass(frozen=True)
class _Context:
    """What preparing a record needs; inherited by the worker process through fork."""

    plan: Plan
    relationship: str
    language: str
    ctx: contact_rules.NormaliseContext
    declared_consent: bool
    blind_index: Callable[[str, str], bytes]
    new_keys: NewKeys | None
    """Makes and wraps keys (``Vault.new_keys``); None in a dry run, which seals nothing."""
    keep_cells: bool
    """Whether rejected records are written out (``--rejects``), so their cells are kept."""

    def prepare(self, chunk: Sequence[Record]) -> _Batch:
        out: list[Row | Reject | None] = []
        rejected: dict[int, list[str]] = {}
        valid: list[Row] = []
        for record in chunk:
            if isinstance(record, Reject):  # a record that could not be read
                out.append(record)
                continue
            line, cells = record
            result = validate_row(
                self.plan,
                line,
                cells,
                relationship=self.relationship,
                language=self.language,
                ctx=self.ctx,
                declared_consent=self.declared_consent,
                blind_index=self.blind_index,
            )
            if isinstance(result, Reject):
                if self.keep_cells:
                    rejected[line] = cells
            elif result is not None:
                if self.keep_cells:
                    result.cells = cells
                valid.append(result)
            out.append(result)
        if self.new_keys is not None and valid:
            made = self.new_keys(new_person_ids(len(valid)))
            for row, (cipher, wrapped) in zip(valid, made, strict=True):
                row.person_id = cipher.person_id
                row.wrapped_key = wrapped
                row.sealed = cipher.seal_all(row.stored)
        return _Batch(len(chunk), out, rejected)


@dataclass(frozen=True)
class _Failed:
    """What the worker sends when preparing failed: the error, or its type's name if the error
    itself cannot be sent."""

    error: BaseException | None
    text: str


@dataclass
class _Setup:
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


def _purposes(k: Kluis, actor: Actor, keys: Sequence[str]) -> dict[str, Purpose]:
    if not keys:
        raise InvalidField(
            "name at least one --purpose the data is collected for; data is not kept without one "
            "(GDPR Art. 5(1)(b), 6)",
            field="purposes",
        )
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
        try:
            consent_catalogue.check_notice(
                conn, declaration.notice_id, declaration.channel, declaration.topic
            )
        except KluisError as exc:
            exc.field = f"consent_{exc.field}"
            raise
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
    plan = plan_columns(
        headers,
        mapping,
        options.consent,
        may_use=lambda f: any(p.may_use(f.category) for p in purposes.values()),
    )
    marketing = frozenset(
        key
        for key, p in purposes.items()
        if contact_rules.is_marketing(p, k.settings.marketing_purpose)
    )
    canonical = json.dumps({"file": info.sha256, **options.canonical()}, sort_keys=True)
    key = hashlib.sha256(canonical.encode()).hexdigest()
    with k.engine.connect() as conn:
        role_purposes = tuple(
            p for p in purposes_repo.all_purposes(conn) if holds_purpose(actor.role, p.roles)
        )
    return _Setup(info, headers, rows, plan, purposes, marketing, months, key, role_purposes)


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
        new_keys=None if dry_run else k.vault.new_keys,
        keep_cells=rejects_path is not None,
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
        writer.kept_skips = [Skip(**s) for s in job.skips]
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
    use_workers = DEFAULT_WORKERS if workers is None else workers
    batches = _in_worker if use_workers > 0 else _batches
    added = writer.counts.created
    held = (
        0
        if job is None or k.engine.dialect.name != "postgresql"
        else (repository.people_count(k.engine))
    )
    try:
        with rejects, _fewer_collections(), ExitStack() as scratch:
            if dry_run:
                writer.seen = scratch.enter_context(SeenDigests(k.settings.data_dir))
            for batch in batches(context, stream, batch_size):
                end = position + batch.count
                writer.write(job.id if job else None, batch, position, end, rejects)
                position = end
                if job is not None and statistics_due(writer.counts.created - added, held):
                    repository.refresh_statistics(k.engine)
                    added, held = writer.counts.created, held + writer.counts.created - added
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
            None,
            "dry-run",
            setup.info.format.value,
            position,
            writer.counts,
            writer.kept,
            True,
            skips=writer.kept_skips,
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


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cycle collector runs after every 700 new container objects and each run walks
    the young objects; an import makes millions of small ones (rows, dicts, tuples) that never
    form cycles, and those runs cost it about a fifth of its time (measured: 156 against 123 us
    per contact at 100,000). So, for the import's duration, the objects there already are set
    aside (``gc.freeze``) and collection runs a hundred times less often; both are undone after.
    The worker process inherits the setting."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(70_000, threshold[1], threshold[2])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _batches(context: _Context, stream: Iterator[Record], size: int) -> Iterator[_Batch]:
    while chunk := list(islice(stream, size)):
        yield context.prepare(chunk)


_POLL_SECONDS = 1.0


def _in_worker(context: _Context, stream: Iterator[Record], size: int) -> Iterator[_Batch]:
    """``_batches`` made in a second process, forked so that it inherits the open file, the
    plan and the keys: it reads, validates and seals the next batch while the caller writes
    this one. The queue holds two batches at most, so memory stays flat and the worker waits
    for the writer (or notices it died, and stops)."""
    fork = multiprocessing.get_context("fork")
    channel: multiprocessing.Queue[_Batch | _Failed | None] = fork.Queue(maxsize=2)
    worker = fork.Process(
        target=_produce,
        args=(context, stream, size, channel, os.getpid()),
        name="kluis-import-prepare",
        daemon=True,
    )
    worker.start()
    try:
        while True:
            try:
                item = channel.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                if not worker.is_alive():
                    raise RuntimeError("the import's worker process stopped unexpectedly") from None
                continue
            if item is None:
                return
            if isinstance(item, _Failed):
                if item.error is not None:
                    raise item.error
                raise RuntimeError(f"the import's worker process failed: {item.text}")
            yield item
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()
        channel.close()


def _produce(
    context: _Context,
    stream: Iterator[Record],
    size: int,
    channel: multiprocessing.Queue[_Batch | _Failed | None],
    parent: int,
) -> None:
    """The worker: every batch, then None, or what went wrong."""
    try:
        for batch in _batches(context, stream, size):
            _send(channel, batch, parent)
        _send(channel, None, parent)
    except Exception as exc:
        failure = _Failed(exc, str(exc))
        try:
            pickle.dumps(failure)
        except Exception:  # an error that cannot travel is sent as its type and text
            # by its name alone: the text of an arbitrary error may quote a cell of the file
            failure = _Failed(None, type(exc).__name__)
        _send(channel, failure, parent)


def _send(
    channel: multiprocessing.Queue[_Batch | _Failed | None],
    item: _Batch | _Failed | None,
    parent: int,
) -> None:
    while True:
        try:
            channel.put(item, timeout=_POLL_SECONDS)
            return
        except queue.Full:
            if os.getppid() != parent:  # the importing process is gone: nobody will read
                os._exit(0)


def _job_counts(job: repository.JobView) -> Counts:
    return Counts(
        job.created,
        job.merged,
        job.skipped,
        job.rejected,
        job.suppressed,
        job.consents,
        job.blank,
    )


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
        skips=[Skip(**s) for s in job.skips],
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
    """The rejects CSV: each row not imported as it stood (rejected, or skipped as a duplicate)
    as it was read, after its line, outcome, code, column and reason. It holds personal data (the
    rows as given), so it is created readable by the owner only."""

    def __init__(self, path: Path | None, headers: list[str], offset: int) -> None:
        self.path = path
        self.headers = headers
        self.offset = offset
        self.handle: IO[str] | None = None
        self.writer: Any = None

    def __enter__(self) -> _RejectsFile:
        if self.path is None:
            return self
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        self.handle = os.fdopen(fd, "r+", encoding="utf-8", newline="")
        self.handle.truncate(self.offset)
        self.handle.seek(self.offset)
        self.writer = Writer(self.handle)
        if self.offset == 0:
            self.writer.writerow(["line", "outcome", "code", "column", "reason", *self.headers])
            self.flush()
        return self

    def write(self, note: LineNote, cells: list[str]) -> None:
        if self.writer is not None:
            outcome = "skipped" if isinstance(note, Skip) else "rejected"
            self.writer.writerow([note.line, outcome, note.code, note.column, note.reason, *cells])

    def flush(self) -> int:
        if self.handle is None:
            return 0
        self.handle.flush()
        self.offset = self.handle.tell()
        return self.offset

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()


@dataclass
class _Notes:
    """A batch's rejected and skipped lines, as they are decided."""

    rejects: list[Reject] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)


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
        self.kept_skips: list[Skip] = []
        self.seen: SeenDigests | None = None
        """A dry run's memory of the addresses earlier rows would have created (on disk)."""
        self.header_of = {c.target: c.header for c in setup.plan.columns}
        self.merge = options.duplicates is Duplicates.MERGE

    def _reject(self, batch: Counts, notes: _Notes, reject: Reject) -> None:
        batch.rejected += 1
        notes.rejects.append(reject)

    def _note(self, batch: Counts, notes: _Notes, note: Reject | Skip) -> None:
        if isinstance(note, Skip):
            batch.skipped += 1
            notes.skips.append(note)
        else:
            self._reject(batch, notes, note)

    def write(
        self,
        job_id: int | None,
        prepared: _Batch,
        start: int,
        end: int,
        rejects_file: _RejectsFile,
    ) -> list[Reject]:
        batch = Counts()
        notes = _Notes()
        rows: list[tuple[Row, tuple[str, ...]]] = []
        cells = prepared.rejected
        for result in prepared.results:
            if isinstance(result, Reject):
                self._reject(batch, notes, result)
            elif result is None:
                batch.blank += 1
            else:
                rows.append((result, tuple(self.setup.purposes)))
                if result.cells:
                    cells[result.line] = result.cells
        rows = self._suppression(rows, batch, notes)
        if self.dry_run:
            self._dry(rows, batch, notes)
        else:
            self._store(job_id, rows, batch, notes, start, end, rejects_file, cells)
        self.counts.add(batch)
        self.kept.extend(_first(notes.rejects, KEPT_REJECTS - len(self.kept)))
        self.kept_skips.extend(_first(notes.skips, KEPT_REJECTS - len(self.kept_skips)))
        return notes.rejects

    def _suppression(
        self, rows: list[tuple[Row, tuple[str, ...]]], batch: Counts, notes: _Notes
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
            kept_row = self._without_marketing(
                row,
                purposes,
                batch,
                notes,
                self.header_of.get(hit[0], hit[0]),
                "on the suppression list (erased or objected to direct marketing); not added to "
                "marketing",
                SUPPRESSED,
            )
            if kept_row is not None:
                kept.append(kept_row)
        return kept

    def _without_marketing(
        self,
        row: Row,
        purposes: tuple[str, ...],
        batch: Counts,
        notes: _Notes,
        column: str,
        reason: str,
        code: str,
    ) -> tuple[Row, tuple[str, ...]] | None:
        """``row`` for its purposes other than marketing, with only the fields those use and no
        consent from the file; None (and a reject) when marketing was all it was for. For people
        who objected to direct marketing (Art. 21(3)) or were erased."""
        batch.suppressed += 1
        remaining = tuple(p for p in purposes if p not in self.setup.marketing)
        if not remaining:
            self._reject(batch, notes, Reject(row.line, column, reason, code))
            return None
        chosen = [self.setup.purposes[p] for p in remaining]
        row.stored = {
            n: v
            for n, v in row.stored.items()
            if any(p.may_use(BY_NAME[n].category) for p in chosen)
        }
        row.index = [(n, d) for n, d in row.index if n in row.stored]
        row.digests = {n: d for n, d in row.digests.items() if n in row.stored}
        row.sealed = {n: v for n, v in row.sealed.items() if n in row.stored}
        row.consent = False
        return row, remaining

    def _held(
        self, conn: Connection, people: dict[str, Any]
    ) -> tuple[dict[str, Held], dict[str, list[str]]]:
        """What is known of the people rows matched (their rows as stored, by id), and for a
        merge the purposes each is held for: one query each for the whole pass."""
        ids = sorted(people)
        fields = {
            person_id: frozenset(n for n in DUPLICATE_FIELDS if getattr(row, n) is not None)
            for person_id, row in people.items()
        }
        if not self.merge or not ids:
            return {person_id: Held(f) for person_id, f in fields.items()}, {}
        held_for = contacts_repo.purposes_of(conn, ids)
        restricted = contacts_repo.restricted(conn, ids)
        objected = contacts_repo.objected(conn, ids)
        return {
            person_id: Held(
                fields[person_id],
                readable=contact_rules.readable_by(self.setup.role_purposes, held_for[person_id]),
                restricted=person_id in restricted,
                objected=person_id in objected,
            )
            for person_id in ids
        }, held_for

    def _objected(
        self, row: Row, purposes: tuple[str, ...], batch: Counts, notes: _Notes
    ) -> tuple[Row, tuple[str, ...]] | None:
        """A merge into a person who objected to direct marketing adds no marketing purpose."""
        if not any(p in self.setup.marketing for p in purposes):
            return row, purposes
        return self._without_marketing(row, purposes, batch, notes, "", _OBJECTED, OBJECTED)

    def _dry(self, rows: list[tuple[Row, tuple[str, ...]]], batch: Counts, notes: _Notes) -> None:
        """Count what ``_store`` would do, by the same rule (``rules.on_match``), against the
        database as it is and what the earlier rows of the file would have changed: people
        made (``line:N``), and addresses and fields merges would have filled in."""
        with self.k.engine.connect() as conn:
            owners = repository.owners(conn, [r for r, _ in rows])
            held, _ = self._held(conn, contacts_repo.fetch(conn, sorted(set(owners.values()))))
        assert self.seen is not None
        seen = self.seen
        earlier = seen.owners_of(d for row, _ in rows for d in row.digests.values())
        filled = seen.fields_of(set(earlier.values()) | set(held))
        for row, purposes in rows:
            known = {d: owners[d] for d in row.digests.values() if d in owners}
            known.update({d: earlier[d] for d in row.digests.values() if d in earlier})
            people = {}
            for person_id in set(known.values()):
                base = held.get(person_id, Held(frozenset()))
                people[person_id] = replace(
                    base, fields=base.fields | filled.get(person_id, frozenset())
                )
            decision = on_match(row.digests, known, people, self.options.duplicates)
            if decision.action is Action.CREATE:
                batch.created += 1
                batch.consents += int(row.consent)
                self._remember(row, f"line:{row.line}", earlier, filled)
            elif decision.action is Action.MERGE:
                if people[decision.person_id].objected:
                    kept = self._objected(row, purposes, batch, notes)
                    if kept is None:
                        continue
                    row = kept[0]
                batch.merged += 1
                batch.consents += int(row.consent and self.options.consent is not None)
                # a merge fills in what the person lacks: later rows find them by it too
                self._remember(row, decision.person_id, earlier, filled)
            else:
                self._note(
                    batch, notes, match_note(decision, row.digests, row.line, self.header_of)
                )

    def _remember(
        self,
        row: Row,
        owner: str,
        earlier: dict[bytes, str],
        filled: dict[str, frozenset[str]],
    ) -> None:
        """What the dry run would have stored of ``row`` for ``owner``: its addresses, and which
        of the fields duplicates are found by the owner now has."""
        assert self.seen is not None
        fresh = [d for d in row.digests.values() if d not in earlier]
        earlier.update(dict.fromkeys(fresh, owner))
        filled[owner] = filled.get(owner, frozenset()) | frozenset(row.digests)
        self.seen.add(fresh, owner, row.digests)

    def _store(
        self,
        job_id: int | None,
        rows: list[tuple[Row, tuple[str, ...]]],
        batch: Counts,
        notes: _Notes,
        start: int,
        end: int,
        rejects_file: _RejectsFile,
        cells: dict[int, list[str]],
    ) -> None:
        assert job_id is not None
        for reject in sorted(notes.rejects, key=lambda r: r.line):
            rejects_file.write(reject, cells.get(reject.line, []))
        offset = rejects_file.flush()
        with self.k.engine.begin() as conn:
            events: list[AuditEvent] = []
            pending = rows
            while pending:
                this_pass, pending = _split_repeats(pending)
                owners = repository.owners(conn, [r for r, _ in this_pass])
                people = contacts_repo.fetch(conn, sorted(set(owners.values()))) if owners else {}
                held, held_for = self._held(conn, people)
                merged: set[str] = set()
                new: list[tuple[Row, tuple[str, ...]]] = []
                for row, purposes in this_pass:
                    decision = on_match(row.digests, owners, held, self.options.duplicates)
                    if decision.action is Action.CREATE:
                        new.append((row, purposes))
                        continue
                    note: Reject | Skip | None = None
                    if decision.action is Action.MERGE:
                        person_id = decision.person_id
                        if person_id in merged:  # merged by an earlier row of this pass
                            people.update(contacts_repo.fetch(conn, [person_id]))
                            held_for.update(contacts_repo.purposes_of(conn, [person_id]))
                        kept = (
                            self._objected(row, purposes, batch, notes)
                            if held[person_id].objected
                            else (row, purposes)
                        )
                        if kept is None:
                            note = notes.rejects[-1]
                        elif merging.merge(
                            self.k,
                            conn,
                            self.actor,
                            person_id,
                            people[person_id],
                            held_for[person_id],
                            kept[0],
                            kept[1],
                            self.options.consent,
                            self.setup.reconfirm_months,
                            self.now,
                            batch,
                            events,
                            job_id,
                        ):
                            merged.add(person_id)
                            # what it filled in: a later row of the pass must meet it
                            person = held[person_id]
                            held[person_id] = replace(
                                person, fields=person.fields | frozenset(kept[0].digests)
                            )
                        else:
                            note = match_note(
                                replace(decision, code=GONE), row.digests, row.line, {}
                            )
                            self._note(batch, notes, note)
                    else:
                        note = match_note(decision, row.digests, row.line, self.header_of)
                        self._note(batch, notes, note)
                    if note is not None:
                        rejects_file.write(note, cells.get(row.line, []))
                        offset = rejects_file.flush()
                self._insert(conn, new, batch, events, job_id)
            audit.record(conn, self.actor.ref, self.now, events)
            repository.advance_job(
                conn, job_id, start, end, batch, notes.rejects, notes.skips, offset, self.now
            )

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
        self.k.vault.store_keys([(row.person_id, row.wrapped_key) for row, _ in new], self.now)
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
        for row, keys in new:
            person_id = row.person_id
            values = template.copy()
            values[id_at] = person_id
            values[relationship_at] = row.relationship
            values[language_at] = row.language
            for name, sealed in row.sealed.items():
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
            for row, _ in new:
                if row.consent:
                    events.append(
                        merging.grant(
                            conn,
                            row.person_id,
                            self.options.consent,
                            self.setup.reconfirm_months,
                            self.now,
                            f"import:{job_id}",
                            fresh=True,
                        )
                    )
                    batch.consents += 1


_OBJECTED = (
    "the person it matches objected to direct marketing (Art. 21(3)); not added to marketing"
)


def _first(notes: list[Any], room: int) -> list[Any]:
    """The first ``room`` of ``notes`` by line."""
    return sorted(notes, key=lambda n: n.line)[: max(room, 0)]


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
