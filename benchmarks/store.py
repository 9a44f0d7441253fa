"""Store benchmark: create N people through the bulk path (``contacts.collect.create_people``
with the import's batch size and its worker process, ``workers=1``: the next batch is validated,
keyed, sealed and indexed in a forked process while this one writes) and read them back by id,
against, in the same run:

- the **naive baseline**: plain ``sqlite3`` ``executemany`` of one plain row per person with the
  same time-ordered keys (``kluis.ids``), prebuilt, and a plain ``SELECT ... IN`` read back;
- the **storage floor** (``floor.py``): exactly the rows the bulk create writes per person
  (people, purposes, blind index, audit log, keyring), captured from a small sample created the
  same way, prebuilt, written with plain ``executemany`` into a copy of an empty Kluis.

Runs take turns (naive, floor, Kluis; naive, floor, Kluis; ... ``--pairs`` rounds) and ratios
are per round, wall clock and CPU (Kluis's CPU counts its worker process).

    python benchmarks/store.py [--people 100000] [--batch 5000] [--workers 1] [--pairs 3]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

import floor as storage
from harness import Comparison, Result, Timing, report, stopwatch
from kluis.actors import Actor, Role
from kluis.contacts import collect
from kluis.contacts import people as contacts_people
from kluis.ids import new_person_ids
from kluis.opening import open_kluis
from kluis.purposes.service import load_default_catalogue
from kluis.settings import Settings
from kluis.transfer.pipeline import BATCH_SIZE
from kluis.vault.keys import new_master_key_text

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
ACTOR = Actor(ref="benchmark", role=Role.ADMIN)
SAMPLE = 400
GIVEN = ["Anouk", "Bram", "Daan", "Eva", "Fleur", "Joris", "Lotte", "Milan", "Noor", "Sem"]
FAMILY = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"]


def row(n: int) -> dict[str, str]:
    return {
        "given_name": GIVEN[n % len(GIVEN)],
        "family_name": f"{FAMILY[n % len(FAMILY)]} {n}",
        "email": f"person{n}@example.com",
        "phone": f"+31 6 {20000000 + n}",
        "address": f"Dorpsstraat {n % 300 + 1}, 1234 AB Ergens",
    }


def people(count: int) -> Iterator[contacts_people.NewPerson]:
    for n in range(count):
        yield contacts_people.NewPerson(
            relationship="customer", purposes=["customer_service"], fields=row(n)
        )


def baseline(path: Path, count: int, batch: int) -> tuple[Timing, Timing]:
    """Write and read back one plain row per person: keys and rows prebuilt."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE people (id TEXT PRIMARY KEY, relationship TEXT, given_name TEXT,"
        " family_name TEXT, email TEXT, phone TEXT, address TEXT)"
    )
    ids = new_person_ids(count)
    rows = [(ids[n], "customer", *row(n).values()) for n in range(count)]
    with stopwatch() as write:
        for first in range(0, count, batch):
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO people VALUES (?, ?, ?, ?, ?, ?, ?)", rows[first : first + batch]
            )
            conn.execute("COMMIT")
    read = 0
    with stopwatch() as reading:
        for first in range(0, count, batch):
            chunk = ids[first : first + batch]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT * FROM people WHERE id IN ({marks})"
            read += len(conn.execute(query, chunk).fetchall())
    assert read == count
    conn.close()
    return write.timing, reading.timing


def fresh(directory: Path, key: str) -> Settings:
    """An empty Kluis with the default purposes, closed again."""
    settings = Settings(data_dir=directory, master_key=SecretStr(key))
    kluis = open_kluis(settings, create=True)
    load_default_catalogue(kluis.engine, NOW)
    kluis.close()
    return settings


