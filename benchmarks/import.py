"""Import benchmark: import N generated contacts from a CSV file through ``kluis.transfer``
(validation, per-person keys, AES-GCM per field, blind indexes, duplicate look-ups, audit chain,
resumable job, two stores) and compare, in the same run, with two baselines:

- the **storage floor** (``floor.py``): exactly the rows Kluis writes per person (people,
  purposes, blind index, audit log, keyring, the job's progress), prebuilt, written with plain
  ``sqlite3.executemany`` into copies of an empty Kluis (and with ``COPY`` into PostgreSQL when a
  server can be started the way the tests start one, ``tests/pgserver.py``);
- the **naive baseline**: one plain-text row per contact with the same time-ordered keys
  (``kluis.ids``), prebuilt, ``executemany`` a batch.

The runs alternate (naive, floor, Kluis; naive, floor, Kluis; ...) and each ratio is taken per
round, wall clock and CPU (the CPU of Kluis counts its worker process). Machines here are noisy;
the ratios count. Goals (issue 17): the import at >= 0.85 of its floor on both backends, and at
>= 0.05 of the naive baseline on SQLite.

    python benchmarks/import.py [--rows 100000] [--batch 5000] [--workers 1] [--pairs 3]
"""

from __future__ import annotations

import argparse
import csv
import resource
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

import floor as storage
from harness import Comparison, Result, Timing, report, stopwatch
from kluis.actors import Actor, Role
from kluis.ids import new_person_ids
from kluis.opening import open_kluis
from kluis.purposes.service import load_default_catalogue
from kluis.settings import Settings
from kluis.transfer import pipeline
from kluis.transfer.job import ImportOptions
from kluis.vault.keys import new_master_key_text

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
ACTOR = Actor(ref="benchmark", role=Role.ADMIN)
GIVEN = ["Anouk", "Bram", "Daan", "Eva", "Fleur", "Joris", "Lotte", "Milan", "Noor", "Sem"]
FAMILY = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"]
HEADER = ["Voornaam", "Achternaam", "E-mail", "Telefoon", "Postadres"]
OPTIONS = ImportOptions(purposes=("customer_service",), relationship="customer")
SAMPLE = 400


def record(n: int) -> list[str]:
    return [
        GIVEN[n % len(GIVEN)],
        f"{FAMILY[n % len(FAMILY)]} {n}",
        f"person{n}@example.com",
        f"+31 6 {20000000 + n}",
        f"Dorpsstraat {n % 300 + 1}, 1234 AB Ergens",
    ]


