"""The storage floor of creating people: exactly the rows Kluis writes per person, written by the
plainest means the database has, prebuilt, with nothing else around them.

``capture`` imports a small sample through Kluis itself and keeps what that wrote per person:
every row of every table that grew (people, purposes, blind index, audit log, keyring, ...), as
stored. ``Floor.rows`` then makes the rows of N people from it: the same tables, columns and
sizes, the person id swapped for a prebuilt time-ordered id (``kluis.ids``) wherever it appears
(JSON text included), every byte string replaced by random bytes of the same length (ciphertext,
wrapped keys, blind-index digests), the audit sequence continued. Each batch is one keyring
transaction and one data transaction, as in Kluis, with the audit head and the job's progress
updated once a batch, the blind-index rows in key order (Kluis sorts them too).

The floor runs against copies of a freshly created Kluis (same schema, indexes, foreign keys,
pragmas), so a schema change moves the floor with it: it is the limit of the design, not of the
code. On SQLite it uses ``executemany``; on PostgreSQL ``COPY``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import Timing, stopwatch
from kluis.ids import new_person_ids

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA secure_delete=ON",
    "PRAGMA cache_size=-32768",
)
"""Kluis's own (``kluis.db``): the floor may not skip what the design needs."""

PER_BATCH = "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1"


@dataclass(frozen=True)
class TableRows:
    """One table's rows for one sample person, as stored."""

    table: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class Floor:
    """What Kluis wrote per person in the sample, by store (``data``, ``keyring``)."""

    people: list[dict[str, list[TableRows]]]
    """Per sample person: store -> that person's rows of each table."""
    job_update: tuple[str, tuple[Any, ...]]
    """The job's progress statement, as Kluis runs it once a batch ("" without a job)."""
    job: tuple[tuple[str, ...], tuple[Any, ...]]
    """The job's row (columns, values), there before the first batch (empty without a job)."""

    def per_person(self) -> dict[str, float]:
        """Rows per person, by table (the B-tree entries are these times the table's indexes)."""
        count: dict[str, int] = {}
        for person in self.people:
            for tables in person.values():
                for t in tables:
                    count[t.table] = count.get(t.table, 0) + len(t.rows)
        return {t: n / len(self.people) for t, n in sorted(count.items())}

    def rows(self, count: int, batch: int) -> list[dict[str, dict[str, list[tuple[Any, ...]]]]]:
        """Prebuilt batches: store -> table -> rows, for ``count`` new people."""
        ids = new_person_ids(count)
        seq = 1_000_000
        batches: list[dict[str, dict[str, list[tuple[Any, ...]]]]] = []
        for first in range(0, count, batch):
            out: dict[str, dict[str, list[tuple[Any, ...]]]] = {}
            for n in range(first, min(first + batch, count)):
                template = self.people[n % len(self.people)]
                old = template["data"][0].rows[0][0]  # the people row's id
                for store, tables in template.items():
                    for t in tables:
                        target = out.setdefault(store, {}).setdefault(t.table, [])
                        for row in t.rows:
                            new = [_swap(v, old, ids[n]) for v in row]
                            if t.table == "audit_log":
                                seq += 1
                                new[0] = seq
                            target.append(tuple(new))
            index = out.get("data", {}).get("person_index")
            if index is not None:
                index.sort()
            batches.append(out)
        return batches

    def columns(self, store: str, table: str) -> tuple[str, ...]:
        for t in self.people[0][store]:
            if t.table == table:
                return t.columns
        raise KeyError(table)


def _swap(value: Any, old: str, new: str) -> Any:
    if isinstance(value, bytes):
        return os.urandom(len(value))
    if isinstance(value, str) and old in value:
        return value.replace(old, new)
    return value


