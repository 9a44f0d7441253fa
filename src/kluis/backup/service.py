"""Backups that never bring the erased back (DESIGN.md invariant 2; brief point 11).

A backup is two things kept apart. The **data snapshot** (SQLite online backup, or ``pg_dump``)
holds ciphertext only and may be kept as long as the business wants. The **keyring snapshot**
(person keys, erasure register, suppression list) is encrypted with a key derived from the
key-encryption key and kept only for a short window (``KLUIS_KEYRING_BACKUP_DAYS``), pruned by
``kluis backup prune``: after that window, an erased person's key exists nowhere.

A data snapshot of any age is restored with the *current* keyring and erasure register: every
person erased since the snapshot was taken is deleted again, and so is anyone whose key no longer
exists (their data cannot be read by anyone). Each file is checked against the manifest's
SHA-256 before anything is touched, so a damaged or altered backup is refused whole.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, Engine

from kluis import db
from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.system_events import BackupCreated, BackupRestored, KeyringRestored
from kluis.backup import repository, stores
from kluis.backup.errors import BackupInvalid
from kluis.backup.reconcile import reconcile
from kluis.contacts import repository as contacts_repo
from kluis.purposes.rules import Duration
from kluis.runtime import Kluis, open_stores
from kluis.settings import Settings
from kluis.vault.register import Erasure, erasure

FORMAT = "kluis.backup/1"
DATA_PREFIX = "kluis-data-"
KEYRING_PREFIX = "kluis-keyring-"
KEYRING_SUFFIX = ".bin"
STAMP = "%Y%m%dT%H%M%SZ"
_BATCH = 1000


def _backup_key(k: Kluis) -> bytes:
    """The key of keyring snapshots: derived from the key-encryption key for this one use."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"kluis/v1/keyring-backup"
    ).derive(k.vault.key_encryption_key)


@dataclass(frozen=True)
class Created:
    data_dir: Path
    keyring_file: Path
    manifest: dict[str, Any]


def create(
    k: Kluis, actor: Actor, directory: Path, now: datetime, *, keyring_dir: Path | None = None
) -> Created:
    """Write a data snapshot to ``directory/kluis-data-STAMP/`` and, apart from it, an
    encrypted keyring snapshot to ``keyring_dir`` (default ``directory/keyrings``)."""
    stamp = now.strftime(STAMP)
    keyrings = keyring_dir or directory / "keyrings"
    target = directory / f"{DATA_PREFIX}{stamp}"
    if target.exists():
        raise BackupInvalid(f"{target} exists already; wait a second or choose another directory")
    target.mkdir(parents=True, mode=0o700)
    keyrings.mkdir(parents=True, exist_ok=True, mode=0o700)
    with k.engine.begin() as conn:
        audit.record(conn, actor.ref, now, [BackupCreated(stamp)])
    k.data_checkpoint.flush()  # a recent erasure's frames leave the -wal file first (kluis.wal)
    name = "data.sqlite" if stores.sqlite_path(k.settings.resolved_database_url) else "data.dump"
    kind = stores.snapshot(k.settings, k.settings.resolved_database_url, target / name)
    with k.engine.connect() as conn:
        revision = db.current_revision(conn)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "kind": "data",
        "created_at": now.isoformat(),
        "snapshot": kind,
        "schema_revision": revision,
        "counts": _count(k.engine, repository.counts),
        "files": {
            name: {"sha256": stores.sha256(target / name), "bytes": (target / name).stat().st_size}
        },
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2))
    keyring_file = _keyring_snapshot(k, keyrings / f"{KEYRING_PREFIX}{stamp}{KEYRING_SUFFIX}", now)
    for path in (target / name, target / "manifest.json", keyring_file):
        path.chmod(0o600)
    return Created(target, keyring_file, manifest)


def _count(engine: Engine, what: Callable[[Connection], dict[str, int]]) -> dict[str, int]:
    with engine.connect() as conn:
        return what(conn)


