"""The ``kluis backup`` commands, for people and for cron. They call the service, never SQL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kluis import console
from kluis.backup import service
from kluis.db import utcnow
from kluis.errors import InvalidField
from kluis.purposes.rules import parse_duration
from kluis.settings import Settings

backup_app = console.Commands()


def _directory(given: Path | None) -> Path:
    found = given or Settings().backup_dir
    if found is None:
        raise InvalidField("name the backup directory, or set KLUIS_BACKUP_DIR", field="directory")
    return found


DirectoryArgument = Annotated[
    Path | None, typer.Argument(help="Backup directory (default KLUIS_BACKUP_DIR).")
]


@backup_app.command("create")
def create(
    directory: DirectoryArgument = None,
    keyring_dir: Annotated[
        Path | None,
        typer.Option(
            help="Where the keyring snapshot goes (default DIRECTORY/keyrings); keep it apart "
            "from the data snapshots."
        ),
    ] = None,
    as_json: console.JsonOption = False,
) -> None:
    """Write a data snapshot (ciphertext only) and, separately, an encrypted keyring snapshot."""
    with console.opened() as kluis:
        made = service.create(
            kluis, console.actor(), _directory(directory), utcnow(), keyring_dir=keyring_dir
        )
    if as_json:
        console.print_json(
            {
                "data": str(made.data_dir),
                "keyring": str(made.keyring_file),
                "manifest": made.manifest,
            }
        )
        return
    counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in made.manifest["counts"].items())
    console.out.print(f"data snapshot: {made.data_dir} ({counts})")
    console.out.print(f"keyring snapshot: {made.keyring_file}")


@backup_app.command("check")
def check(directory: Path) -> None:
    """Check a data snapshot's files against its manifest, changing nothing."""
    manifest = service.check(directory)
    console.out.print(f"ok: taken {manifest['created_at']}, schema {manifest['schema_revision']}")


@backup_app.command("restore")
def restore(
    directory: Path,
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace the current data store without asking.")
    ] = False,
    as_json: console.JsonOption = False,
) -> None:
    """Replace the data store with a snapshot (stop the server first), then remove everyone
    erased since it was taken, using the current erasure register."""
    manifest = service.check(directory)
    if not yes and not typer.confirm(
        f"Replace the current data store with the snapshot of {manifest['created_at']}?"
    ):
        raise typer.Exit(1)
    done = service.restore(Settings(), console.actor(), directory, utcnow())
    if as_json:
        console.print_json(
            {
                "snapshot": manifest["created_at"],
                "removed_erased": done.removed_erased,
                "removed_keyless": done.removed_keyless,
            }
        )
        return
    console.out.print(f"restored the snapshot of {manifest['created_at']}")
    console.out.print(f"removed again: {done.removed_erased} erased since the snapshot")
    if done.removed_keyless:
        console.out.print(f"removed: {done.removed_keyless} without a key (unreadable)")


@backup_app.command("restore-keyring")
def restore_keyring(
    file: Path,
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace the current keyring without asking.")
    ] = False,
) -> None:
    """Replace a lost keyring with a snapshot, then destroy again the keys of everyone the
    audit log says was erased since."""
    if not yes and not typer.confirm("Replace the current keyring with this snapshot?"):
        raise typer.Exit(1)
    replayed = service.restore_keyring(Settings(), console.actor(), file, utcnow())
    console.out.print(f"keyring restored; erasures replayed: {replayed}")


@backup_app.command("prune")
def prune(
    directory: DirectoryArgument = None,
    keyring_older_than: Annotated[
        str | None,
        typer.Option(
            help="ISO 8601 duration, e.g. P35D (default: KLUIS_KEYRING_BACKUP_DAYS days)."
        ),
    ] = None,
    as_json: console.JsonOption = False,
) -> None:
    """Delete keyring snapshots older than the window (data snapshots are left alone)."""
    window = keyring_older_than or f"P{Settings().keyring_backup_days}D"
    where = _directory(directory)
    keyrings = where / "keyrings" if (where / "keyrings").is_dir() else where
    try:
        older_than = parse_duration(window)
    except ValueError as exc:
        raise InvalidField(str(exc), field="keyring_older_than") from None
    done = service.prune(keyrings, older_than, utcnow())
    if as_json:
        console.print_json({"deleted": [str(p) for p in done.deleted], "kept": done.kept})
        return
    for path in done.deleted:
        console.out.print(f"deleted {path}")
    console.out.print(f"{len(done.deleted)} deleted, {done.kept} kept")
