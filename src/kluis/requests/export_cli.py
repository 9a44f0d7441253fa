"""The ``kluis contacts export-portable`` and ``import-portable`` commands: the access and
portability package (GDPR Art. 15, 20) to a file, and a person from another Kluis' package.

Registered on ``contacts_app`` in ``kluis.cli``; the shared helpers (``_run``, ``_kluis``,
``_actor``, the consoles) are looked up there when a command runs, as in ``kluis.consent.cli``.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType
from typing import Annotated

import typer

from kluis.db import utcnow
from kluis.errors import InvalidField
from kluis.requests import export


def _base() -> ModuleType:
    from kluis import cli

    return cli


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` readable by the owner only: the file holds a person's data."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(path, 0o600)
    except OSError as exc:
        raise InvalidField(f"cannot write {path}: {exc.strerror}", field="out") from None


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
    base = _base()

    def go() -> None:
        with base._kluis() as kluis:
            package = export.access_package(
                kluis,
                base._actor(),
                person_id,
                utcnow(),
                portable=format == "json",
                format=format,
            )
        body, _media_type = export.render(package, format)
        _write_private(out_file, body)
        base.out.print(f"Wrote {out_file} ({format}, {len(body)} bytes).", markup=False)

    base._run(go)


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
    """Import a person from another Kluis' portable package (GDPR Art. 20(2)); prints the new id."""
    base = _base()

    def go() -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise InvalidField(f"cannot read {file}: {exc.strerror}", field="file") from None
        with base._kluis() as kluis:
            person_id = export.import_portable(
                kluis, base._actor(), data, utcnow(), purposes=purpose or None
            )
        if as_json:
            base._print_json({"id": person_id})
        else:
            base.out.print(person_id, markup=False)

    base._run(go)
