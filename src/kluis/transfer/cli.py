"""The import and export commands: ``kluis contacts import|export`` (``kluis demo`` is
``kluis.cli_demo``).
Listed in ``kluis.slices``; they call the services, never SQL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from kluis import console
from kluis.db import utcnow
from kluis.transfer import export as export_service
from kluis.transfer import pipeline
from kluis.transfer.job import ImportOptions
from kluis.transfer.rules.columns import declaration
from kluis.transfer.rules.matching import Duplicates

contacts_app = console.Commands()
"""Added to ``kluis contacts`` (``kluis.slices``)."""

SHOWN = 20
"""Rejected and skipped lines printed after an import; the rest are counted."""


@contacts_app.command("import")
def contacts_import(
    file: Annotated[Path, typer.Argument(help="A CSV file (UTF-8, ; or ,) or a vCard file.")],
    purpose: Annotated[
        list[str],
        typer.Option(help="Purpose the data is collected for; repeat for several."),
    ],
    relationship: Annotated[
        str, typer.Option(help="customer, prospect or other, unless a column says.")
    ] = "other",
    language: Annotated[str, typer.Option(help="nl or en, unless a column says.")] = "nl",
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map", help="COLUMN=FIELD for a header Kluis does not know, or COLUMN=ignore."
        ),
    ] = None,
    consent_topic: Annotated[
        str | None, typer.Option(help="Topic the file's consent is for.")
    ] = None,
    consent_channel: Annotated[
        str | None, typer.Option(help="Channel the file's consent is for.")
    ] = None,
    consent_method: Annotated[
        str | None, typer.Option(help="How the people gave it, e.g. paper_form.")
    ] = None,
    consent_notice: Annotated[
        int | None, typer.Option(help="Id of the notice they agreed to (`kluis notices list`).")
    ] = None,
    duplicates: Annotated[
        Duplicates, typer.Option(help="skip or merge people held already (same e-mail or phone).")
    ] = Duplicates.SKIP,
    rejects: Annotated[
        Path | None,
        typer.Option(
            help="Write every row not imported (rejected, or skipped as a duplicate) with its "
            "line, code and reason to this CSV (personal data)."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and count; write nothing.")
    ] = False,
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="Rows per transaction.")
    ] = pipeline.BATCH_SIZE,
    workers: Annotated[
        int,
        typer.Option(
            min=0,
            max=1,
            help="1: a second process reads, validates and encrypts while this one writes; "
            "0: all in this process.",
        ),
    ] = 1,
    as_json: console.JsonOption = False,
) -> None:
    """Import people from a CSV or vCard file; run it again after an interruption to carry on."""
    options = ImportOptions(
        purposes=tuple(purpose),
        relationship=relationship,
        language=language,
        mapping=tuple(map_ or ()),
        consent=declaration(consent_topic, consent_channel, consent_method, consent_notice),
        duplicates=duplicates,
    )
    show = not as_json and console.err.is_terminal
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TransferSpeedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console.err,
    )
    task: TaskID | None = None

    def progress(done: int, total: int) -> None:
        nonlocal task
        if not show:
            return
        if task is None:
            bar.start()
            task = bar.add_task(file.name, total=total)
        bar.update(task, completed=done, total=total)

    with console.opened() as kluis:
        try:
            report = pipeline.run_import(
                kluis,
                console.actor(),
                file,
                options,
                utcnow(),
                dry_run=dry_run,
                rejects_path=rejects,
                progress=progress,
                batch_size=batch_size,
                workers=workers,
            )
        except KeyboardInterrupt:
            if task is not None:
                bar.stop()
            console.err.print(
                "interrupted; run the same command again to carry on where it stopped",
                markup=False,
            )
            raise typer.Exit(130) from None
        finally:
            if task is not None:
                bar.stop()
    if as_json:
        console.print_json(report.as_dict())
        return
    c = report.counts
    what = "Dry run" if report.dry_run else f"Import job {report.job_id}"
    if report.already_done:
        console.out.print(f"{file.name} was imported with these options before:", markup=False)
    console.out.print(
        f"{what}: {report.records} records; {c.created} created, {c.merged} merged, "
        f"{c.skipped} duplicates skipped, {c.rejected} rejected, {c.suppressed} on the "
        f"suppression list, {c.consents} consents recorded"
        + (f", {c.custom} custom values" if c.custom else "")
        + (f"; {c.blank} blank lines passed." if c.blank else "."),
        markup=False,
    )
    for title, notes, count in (
        ("Rejected", report.rejects, c.rejected),
        ("Skipped", report.skips, c.skipped),
    ):
        if not count:
            continue
        console.out.print(f"{title}:", markup=False)
        for note in notes[:SHOWN]:
            column = f" [{note.column}]" if note.column else ""
            console.out.print(
                f"  line {note.line}{column} {note.code}: {note.reason}", markup=False
            )
        if count > SHOWN:
            where = f" in {rejects}" if rejects else " (--rejects FILE lists them all)"
            console.out.print(f"  … {count - SHOWN} more{where}", markup=False)


@contacts_app.command("export")
def contacts_export(
    file: Annotated[Path, typer.Argument(help="Where to write (personal data: keep it safe).")],
    purpose: Annotated[
        str, typer.Option(help="Purpose of the export; only its fields are written.")
    ],
    format_: Annotated[str, typer.Option("--format", help="csv, json or vcf.")] = "csv",
    as_json: console.JsonOption = False,
) -> None:
    """Export the people held for a purpose, with only the fields it may use; every read audited."""
    fmt = export_service.parse_format(format_)
    with console.opened() as kluis:
        count = export_service.export_people(kluis, console.actor(), file, purpose, fmt, utcnow())
    if as_json:
        console.print_json({"file": str(file), "people": count, "format": fmt.value})
    else:
        console.out.print(f"Exported {count} people to {file}.", markup=False)