def _keyring_snapshot(k: Kluis, path: Path, now: datetime) -> Path:
    """The keyring store as one encrypted file: a JSON header line (authenticated, not secret)
    and the AES-256-GCM ciphertext of the store's snapshot."""
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "keyring"
        kind = stores.snapshot(k.settings, k.settings.resolved_keyring_url, plain)
        with k.vault.engine.connect() as conn:
            revision = db.current_revision(conn)
        header = {
            "format": FORMAT,
            "kind": "keyring",
            "created_at": now.isoformat(),
            "snapshot": kind,
            "schema_revision": revision,
            "counts": _count(k.vault.engine, repository.keyring_counts),
        }
        line = json.dumps(header, sort_keys=True).encode()
        nonce = os.urandom(12)
        sealed = AESGCM(_backup_key(k)).encrypt(nonce, plain.read_bytes(), line)
    path.write_bytes(line + b"\n" + nonce + sealed)
    return path


def read_manifest(directory: Path) -> dict[str, Any]:
    manifest_path = directory / "manifest.json"
    try:
        manifest: dict[str, Any] = json.loads(manifest_path.read_text())
    except FileNotFoundError:
        raise BackupInvalid(f"{directory} has no manifest.json: not a Kluis data backup") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BackupInvalid(f"{manifest_path} is damaged: it is not JSON") from None
    if manifest.get("format") != FORMAT or manifest.get("kind") != "data":
        raise BackupInvalid(f"{directory} is not a Kluis data backup of format {FORMAT}")
    return manifest


def check(directory: Path) -> dict[str, Any]:
    """The manifest, after every file's size and SHA-256 were found to match it."""
    manifest = read_manifest(directory)
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise BackupInvalid(f"the manifest in {directory} lists no files")
    for name, expected in files.items():
        path = directory / name
        if not path.is_file():
            raise BackupInvalid(f"{path} is missing from the backup")
        if path.stat().st_size != expected.get("bytes") or stores.sha256(path) != expected.get(
            "sha256"
        ):
            raise BackupInvalid(
                f"{path} does not match its checksum in the manifest: the backup is damaged "
                "or was altered; it is refused"
            )
    return manifest


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    removed_erased: int
    """People in the snapshot who were erased since it was taken, deleted again."""
    removed_keyless: int
    """People in the snapshot whose key no longer exists (unreadable), deleted."""


def restore(settings: Settings, actor: Actor, directory: Path, now: datetime) -> Restored:
    """Put a data snapshot back in place of the data store, then replay the current erasure
    register. Stop the server first: the data store is replaced underneath it."""
    manifest = check(directory)
    keyring = db.make_engine(settings.resolved_keyring_url)
    try:
        with keyring.connect() as conn:
            keys = repository.keyring_counts(conn)["keys"] if repository.has_keyring(conn) else 0
    finally:
        keyring.dispose()
    if keys == 0 and manifest.get("counts", {}).get("people", 0) > 0:
        raise BackupInvalid(
            "the current keyring holds no keys, so every person in the snapshot would be "
            "unreadable and removed: restore the keyring first (`kluis backup restore-keyring "
            "FILE`, with the same master key), then this snapshot",
            field="keyring",
        )
    (name,) = manifest["files"]
    source = directory / name
    url = settings.resolved_database_url
    path = stores.sqlite_path(url)
    if path is not None:
        if manifest["snapshot"] != "sqlite":
            raise BackupInvalid("this backup is of a PostgreSQL store; restore it into one")
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_name(path.name + ".restoring")
        shutil.copyfile(source, staging)
        stores.swap_in(staging, path)
        path.chmod(0o600)
    else:
        if manifest["snapshot"] != "pg_dump":
            raise BackupInvalid("this backup is of an SQLite store; restore it into one")
        stores.pg_restore(settings, url, source)
    k = open_stores(settings)
    try:
        erased, keyless = replay(k, now)
        with k.engine.begin() as conn:
            audit.record(
                conn,
                actor.ref,
                now,
                [BackupRestored(str(manifest["created_at"]), erased, keyless)],
            )
    finally:
        k.close()
    return Restored(manifest, erased, keyless)


def _people_ids(k: Kluis) -> Iterator[list[str]]:
    """Every person id, in pages of short transactions (SQLite writers wait on long reads)."""
    last = ""
    while True:
        with k.engine.connect() as conn:
            page = repository.people_after(conn, last, _BATCH)
        if not page:
            return
        yield page
        last = page[-1]