def generate(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for n in range(count):
            writer.writerow(record(n))


def naive_rows(count: int, batch: int) -> list[list[tuple[str, ...]]]:
    ids = new_person_ids(count)
    rows = [(ids[n], *record(n)) for n in range(count)]
    return [rows[i : i + batch] for i in range(0, count, batch)]


def naive(path: Path, batches: list[list[tuple[str, ...]]]) -> Timing:
    """One plain row per contact, prebuilt, time-ordered keys, ``executemany`` a batch."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE people (id TEXT PRIMARY KEY, given_name TEXT, family_name TEXT,"
        " email TEXT, phone TEXT, address TEXT)"
    )
    with stopwatch() as watch:
        for rows in batches:
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?, ?)", rows)
            conn.execute("COMMIT")
    conn.close()
    return watch.timing


def settings(directory: Path, key: str, **urls: str) -> Settings:
    return Settings(data_dir=directory, master_key=SecretStr(key), **urls)


def fresh(s: Settings) -> None:
    """An empty Kluis with the default purposes, closed again."""
    k = open_kluis(s, create=True)
    load_default_catalogue(k.engine, NOW)
    k.close()


def _cpu_split() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def kluis_import(s: Settings, source: Path, batch: int, workers: int) -> tuple[Timing, int]:
    """One import; prints the CPU of the importing process and of its worker apart: on two
    cores the wall clock can come near the floor only when each is under the floor's CPU."""
    fresh(s)
    k = open_kluis(s)
    before = _cpu_split()
    with stopwatch() as watch:
        result = pipeline.run_import(
            k, ACTOR, source, OPTIONS, NOW, batch_size=batch, workers=workers
        )
    after = _cpu_split()
    k.close()
    print(
        f"    importing process {after[0] - before[0]:.2f} s cpu, "
        f"worker {after[1] - before[1]:.2f} s cpu",
        flush=True,
    )
    return watch.timing, result.counts.created


def sample_floor(directory: Path, rows: int, batch: int) -> storage.Floor:
    """What Kluis writes per person, taken from a small import of the same kind of rows."""
    source = directory / "sample.csv"
    generate(source, min(SAMPLE, rows))
    s = settings(directory / "sample", new_master_key_text())
    fresh(s)

    def run() -> None:
        k = open_kluis(s)
        pipeline.run_import(k, ACTOR, source, OPTIONS, NOW, batch_size=batch, workers=0)
        k.close()

    return storage.capture(s.data_dir / "kluis.db", s.data_dir / "keyring.db", run)


class Postgres:
    """Throwaway databases on a server started like the tests' (``tests/pgserver.py``)."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.made = 0

    def pair(self, directory: Path) -> tuple[Settings, tuple[str, str]]:
        self.made += 1
        names = (f"bench_{self.made}", f"bench_{self.made}_keyring")
        for name in names:
            self.server.create_database(name)
        s = settings(
            directory / f"pg{self.made}",
            new_master_key_text(),
            database_url=self.server.url(names[0]),
            keyring_url=self.server.url(names[1]),
        )
        return s, (self.server.url(names[0], "postgresql"), self.server.url(names[1], "postgresql"))


def rounds(pairs: int, runs: dict[str, Callable[[int], Timing]]) -> dict[str, list[Timing]]:
    """Each run in turn, ``pairs`` rounds (A B C A B C ...)."""
    out: dict[str, list[Timing]] = {name: [] for name in runs}
    for i in range(pairs):
        for name, run in runs.items():
            timing = run(i)
            out[name].append(timing)
            print(
                f"  round {i + 1} {name}: {timing.wall:.2f} s wall, {timing.cpu:.2f} s cpu",
                flush=True,
            )
    return out


def compare(base: list[Timing], ours: list[Timing]) -> Comparison:
    return Comparison(tuple(zip(base, ours, strict=True)))


def goal(workload: str, goal_text: str, c: Comparison, rows: int, at_least: float | None) -> None:
    rate = rows / c.median("kluis")
    report(
        Result(
            workload=workload,
            goal=goal_text,
            figure=f"{rate:,.0f} contacts/s",
            ratio=c.summary(),
            met=None if at_least is None else c.ratio_median >= at_least,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=pipeline.BATCH_SIZE)
    parser.add_argument(
        "--workers", type=int, default=1, help="1: a second process reads, validates and seals"
    )
    parser.add_argument("--pairs", type=int, default=3, help="rounds of A B A B (at least 3)")
    parser.add_argument(
        "--no-postgres", action="store_true", help="SQLite only, even when PostgreSQL is installed"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        source = directory / "contacts.csv"
        generate(source, args.rows)
        floor = sample_floor(directory, args.rows, args.batch)
        print("rows per person:", ", ".join(f"{t} {n:.2f}" for t, n in floor.per_person().items()))
        empty = settings(directory / "empty", new_master_key_text())
        fresh(empty)
        batches = floor.rows(args.rows, args.batch)
        plain = naive_rows(args.rows, args.batch)
        created: list[int] = []

        def kluis_sqlite(i: int) -> Timing:
            s = settings(directory / f"kluis{i}", new_master_key_text())
            timing, count = kluis_import(s, source, args.batch, args.workers)
            created.append(count)
            return timing

        def floor_sqlite(i: int) -> Timing:
            stores = storage.copy_stores(
                empty.data_dir / "kluis.db", empty.data_dir / "keyring.db", directory / f"floor{i}"
            )
            return storage.sqlite_floor(floor, batches, stores)

        runs: dict[str, Callable[[int], Timing]] = {
            "naive": lambda i: naive(directory / f"naive{i}.db", plain),
            "floor (SQLite)": floor_sqlite,
            "kluis (SQLite)": kluis_sqlite,
        }
        server_cm = None
        if not args.no_postgres:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
            from pgserver import PostgresUnavailable, postgres_server  # lazy: tests' helper

            try:
                server_cm = postgres_server()
                pg = Postgres(server_cm.__enter__())
            except PostgresUnavailable as exc:
                print(f"PostgreSQL: not run ({str(exc).splitlines()[0]})")
                server_cm = None
            if server_cm is not None:

                def floor_pg(i: int) -> Timing:
                    s, urls = pg.pair(directory)
                    fresh(s)
                    return storage.postgres_floor(floor, batches, urls)

                def kluis_pg(i: int) -> Timing:
                    s, _ = pg.pair(directory)
                    return kluis_import(s, source, args.batch, args.workers)[0]

                runs["floor (PostgreSQL)"] = floor_pg
                runs["kluis (PostgreSQL)"] = kluis_pg
        try:
            timings = rounds(args.pairs, runs)
        finally:
            if server_cm is not None:
                server_cm.__exit__(None, None, None)
    assert all(c == args.rows for c in created), created
    n = args.rows
    print(f"rows: {n}, batch {args.batch}, workers {args.workers}")
    sqlite_floor = compare(timings["naive"], timings["floor (SQLite)"])
    print(f"storage floor (SQLite) / naive: {sqlite_floor.summary()}")
    goal(
        f"import {n:,} (SQLite) / floor",
        ">= 0.85",
        compare(timings["floor (SQLite)"], timings["kluis (SQLite)"]),
        n,
        0.85,
    )
    goal(
        f"import {n:,} (SQLite) / naive",
        ">= 0.05",
        compare(timings["naive"], timings["kluis (SQLite)"]),
        n,
        0.05,
    )
    report(
        Result(
            workload=f"import floor {n:,} (SQLite) / naive",
            goal="-",
            figure=f"{n / sqlite_floor.median('kluis'):,.0f} people/s",
            ratio=sqlite_floor.summary(),
            met=None,
        )
    )
    if "kluis (PostgreSQL)" in timings:
        goal(
            f"import {n:,} (PostgreSQL) / floor",
            ">= 0.85",
            compare(timings["floor (PostgreSQL)"], timings["kluis (PostgreSQL)"]),
            n,
            0.85,
        )
        goal(
            f"import {n:,} (PostgreSQL) / naive SQLite",
            "-",
            compare(timings["naive"], timings["kluis (PostgreSQL)"]),
            n,
            None,
        )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"peak memory: {own:.0f} MiB (this process, prebuilt rows included), "
        f"{worker:.0f} MiB (worker)"
    )


if __name__ == "__main__":
    main()
