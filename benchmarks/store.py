"""Store benchmark: create N people through the bulk path (``contacts.collect.create_people``,
in batches of the import's size) and read them back by id, against plain ``sqlite3`` doing the
same in the same run: ``executemany`` of one plain row per person with the same time-ordered
keys (``kluis.ids``), prebuilt, and a plain ``SELECT ... IN`` read back. Runs alternate (A B A B,
``--pairs``) and ratios are per pair, wall clock and CPU. The storage floor of creating people is
measured by ``benchmarks/import.py`` (docs/performance.md).

    python benchmarks/store.py [--people 100000] [--batch 5000] [--pairs 3]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from harness import Comparison, Result, Timing, alternate, report, stopwatch
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


def kluis_run(directory: Path, count: int, batch: int) -> tuple[Timing, Timing]:
    settings = Settings(data_dir=directory, master_key=SecretStr(new_master_key_text()))
    kluis = open_kluis(settings, create=True)
    load_default_catalogue(kluis.engine, NOW)
    with stopwatch() as write:
        ids = collect.create_people(kluis, ACTOR, people(count), NOW, batch_size=batch)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=BATCH_SIZE)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    n = args.people
    reads: dict[str, list[Timing]] = {"baseline": [], "kluis": []}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)

        def base(i: int) -> Timing:
            write, read = baseline(directory / f"plain{i}.db", n, args.batch)
            reads["baseline"].append(read)
            return write

        def ours(i: int) -> Timing:
            write, read = kluis_run(directory / f"kluis{i}", n, args.batch)
            reads["kluis"].append(read)
            return write

        writes = alternate(args.pairs, base, ours)
    print(f"store benchmark: {n} people, batches of {args.batch}")
    report(
        Result(
            workload=f"bulk create {n:,} (SQLite) / plain executemany",
            goal=">= 0.25",
            figure=f"{n / writes.median('kluis'):,.0f} people/s",
            ratio=writes.summary(),
            met=writes.ratio_median >= 0.25,
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