def replay(k: Kluis, now: datetime) -> tuple[int, int]:
    """Merge the copies of the erasure register (keyring, data store, register file: a restore
    never shrinks it) and replay what the data store lacks, then delete everyone still there
    who must not be: erased, or without a key. Returns (erased, keyless). Safe to run again."""
    merged = reconcile(k.engine, k.vault, now)
    erased, keyless = merged.people_removed, 0
    for page in _people_ids(k):
        gone = k.vault.erased(page)
        have_key = k.vault.has_keys(page)
        doomed = [p for p in page if p in gone or p not in have_key]
        if not doomed:
            continue
        with k.engine.begin() as conn:
            contacts_repo.delete_people(conn, doomed)
        erased += sum(1 for p in doomed if p in gone)
        keyless += sum(1 for p in doomed if p not in gone)
    return erased, keyless


@dataclass(frozen=True)
class Pruned:
    deleted: list[Path]
    kept: int


def prune(directory: Path, older_than: Duration, now: datetime) -> Pruned:
    """Delete keyring snapshots older than ``older_than`` (by the time in their header), so no
    erased person's key outlives the window stated in the record of processing."""
    doomed = expired_keyrings(directory, older_than, now)
    for path in doomed:
        path.unlink()
    total = len(list(directory.glob(f"{KEYRING_PREFIX}*{KEYRING_SUFFIX}")))
    return Pruned(doomed, total)


def expired_keyrings(directory: Path, older_than: Duration, now: datetime) -> list[Path]:
    """The keyring snapshots in ``directory`` past the window (what ``prune`` would delete)."""
    found = []
    for path in sorted(directory.glob(f"{KEYRING_PREFIX}*{KEYRING_SUFFIX}")):
        created = datetime.fromisoformat(keyring_header(path)["created_at"])
        if older_than.after(created.date()) <= now.date():
            found.append(path)
    return found


def keyring_header(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        line = handle.readline(4096)
    try:
        header: dict[str, Any] = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BackupInvalid(f"{path} is not a Kluis keyring snapshot") from None
    if header.get("format") != FORMAT or header.get("kind") != "keyring":
        raise BackupInvalid(f"{path} is not a Kluis keyring snapshot of format {FORMAT}")
    return header


def open_keyring_snapshot(k: Kluis, path: Path) -> tuple[dict[str, Any], bytes]:
    """Decrypt a keyring snapshot; refused when altered (the header is authenticated too)."""
    raw = path.read_bytes()
    line, _, rest = raw.partition(b"\n")
    header = keyring_header(path)
    try:
        plain = AESGCM(_backup_key(k)).decrypt(rest[:12], rest[12:], line)
    except (InvalidTag, ValueError):
        raise BackupInvalid(
            f"{path} does not decrypt: it was altered, or made with another master key"
        ) from None
    return header, plain


def restore_keyring(settings: Settings, actor: Actor, path: Path, now: datetime) -> int:
    """Put a keyring snapshot back (the keyring store was lost), then merge the copies of the
    erasure register (the data store's, the register file's, and every erasure the data store's
    audit log records), so that a key the snapshot still holds for someone erased since is
    destroyed again. Returns how many erasures were replayed into the keyring."""
    k = open_stores(settings, create=False)
    try:
        header, plain = open_keyring_snapshot(k, path)
    finally:
        k.close()
    url = settings.resolved_keyring_url
    target = stores.sqlite_path(url)
    if target is not None:
        if header["snapshot"] != "sqlite":
            raise BackupInvalid("this keyring snapshot is of a PostgreSQL store")
        staging = target.with_name(target.name + ".restoring")
        staging.write_bytes(plain)
        staging.chmod(0o600)
        stores.swap_in(staging, target)
    else:
        if header["snapshot"] != "pg_dump":
            raise BackupInvalid("this keyring snapshot is of an SQLite store")
        with tempfile.TemporaryDirectory() as tmp:
            dump = Path(tmp) / "keyring.dump"
            dump.write_bytes(plain)
            stores.pg_restore(settings, url, dump)
    k = open_stores(settings)
    try:
        audited: list[Erasure] = []
        after = 0
        while True:
            entries = audit.list_entries(k.engine, action="person.erased", after=after, limit=500)
            if not entries:
                break
            after = entries[-1].seq
            audited.extend(
                erasure(e.person_id, e.at, "replayed after keyring restore")
                for e in entries
                if e.person_id
            )
        replayed = reconcile(k.engine, k.vault, now, also_erased=audited).keys_destroyed
        with k.engine.begin() as conn:
            audit.record(
                conn, actor.ref, now, [KeyringRestored(str(header["created_at"]), replayed)]
            )
    finally:
        k.close()
    return replayed
