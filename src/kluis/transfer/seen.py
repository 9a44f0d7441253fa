"""The digests a dry run has seen so far, on disk, so that memory stays flat however long the file.

A dry run writes nothing, so a second row with an e-mail address or phone number seen earlier in
the same file is not found in the people table; it has to be remembered. A Python set of a
million 32-byte digests costs around 100 MB; this keeps them in a SQLite file instead, in one
B-tree keyed by the digest (a ``WITHOUT ROWID`` table: the digest is the key, nothing else is
stored), which SQLite pages in and out through a bounded cache.

What is stored is only keyed HMAC digests (``vault.blind_index``): without the blind-index key
they reveal nothing. The file still lives in a private directory (mode 0700, the file 0600) and
is removed on exit, since a list of who was in a file has no business outliving the run. The
file is a scratch copy: no journal and no fsync, because a crash loses nothing worth keeping.

The sqlite3 driver is used directly rather than SQLAlchemy: a batch asks about thousands of
digests, and per-value bind processing would cost more than the look-up (as in
``repository.owners``).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import TypeVar

CHUNK = 500
"""Digests per statement: far below SQLite's bound-parameter limit (999 before 3.32)."""

CACHE_KIB = 16 * 1024
"""SQLite's page cache for the file, in KiB: the bound on what the set holds in memory."""


_T = TypeVar("_T")


def _chunks(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    """``items`` in lists of at most ``size``, read lazily (a generator is never listed whole)."""
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


class SeenDigests:
    """A set of byte strings kept in a temporary SQLite file, used as a context manager:

    >>> with SeenDigests() as seen:
    ...     seen.add([b"a", b"b"])
    ...     seen.any_seen([b"c", b"a"])
    True

    ``parent`` is where the private directory is made (the system's temporary directory when
    None). Where that is a RAM file system (``/tmp`` as tmpfs), pass a directory on disk, such
    as the data directory, or the digests end up in memory after all.
    """

    def __init__(self, parent: Path | None = None, *, chunk: int = CHUNK) -> None:
        if chunk < 1:
            raise ValueError("chunk must be at least 1")
        self._parent = parent
        self._chunk = chunk
        self._directory: Path | None = None
        self._conn: sqlite3.Connection | None = None

    @property
    def directory(self) -> Path | None:
        """The private directory while the set is open; None before and after."""
        return self._directory

    def __enter__(self) -> SeenDigests:
        if self._conn is not None:
            raise RuntimeError("SeenDigests is open already; it is not reentrant")
        # mkdtemp makes the directory readable by its owner only (0700)
        directory = Path(tempfile.mkdtemp(prefix="kluis-seen-", dir=self._parent))
        try:
            path = directory / "seen.sqlite3"
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=True)
            try:
                conn.execute("PRAGMA journal_mode = OFF")
                conn.execute("PRAGMA synchronous = OFF")
                conn.execute("PRAGMA temp_store = FILE")
                conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
                conn.execute(
                    "CREATE TABLE seen (digest BLOB PRIMARY KEY, owner TEXT NOT NULL) WITHOUT ROWID"
                )
                conn.execute(
                    "CREATE TABLE held (owner TEXT, field TEXT, PRIMARY KEY (owner, field)) "
                    "WITHOUT ROWID"
                )
            except BaseException:
                conn.close()
                raise
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        self._directory, self._conn = directory, conn
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the database and remove its directory; closing twice is harmless."""
        conn, directory = self._conn, self._directory
        self._conn, self._directory = None, None
        try:
            if conn is not None:
                conn.close()
        finally:
            if directory is not None:
                shutil.rmtree(directory, ignore_errors=True)

    def _open(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("use SeenDigests in a with block: it is not open")
        return self._conn

    def add(self, digests: Iterable[bytes], owner: str = "", fields: Iterable[str] = ()) -> None:
        """Remember ``digests`` (as ``owner``'s); ones seen already are left as they are. Also
        that ``owner`` has a value for each of ``fields`` (names, no values)."""
        conn = self._open()
        conn.executemany(
            "INSERT OR IGNORE INTO held (owner, field) VALUES (?, ?)",
            ((owner, name) for name in fields),
        )
        for chunk in _chunks(digests, self._chunk * 20):
            # one transaction per chunk: committing each row would cost a write per digest
            conn.execute("BEGIN")
            try:
                conn.executemany(
                    "INSERT OR IGNORE INTO seen (digest, owner) VALUES (?, ?)",
                    ((d, owner) for d in chunk),
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _query(self, head: str, chunk: list[bytes]) -> sqlite3.Cursor:
        # only ? marks are put into the text; the digests are bound parameters
        marks = ",".join("?" * len(chunk))
        return self._open().execute(f"{head} IN ({marks})", chunk)

    def seen_of(self, digests: Iterable[bytes]) -> set[bytes]:
        """Those of ``digests`` remembered already."""
        found: set[bytes] = set()
        for chunk in _chunks(digests, self._chunk):
            found.update(
                bytes(row[0]) for row in self._query("SELECT digest FROM seen WHERE digest", chunk)
            )
        return found

    def owners_of(self, digests: Iterable[bytes]) -> dict[bytes, str]:
        """Those of ``digests`` remembered already, with the owner each was added for."""
        found: dict[bytes, str] = {}
        for chunk in _chunks(digests, self._chunk):
            for digest, owner in self._query("SELECT digest, owner FROM seen WHERE digest", chunk):
                found[bytes(digest)] = str(owner)
        return found

    def fields_of(self, owners: Iterable[str]) -> dict[str, frozenset[str]]:
        """The fields remembered for each of ``owners`` that has any."""
        found: dict[str, set[str]] = {}
        for chunk in _chunks(owners, self._chunk):
            marks = ",".join("?" * len(chunk))
            rows = self._open().execute(
                f"SELECT owner, field FROM held WHERE owner IN ({marks})",  # noqa: S608
                chunk,
            )
            for owner, name in rows:
                found.setdefault(str(owner), set()).add(str(name))
        return {owner: frozenset(names) for owner, names in found.items()}

    def any_seen(self, digests: Iterable[bytes]) -> bool:
        """Whether any of ``digests`` is remembered; stops at the first chunk with one."""
        for chunk in _chunks(digests, self._chunk):
            if self._query("SELECT 1 FROM seen WHERE digest", chunk).fetchone() is not None:
                return True
        return False

    def __contains__(self, digest: object) -> bool:
        return isinstance(digest, bytes) and self.any_seen([digest])

    def __len__(self) -> int:
        (count,) = self._open().execute("SELECT count(*) FROM seen").fetchone()
        return int(count)
