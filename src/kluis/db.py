"""Engines, the two metadata trees and the migrations runner.

Kluis has two stores: the *data* store (people, purposes, audit, ...) and the *keyring* store
(wrapped person keys and the erasure register). They are separate databases so that a copy of the
data store never carries the keys that open it (DESIGN.md, invariant 2).

SQLite connections run with ``secure_delete`` so that the pages of an erased person are overwritten
rather than left in the free list, WAL for concurrent readers, and foreign keys on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Dialect,
    Engine,
    MetaData,
    create_engine,
    event,
    insert,
    inspect,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and returned as aware UTC, the same on SQLite and PostgreSQL.

    SQLite keeps no time zone; normalising on the way in means hashes computed over timestamps
    (the audit chain) are identical whichever store wrote them.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Kluis stores aware datetimes only; pass now with a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The wall clock, read only at the edges (routes, CLI); everything below takes ``now``."""
    return datetime.now(UTC)


class DataBase(DeclarativeBase):
    """Declarative base of the data store."""

    metadata = MetaData(naming_convention=NAMING)


class KeyringBase(DeclarativeBase):
    """Declarative base of the keyring store."""

    metadata = MetaData(naming_convention=NAMING)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # 32 MiB of page cache (default 2 MB): bulk imports keep the people and index B-trees
    # in memory (about a third less insert time); it only grows as pages are read.
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.close()


AUTOCHECKPOINT_PAGES = 1000
"""SQLite's default ``wal_autocheckpoint``: a commit that leaves the write-ahead log longer than
this many pages checkpoints it."""

HELD_BACK_PAGES = 65_536
"""How long a log may grow while ``checkpoints_held_back`` (256 MiB of 4 KiB pages) before a
commit checkpoints it anyway: a retention sweep of up to some 25,000 erasures checkpoints once,
at its end, and a longer one every 256 MiB, so the disk it needs stays bounded."""

_autocheckpoint: dict[Pool, int] = {}
"""Pages a store's log may grow to before a commit checkpoints it, where it is not the default
(``checkpoints_held_back``), by the engine's pool (an engine with other execution options
shares it)."""


