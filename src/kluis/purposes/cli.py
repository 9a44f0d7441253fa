"""The ``kluis purposes`` commands: the purposes catalogue, listed, shown, added and changed
(every change audited). Listed in ``kluis.slices``; they call the service, never SQL."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Column, Table

from kluis import console
from kluis.db import utcnow
from kluis.errors import InvalidField
from kluis.purposes import service as purposes

purposes_app = console.Commands()


@purposes_app.command("list")
def purposes_list(as_json: console.JsonOption = False) -> None:
    """List the purposes with their lawful basis and retention."""
    with console.opened() as kluis:
        found = purposes.list_purposes(kluis.engine)
    if as_json:
        console.print_json([dataclasses.asdict(p) for p in found])
        return
    table = Table(
        Column("key", no_wrap=True),
        Column("lawful basis", no_wrap=True),
        Column("retention", overflow="fold"),
        Column("name", overflow="fold"),
    )
    for p in found:
        table.add_row(
            p.key,
            p.lawful_basis.value,
            f"{p.retention} from {p.retention_anchor.value}",
            p.name_en,
        )
    console.out.print(table)


@purposes_app.command("show")
def purposes_show(key: str) -> None:
    """Show one purpose as JSON."""
    with console.opened() as kluis:
        console.print_json(dataclasses.asdict(purposes.get_purpose(kluis.engine, key)))


@purposes_app.command("add")
def purposes_add(
    file: Annotated[Path, typer.Argument(help="A JSON file with the purpose's fields.")],
) -> None:
    """Add a purpose from a JSON file (fideslang keys are checked; the change is audited)."""
    data = _json_object(file)
    with console.opened() as kluis:
        purpose = purposes.create_purpose(
            kluis.engine, console.actor(), purposes.purpose_from_mapping(data), utcnow()
        )
    console.out.print(f"Added purpose {purpose.key}.")


def _json_object(file: Path) -> dict[str, Any]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidField(f"cannot read {file} as JSON: {exc}", field="file") from None
    if not isinstance(data, dict):
        raise InvalidField(f"{file} must hold one JSON object", field="file")
    return data


@purposes_app.command("change")
def purposes_change(
    key: str,
    file: Annotated[
        Path,
        typer.Argument(help='A JSON object with the fields to change, e.g. {"retention": "P3Y"}.'),
    ],
) -> None:
    """Change a purpose; the audit log names the fields that changed."""
    changes = _json_object(file)
    with console.opened() as kluis:
        before = purposes.get_purpose(kluis.engine, key)
        after = purposes.change_purpose(kluis.engine, console.actor(), key, changes, utcnow())
    changed = [
        name for name in dataclasses.asdict(after) if getattr(after, name) != getattr(before, name)
    ]
    console.out.print(f"Changed {', '.join(changed)} of {key}." if changed else f"{key} unchanged.")
