"""``kluis discover``: search old files and backups for the person of an access or erasure
request (``kluis.discover``). Listed in ``kluis.slices``; it calls services, never SQL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kluis import console
from kluis.db import utcnow
from kluis.discover import capture
from kluis.discover import service as discover
from kluis.errors import InvalidField
from kluis.requests import old_files

commands = console.Commands()


def _summary(report: discover.ScanReport) -> None:
    for item in report.files:
        if item.error:
            console.out.print(f"{item.name}: not read ({item.error})", markup=False)
            continue
        if not item.hit_count:
            console.out.print(f"{item.name}: not found", markup=False)
            continue
        places = "; ".join(f"{h['kind']} at {h['place']}" for h in item.hits)
        more = item.hit_count - len(item.hits)
        tail = f" (and {more} more)" if more > 0 else ""
        console.out.print(f"{item.name}: FOUND {places}{tail}", markup=False)
        if item.copy:
            console.out.print(f"  copy without them: {item.copy}", markup=False)
    console.out.print(
        f"{len(report.files)} files searched, the person found in {len(report.found)} "
        f"({report.hit_count} places)",
        markup=False,
    )


@commands.command("discover")
def discover_command(
    request: Annotated[int, typer.Option("--request", help="The access or erasure request's id.")],
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files and folders (searched recursively, ZIP archives included)."),
    ] = None,
    redact: Annotated[
        bool,
        typer.Option(
            "--redact",
            help="Write a copy of each CSV, XLSX, vCard and mbox that names the person, "
            "without their records; the original is left as it is.",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the copies (default: beside each original)."),
    ] = None,
    forget: Annotated[
        bool,
        typer.Option(
            "--forget",
            help="Destroy the identifiers captured at the erasure now (no search).",
        ),
    ] = False,
    as_json: console.JsonOption = False,
) -> None:
    """Search old files for a request's person: each file and place, never the values."""
    now = utcnow()
    with console.opened() as k:
        actor = console.actor()
        target = old_files.target(k, request)
        if forget:
            done = capture.forget(k, actor, target.request_id, now, "forgotten")
            if as_json:
                console.print_json({"request": request, "forgotten": done})
            else:
                console.out.print("capture destroyed" if done else "there was no capture")
            return
        if not paths:
            raise InvalidField("name at least one file or folder to search", field="paths")
        if out is not None and not out.is_dir():
            raise InvalidField(f"--out {out} is not a folder", field="out")
        report = discover.scan_paths(
            k, actor, target, list(paths), now, redact_to=out, redacting=redact
        )
    if as_json:
        console.print_json(report)
    else:
        _summary(report)