@contextmanager
def checkpoints_held_back(engine: Engine, pages: int = HELD_BACK_PAGES) -> Iterator[None]:
    """Let a SQLite store's write-ahead log grow to ``pages`` before a commit checkpoints it,
    while the block runs: for a caller that checkpoints once when it is done (a retention sweep,
    which erases hundreds a transaction, then ``kluis.wal.checkpoint``). At SQLite's default of
    1,000 pages such a sweep checkpointed every few transactions, each writing the pages again
    and waiting for two fsyncs: about a tenth of a sweep of 10,026 erasures among 100,000
    people. Each transaction that begins meanwhile sets it on its connection
    (``_sqlite_begin``), and the first one after the block puts the default back, so a pooled
    connection keeps nothing of it; nothing on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        yield
        return
    _autocheckpoint[engine.pool] = pages
    try:
        yield
    finally:
        _autocheckpoint.pop(engine.pool, None)


def _sqlite_begin(conn: Connection) -> None:
    """Start every transaction with the write lock (``BEGIN IMMEDIATE``).

    Nearly every transaction writes (reads are audited), and a transaction that reads first and
    writes later fails at once with SQLITE_BUSY when another writer committed in between; taking
    the lock up front makes it wait its turn instead (busy_timeout). pysqlite's own implicit
    transactions are switched off (``isolation_level = None``) so reads belong to the
    transaction too, as the SQLAlchemy documentation recommends.

    A connection with ``READ_ONLY`` execution options (health probes, metrics) never writes, so
    it starts a deferred transaction and, in WAL mode, never waits for a writer.

    ``wal_autocheckpoint`` is set here when it should differ from what the connection has
    (``checkpoints_held_back``): per connection, so a connection of the pool keeps a held-back
    value only until its next transaction after the hold ends.
    """
    pages = _autocheckpoint.get(conn.engine.pool, AUTOCHECKPOINT_PAGES)
    info = conn.info
    if info.get("wal_autocheckpoint", AUTOCHECKPOINT_PAGES) != pages:
        conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={pages:d}")
        info["wal_autocheckpoint"] = pages
    if conn.get_execution_options().get("kluis_read_only"):
        conn.exec_driver_sql("BEGIN")
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE")


READ_ONLY = {"kluis_read_only": True}
"""Execution options of a connection that only reads (``engine.connect().execution_options(
**READ_ONLY)``): on SQLite it takes no write lock (``_sqlite_begin``)."""


def insert_ignoring_duplicates(conn: Connection, table: Any) -> Any:
    """An INSERT into ``table`` that skips rows whose key is present: two processes recording
    the same entry at once (an erasure and a start-up's register merge) must both succeed."""
    if conn.dialect.name == "postgresql":
        # lazy: its dialect takes ~0.05 s to import, and an engine on PostgreSQL loaded it
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    if conn.dialect.name == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing()
    return insert(table)


CONNECT_TIMEOUT = 10
"""Seconds a new PostgreSQL connection may take (libpq's ``connect_timeout``) unless the URL
sets its own (``?connect_timeout=N``). Without it a server that accepts the TCP connection and
never answers (a hung host, a half-open firewall) holds a request, a job or ``/readyz`` for
minutes, the operating system's TCP timeout; with it they fail in seconds with an error that
names the database."""


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the connection settings Kluis relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    timeout = (
        {} if "connect_timeout" in make_url(url).query else {"connect_timeout": CONNECT_TIMEOUT}
    )
    return create_engine(url, pool_pre_ping=True, connect_args=timeout)


_SCRIPT_REVISION = re.compile(
    r'^(revision|down_revision)(?:\s*:[^=\n]*)?\s*=\s*(?:"([^"\n]*)"|None)\s*$', re.MULTILINE
)


@lru_cache(maxsize=2)
def heads(store: str) -> frozenset[str]:
    """The newest revisions of ``store``'s migrations (``data`` or ``keyring``), read from the
    scripts' text: nearly every opening finds its stores up to date, and answering that without
    Alembic (with Mako and every slice's tables) keeps a command's start-up short. A script this
    does not understand (a merge, a computed revision) gives no heads, so Alembic decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (resources.files("kluis") / "migrations" / store / "versions").iterdir():
        if not script.name.endswith(".py"):
            continue
        text = script.read_text(encoding="utf-8")
        found = {m.group(1): m.group(2) for m in _SCRIPT_REVISION.finditer(text)}
        if "revision" not in found or "down_revision" not in found:
            return frozenset()
        revisions.add(found["revision"])
        if found["down_revision"] is not None:
            parents.add(found["down_revision"])
    return frozenset(revisions - parents)


def stored_revisions(connection: Connection) -> frozenset[str]:
    """The revisions Alembic recorded in the store (none before the first migration)."""
    if not inspect(connection).has_table("alembic_version"):
        return frozenset()
    return frozenset(
        connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()
    )


def _alembic_config(store: str) -> Any:
    # lazy: Alembic, Mako and every table's module load only when a store is migrated
    from alembic.config import Config

    cfg = Config()
    location = resources.files("kluis") / "migrations" / store
    cfg.set_main_option("script_location", str(location))
    return cfg


def upgrade(engine: Engine, store: str, revision: str = "head") -> None:
    """Apply the Alembic migrations of ``store`` (``data`` or ``keyring``) to ``engine``; a store
    already at the newest revision is left alone without loading Alembic."""
    if revision == "head":
        newest = heads(store)
        with engine.connect() as connection:
            if newest and stored_revisions(connection) == newest:
                return
    # lazy: as in _alembic_config
    from alembic import command

    cfg = _alembic_config(store)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, store: str, revision: str) -> None:
    # lazy: as in _alembic_config
    from alembic import command

    cfg = _alembic_config(store)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def current_revision(connection: Connection) -> str | None:
    """The store's migration revision (one: Kluis's migrations are a single line)."""
    return next(iter(sorted(stored_revisions(connection))), None)


def to_db_time(value: datetime) -> datetime:
    """What ``UTCDateTime`` binds, for the driver-level bulk path below."""
    if value.tzinfo is UTC:
        return value.replace(tzinfo=None)
    return value.astimezone(UTC).replace(tzinfo=None)


def bulk_time(conn: Connection, value: datetime) -> Any:
    """``value`` in the form ``insert_rows`` hands the driver: on SQLite the text SQLAlchemy's
    dialect writes, elsewhere naive UTC (``to_db_time``). A bulk path that puts one time in
    every row converts it once with this instead of ``insert_rows`` converting it per row."""
    naive = to_db_time(value)
    return _sqlite_time(naive) if conn.dialect.name == "sqlite" else naive


def insert_rows(
    conn: Connection,
    table: str,
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    *,
    skip_duplicates: bool = False,
) -> None:
    """Bulk insert straight through the driver's ``executemany`` (``COPY`` on PostgreSQL from
    ``COPY_FROM`` rows): the write path of imports and bulk creates, where SQLAlchemy's per-row
    bind processing costs more than the insert itself.

    Values must already be in their database form: naive UTC datetimes (``to_db_time``, or
    ``bulk_time``), bytes, JSON as text. Table and column names come from our own metadata,
    never from input. ``skip_duplicates``: a row whose key is present is skipped (``ON CONFLICT
    DO NOTHING``, as ``insert_ignoring_duplicates``); ``COPY`` cannot skip a row, so such an
    insert stays an ``INSERT`` at any size.
    """
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        rows = _sqlite_rows(rows)
    elif conn.dialect.name == "postgresql" and len(rows) >= COPY_FROM and not skip_duplicates:
        _copy_rows(conn, table, columns, rows)
        return
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES ({', '.join([marker(conn)] * len(columns))})"
    )
    if skip_duplicates:
        sql += " ON CONFLICT DO NOTHING"
    conn.exec_driver_sql(sql, rows)


def marker(conn: Connection) -> str:
    """The driver's positional parameter marker (its DB-API ``paramstyle``): ``?`` for sqlite3,
    ``%s`` for psycopg. For statements sent with ``exec_driver_sql``, past SQLAlchemy's own
    binding, where it would cost more than the statement (bulk paths)."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def for_driver(conn: Connection, sql: str) -> str:
    """``sql``, written with ``?`` markers, in the driver's own style (:func:`marker`). The text
    is ours, never input, and holds no ``?`` other than markers."""
    return sql if conn.dialect.paramstyle == "qmark" else sql.replace("?", "%s")


