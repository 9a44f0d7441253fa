"""Bulk import of people: validated, de-duplicated, encrypted, indexed, audited, in batches that
each commit together with the import job's progress, so a killed import resumes where it stopped.

The pipeline: the file is scanned (SHA-256, UTF-8), the options checked (the purposes, the
consent declaration), its header planned (``rules.columns``: unknown columns and undeclared
consent columns are refused before anything is written), the job opened or found again; then
records are read and prepared in batches (``worker``: in this process, or a second one that
reads the file itself) and each batch is written in one transaction (``writer``; ``dry_run``
for a dry run), after which the job is finished and the import audited.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import datetime
from itertools import islice
from pathlib import Path

from kluis.actors import Actor, holds_purpose
from kluis.audit import service as audit
from kluis.audit.request_events import ImportFinished, ImportStarted
from kluis.collector import fewer_collections
from kluis.consent import catalogue as consent_catalogue
from kluis.consent import grant_rules as consent_rules
from kluis.consent.catalogue import ConsentRefused
from kluis.contacts import custom_store
from kluis.contacts import rules as contact_rules
from kluis.contacts.fields import BY_NAME
from kluis.contacts.writer import check_collects
from kluis.errors import InvalidField, KluisError, NotFound
from kluis.purposes import repository as purposes_repo
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis
from kluis.transfer import repository
from kluis.transfer.dry_run import DryRun
from kluis.transfer.job import Counts, ImportOptions, ImportReport, Setup, statistics_due
from kluis.transfer.reading import records, scan
from kluis.transfer.rejects import RejectsFile
from kluis.transfer.rules import notes
from kluis.transfer.rules.columns import ConsentDeclaration, header_key, parse_mapping, plan_columns
from kluis.transfer.rules.notes import Reject, Skip
from kluis.transfer.seen import SeenDigests
from kluis.transfer.worker import DEFAULT_WORKERS, Preparer, batches, in_worker
from kluis.transfer.writer import BatchWriter

BATCH_SIZE = 5000
"""Rows per transaction. Each batch rewrites the pages of the blind index it touches, which are
spread over the whole index (digests are random): larger batches touch each page for more rows.
At 100,000 contacts, 5,000 rows per batch cost a quarter less CPU per contact than 1,000."""


Progress = Callable[[int, int], None]


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
            check_collects(actor, purpose)
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


def _setup(k: Kluis, actor: Actor, path: Path, options: ImportOptions) -> Setup:
    contact_rules.parse_relationship(options.relationship)
    contact_rules.parse_language(options.language)
    purposes = _purposes(k, actor, options.purposes)
    months = 0
    if options.consent is not None:
        months = _check_declaration(k, options.consent)
    with k.engine.connect() as conn:
        custom = custom_store.fields(conn)
    mapping = parse_mapping(options.mapping, [f.key for f in custom])
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
        custom=custom,
        purposes=tuple(purposes),
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
    return Setup(info, headers, rows, plan, purposes, marketing, months, key, role_purposes)


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
    context = Preparer(
        plan=setup.plan,
        relationship=options.relationship,
        language=options.language,
        ctx=contact_rules.NormaliseContext(k.settings.default_region, now.date()),
        declared_consent=options.consent is not None,
        blind_index=k.vault.blind_index,
        new_keys=None if dry_run else k.vault.new_keys,
        keep_cells=rejects_path is not None,
    )
    writer = (DryRun if dry_run else BatchWriter)(k, actor, setup, options, now)
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
    rejects = RejectsFile(rejects_path, setup.headers, job.rejects_offset if job else 0)
    total = setup.info.lines
    stream = islice(setup.rows, position, None) if position else setup.rows
    use_workers = DEFAULT_WORKERS if workers is None else workers
    prepared = in_worker if use_workers > 0 else batches
    added = writer.counts.created
    held = (
        0
        if job is None or k.engine.dialect.name != "postgresql"
        else (repository.people_count(k.engine))
    )
    try:
        with rejects, fewer_collections(), ExitStack() as scratch:
            if isinstance(writer, DryRun):
                writer.seen = scratch.enter_context(SeenDigests(k.settings.data_dir))
            for batch in prepared(context, stream, batch_size):
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
            repository.fail_job(k.engine, job.id, exc, now)
        raise
    except Exception as exc:
        if job is not None:
            kind = type(exc).__name__
            stopped = KluisError(kind, msgid=notes.STOPPED, values={"kind": kind})
            repository.fail_job(k.engine, job.id, stopped, now)
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


def _job_counts(job: repository.JobView) -> Counts:
    return Counts(
        job.created,
        job.merged,
        job.skipped,
        job.rejected,
        job.suppressed,
        job.consents,
        job.blank,
        job.custom,
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