def _tables(conn: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def capture(
    data: Path, keyring: Path, run_sample: Callable[[], None], people_key: str = "id"
) -> Floor:
    """Run ``run_sample`` (an import of a few hundred people into the Kluis whose stores are
    ``data`` and ``keyring``) and keep, per person, the rows it added to each table."""
    stores = {"data": data, "keyring": keyring}
    before = {}
    for store, path in stores.items():
        with sqlite3.connect(path) as conn:
            before[store] = _tables(conn)
    run_sample()
    per: dict[str, dict[str, list[TableRows]]] = {}
    job_update: tuple[str, tuple[Any, ...]] = ("", ())
    job_row: tuple[tuple[str, ...], tuple[Any, ...]] = ((), ())
    for store, path in stores.items():
        conn = sqlite3.connect(path)
        conn.row_factory = None
        after = _tables(conn)
        ids = (
            [r[0] for r in conn.execute(f"SELECT {people_key} FROM people")]
            if store == "data"
            else []
        )
        if store == "data":
            per = {i: {"data": [], "keyring": []} for i in ids}
            job = conn.execute("SELECT position, created, updated_at FROM import_jobs").fetchone()
            if job is not None:  # an import; the bulk create (``store.py``) has no job
                cursor = conn.execute("SELECT * FROM import_jobs")
                job_row = (tuple(d[0] for d in cursor.description), cursor.fetchone())
                job_update = (
                    "UPDATE import_jobs SET position = ?, created = ?, merged = 0, skipped = 0,"
                    " rejected = 0, suppressed = 0, consents = 0, blank = 0, rejects = '[]',"
                    " skips = '[]', rejects_offset = 0, updated_at = ? WHERE id = 1",
                    tuple(job),
                )
        for table, n in after.items():
            if n == before[store].get(table, 0) or table in SKIPPED:
                continue
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            columns = tuple(d[0] for d in cursor.description)
            owner = _owner_column(columns)
            grouped: dict[str, list[tuple[Any, ...]]] = {}
            for row in cursor:
                person = row[owner]
                if person in per:
                    grouped.setdefault(person, []).append(row)
            for person, rows in grouped.items():
                per[person][store].append(TableRows(table, columns, rows))
        conn.close()
    for person in per.values():
        person["data"].sort(key=lambda t: t.table != "people")  # the people row first (FKs)
    return Floor([per[i] for i in sorted(per)], job_update, job_row)


# The import job and the audit head are written once a batch (``job_update``, ``PER_BATCH``); the
# kept audience counts are written by the database's own triggers on ``permissions`` and
# ``audience_people``, which fire in the floor too (it writes into a copy of the same schema, and
# PostgreSQL's COPY fires row triggers), so writing their rows as well would count them twice.
SKIPPED = frozenset({"import_jobs", "audit_head", "audience_counts", "audience_people_counts"})


def _owner_column(columns: Sequence[str]) -> int:
    for name in ("person_id", "id"):
        if name in columns:
            return columns.index(name)
    raise ValueError(f"no person column in {columns}")


def copy_stores(data: Path, keyring: Path, into: Path) -> tuple[Path, Path]:
    """Copies of an empty Kluis's two SQLite stores (checkpointed), for one floor run."""
    into.mkdir(parents=True, exist_ok=True)
    out = []
    for path in (data, keyring):
        with sqlite3.connect(path) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        target = into / path.name
        shutil.copyfile(path, target)
        out.append(target)
    return out[0], out[1]


def _insert(conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: list[Any]) -> None:
    marks = ", ".join("?" * len(columns))
    names = ", ".join(f'"{c}"' for c in columns)
    conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def _order(tables: dict[str, list[tuple[Any, ...]]]) -> Iterator[str]:
    yield from sorted(tables, key=lambda t: t != "people")


def sqlite_floor(
    floor: Floor,
    batches: list[dict[str, dict[str, list[tuple[Any, ...]]]]],
    stores: tuple[Path, Path],
) -> Timing:
    """Write the prebuilt batches with plain ``sqlite3``: one keyring and one data transaction a
    batch, like Kluis (keys first)."""
    data = sqlite3.connect(stores[0], isolation_level=None)
    keyring = sqlite3.connect(stores[1], isolation_level=None)
    for conn in (data, keyring):
        for pragma in PRAGMAS:
            conn.execute(pragma)
    job_sql, job_values = floor.job_update
    if job_sql:
        _insert(data, "import_jobs", floor.job[0], [floor.job[1]])
    position = 0
    with stopwatch() as watch:
        for batch in batches:
            keys = batch.get("keyring", {})
            keyring.execute("BEGIN IMMEDIATE")
            for table in _order(keys):
                _insert(keyring, table, floor.columns("keyring", table), keys[table])
            keyring.execute("COMMIT")
            rows = batch["data"]
            position += len(rows["people"])
            data.execute("BEGIN IMMEDIATE")
            for table in _order(rows):
                _insert(data, table, floor.columns("data", table), rows[table])
            data.execute(PER_BATCH, (position, "0" * 64))
            if job_sql:
                data.execute(job_sql, (position, position, job_values[2]))
            data.execute("COMMIT")
    data.close()
    keyring.close()
    return watch.timing


def postgres_floor(
    floor: Floor,
    batches: list[dict[str, dict[str, list[tuple[Any, ...]]]]],
    urls: tuple[str, str],
) -> Timing:
    """The same batches into PostgreSQL with ``COPY``, one keyring and one data transaction a
    batch (``urls``: libpq URLs of a freshly created Kluis's two databases)."""
    import psycopg  # lazy: only with a PostgreSQL server

    data = psycopg.connect(urls[0])
    keyring = psycopg.connect(urls[1])
    job_sql, (_, _, updated) = floor.job_update
    names = ", ".join(f'"{c}"' for c in floor.job[0])
    marks = ", ".join(["%s"] * len(floor.job[0]))
    with data.transaction():
        data.execute(f"INSERT INTO import_jobs ({names}) VALUES ({marks})", floor.job[1])
    position = 0
    with stopwatch() as watch:
        for batch in batches:
            for conn, store in ((keyring, "keyring"), (data, "data")):
                tables = batch.get(store, {})
                with conn.transaction(), conn.cursor() as cur:
                    for table in _order(tables):
                        names = ", ".join(f'"{c}"' for c in floor.columns(store, table))
                        with cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                            for row in tables[table]:
                                copy.write_row(row)
                    if store == "data":
                        position += len(tables["people"])
                        cur.execute(PER_BATCH.replace("?", "%s"), (position, "0" * 64))
                        cur.execute(job_sql.replace("?", "%s"), (position, position, updated))
    data.close()
    keyring.close()
    return watch.timing