COPY_FROM = 64
"""Rows from which ``insert_rows`` uses PostgreSQL's ``COPY`` instead of ``executemany``.

An ``executemany`` is one statement execution per row on the server (parsed once, then bound,
executed and answered row by row); ``COPY`` streams the rows into the table in one command, as a
restore or the benchmarks' storage floor does: at an import's batch of thousands of people it is
several times less work for the server. Below this size the ``COPY``'s extra round trip (the
server first answers that it is ready for the data) would cost more than it saves: a request's
few audit entries stay an ``INSERT``."""


def _copy_rows(
    conn: Connection, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """``rows`` into ``table`` with ``COPY ... FROM STDIN`` through psycopg's ``Cursor.copy``, in
    the caller's transaction (the same driver connection SQLAlchemy has begun). The values go
    through the same psycopg adapters an ``INSERT`` would use, in COPY's text format."""
    driver = conn.connection.driver_connection
    assert driver is not None
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        write = copy.write_row
        for row in rows:
            write(row)


IN_CHUNK = 500
"""Values per ``IN (...)`` list: under SQLite's old limit of 999 variables with room to spare."""

ANY_CHUNK = 10_000
"""Values per ``= ANY(...)`` array on PostgreSQL (``rows_in``): an import's batch in one query."""


def rows_in(
    conn: Connection,
    head: str,
    values: Sequence[Any],
    before: tuple[Any, ...] = (),
) -> Iterator[tuple[Any, ...]]:
    """The rows of ``{head} IN (...)`` for ``values``, asked through the driver in chunks: the
    look-ups of bulk paths, where SQLAlchemy's per-value bind processing of a thousand digests
    costs more than the query. ``head`` ends in the column compared, is ours (never input), and
    its own markers (``?``) take ``before``; they are rewritten for the driver's style."""
    if conn.dialect.name == "postgresql":
        # One array parameter instead of a marker per value: psycopg parses (and caches) a
        # query's text by its markers, and a text of 500 markers is too long for its cache,
        # so each chunk was parsed again (an import's largest single cost there, profiled).
        sql = f"{for_driver(conn, head)} = ANY(%b)"
        for start in range(0, len(values), ANY_CHUNK):
            yield from conn.exec_driver_sql(sql, (*before, list(values[start : start + ANY_CHUNK])))
        return
    head = for_driver(conn, head)
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start : start + IN_CHUNK]
        sql = f"{head} IN ({', '.join([marker(conn)] * len(chunk))})"
        yield from conn.exec_driver_sql(sql, (*before, *chunk))


def _sqlite_time(value: datetime) -> str:
    """A datetime as SQLAlchemy's SQLite dialect writes it (always with microseconds), so rows
    written by either path compare and sort alike."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_rows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """``rows`` with their datetimes as text; rows without any are passed on as they are."""
    first = rows[0]
    positions = [i for i, v in enumerate(first) if isinstance(v, datetime)]
    # a column that is NULL in the first row may hold times further down
    positions += [
        i
        for i, v in enumerate(first)
        if v is None and any(isinstance(row[i], datetime) for row in rows)
    ]
    if not positions:
        return rows
    text: dict[datetime, str] = {}  # a batch mostly repeats one time
    out: list[tuple[Any, ...]] = []
    for row in rows:
        values = list(row)
        for i in positions:
            value = values[i]
            if isinstance(value, datetime):
                found = text.get(value)
                if found is None:
                    found = text[value] = _sqlite_time(value)
                values[i] = found
        out.append(tuple(values))
    return out