def kluis_run(directory: Path, count: int, batch: int, workers: int) -> tuple[Timing, Timing]:
    kluis = open_kluis(fresh(directory, new_master_key_text()))
    with stopwatch() as write:
        ids = collect.create_people(
            kluis, ACTOR, people(count), NOW, batch_size=batch, workers=workers
        )
    kluis.vault._cache.clear()
    read = 0
    with stopwatch() as reading:
        for first in range(0, count, batch):
            views = contacts_people.read_people(
                kluis, ACTOR, ids[first : first + batch], "customer_service", NOW
            )
            read += len(views)
    assert read == count
    kluis.close()
    return write.timing, reading.timing


def sample_floor(directory: Path, batch: int) -> storage.Floor:
    """What the bulk create writes per person, taken from a small run of the same people."""
    settings = fresh(directory, new_master_key_text())

    def run() -> None:
        kluis = open_kluis(settings)
        collect.create_people(kluis, ACTOR, people(SAMPLE), NOW, batch_size=batch)
        kluis.close()

    return storage.capture(settings.data_dir / "kluis.db", settings.data_dir / "keyring.db", run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=BATCH_SIZE)
    parser.add_argument("--workers", type=int, default=1, help="0: prepare in this process")
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    if args.pairs < 3:
        parser.error("at least three rounds")
    n = args.people
    timings: dict[str, list[Timing]] = {"naive": [], "floor": [], "kluis": []}
    reads: dict[str, list[Timing]] = {"baseline": [], "kluis": []}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        floor = sample_floor(directory / "sample", args.batch)
        print("rows per person:", ", ".join(f"{t} {c:.2f}" for t, c in floor.per_person().items()))
        empty = fresh(directory / "empty", new_master_key_text())
        batches = floor.rows(n, args.batch)
        for i in range(args.pairs):
            write, read = baseline(directory / f"plain{i}.db", n, args.batch)
            timings["naive"].append(write)
            reads["baseline"].append(read)
            stores = storage.copy_stores(
                empty.data_dir / "kluis.db", empty.data_dir / "keyring.db", directory / f"floor{i}"
            )
            timings["floor"].append(storage.sqlite_floor(floor, batches, stores))
            write, read = kluis_run(directory / f"kluis{i}", n, args.batch, args.workers)
            timings["kluis"].append(write)
            reads["kluis"].append(read)
            print(
                f"  round {i + 1}: "
                + ", ".join(
                    f"{k} {t[-1].wall:.2f} s (CPU {t[-1].cpu:.2f})" for k, t in timings.items()
                ),
                flush=True,
            )

    def compare(base: str, ours: str) -> Comparison:
        return Comparison(tuple(zip(timings[base], timings[ours], strict=True)))

    rate = n / compare("naive", "kluis").median("kluis")
    print(f"store benchmark: {n} people, batches of {args.batch}, workers {args.workers}")
    for workload, goal, c, met in (
        (
            f"bulk create {n:,} (SQLite) / plain executemany",
            ">= 0.25",
            compare("naive", "kluis"),
            0.25,
        ),
        (f"bulk create {n:,} (SQLite) / its storage floor", "-", compare("floor", "kluis"), None),
    ):
        report(
            Result(
                workload=workload,
                goal=goal,
                figure=f"{rate:,.0f} people/s",
                ratio=c.summary(),
                met=None if met is None else c.ratio_median >= met,
            )
        )
    floor_naive = compare("naive", "floor")
    report(
        Result(
            workload=f"bulk create floor {n:,} (SQLite) / plain executemany",
            goal="-",
            figure=f"{n / floor_naive.median('kluis'):,.0f} people/s",
            ratio=floor_naive.summary(),
            met=None,
        )
    )

    read_pairs = Comparison(tuple(zip(reads["baseline"], reads["kluis"], strict=True)))
    report(
        Result(
            workload=f"read by id {n:,} (SQLite) / plain SELECT IN",
            goal="-",
            figure=f"{n / read_pairs.median('kluis'):,.0f} people/s",
            ratio=read_pairs.summary(),
            met=None,
        )
    )


if __name__ == "__main__":
    main()
