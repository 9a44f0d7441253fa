"""Copying one store (the data store or the keyring) out to a file and putting a copy back:
SQLite's online backup and a file swap, or PostgreSQL's ``pg_dump`` and ``pg_restore``."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from kluis.backup.errors import BackupFailed, BackupInvalid
from kluis.settings import Settings


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite store; None for PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupInvalid("an in-memory database cannot be backed up", field="database_url")
    return Path(parsed.database)


def libpq_url(url: str) -> str:
    """The URL as the PostgreSQL tools take it (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def pg_tool(settings: Settings, name: str) -> str:
    if settings.pg_bindir is not None:
        candidate = settings.pg_bindir / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if versions:
        return str(versions[-1])
    raise BackupFailed(
        f"{name} was not found; install the PostgreSQL client tools or set KLUIS_PG_BINDIR",
        field="pg_bindir",
    )


def run(command: list[str]) -> None:
    # The command is a fixed tool name with paths and URLs from settings, never user text.
    done = subprocess.run(command, capture_output=True, check=False)  # noqa: S603
    if done.returncode != 0:
        # The tool's message can name tables and the server, never personal values: ciphertext
        # is all the database holds.
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise BackupFailed(f"{Path(command[0]).name} failed ({done.returncode}): {' '.join(tail)}")


def snapshot(settings: Settings, url: str, target: Path) -> str:
    """A consistent copy of one store at ``target``; returns its format."""
    path = sqlite_path(url)
    if path is not None:
        source = sqlite3.connect(path)
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        return "sqlite"
    run(
        [
            pg_tool(settings, "pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={target}",
            libpq_url(url),
        ]
    )
    return "pg_dump"


def swap_in(staging: Path, path: Path) -> None:
    """Put the SQLite file ``staging`` in place of ``path``, dropping the old file's journal."""
    for suffix in ("-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    os.replace(staging, path)


def pg_restore(settings: Settings, url: str, dump: Path) -> None:
    """Replace the PostgreSQL store's contents with ``dump``, in one transaction."""
    run(
        [
            pg_tool(settings, "pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            f"--dbname={libpq_url(url)}",
            str(dump),
        ]
    )
