"""The ``kluis contacts export-portable`` and ``import-portable`` commands: the access and
portability package (GDPR Art. 15, 20) to a file, and a person from another Kluis' package.

Added to ``kluis contacts`` (``kluis.slices``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from kluis import console
from kluis.db import utcnow
from kluis.errors import InvalidField
from kluis.requests import export

contacts_app = console.Commands()


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` readable by the owner only: the file holds a person's data."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(path, 0o600)
    except OSError as exc:
        raise InvalidField(f"cannot write {path}: {exc.strerror}", field="out") from None


@contacts_app.command("export-portable")
def export_portable(
    person_id: str,
    out_file: Annotated[
        Path,
        typer.Option("--out", help="The file to write; it is made readable by its owner only."),
    ],
    format: Annotated[
        str,
        typer.Option(
            "--format",
            help="json (the portable package, evidence files included), csv, html (a page in "
            "the person's language stating their rights) or vcf (vCard 4.0).",
        ),
    ] = "json",
) -> None:
    """Write everything held about a person (GDPR Art. 15, 20) to a file; audited."""
    with console.opened() as kluis:
        package = export.access_package(
            kluis,
            console.actor(),
            person_id,
            utcnow(),
            portable=format == "json",
            format=format,
        )
    body, _media_type = export.render(package, format)
    _write_private(out_file, body)
    console.out.print(f"Wrote {out_file} ({format}, {len(body)} bytes).", markup=False)


@contacts_app.command("import-portable")
def import_portable(
    file: Path,
    purpose: Annotated[
        list[str] | None,
        typer.Option(
            help="Keep the person for this purpose; repeat for several. Default: the package's "
            "purposes that exist here."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Import a person from another Kluis' portable package (GDPR Art. 20(2)); prints the new id,
    and on standard error each custom value left out (no such field here, another type)."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InvalidField(f"cannot read {file}: {exc.strerror}", field="file") from None
    with console.opened() as kluis:
        done = export.import_person(
            kluis, console.actor(), data, utcnow(), purposes=purpose or None
        )
    skipped = [{"key": s.key, "reason": s.reason} for s in done.skipped]
    if as_json:
        console.print_json({"id": done.person_id, "skipped_custom": skipped})
        return
    console.out.print(done.person_id, markup=False)
    for item in skipped:
        console.err.print(
            f"custom field {item['key']} not imported: {item['reason']}", markup=False
        )
