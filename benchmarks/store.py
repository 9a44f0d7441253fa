"""Store benchmark: create N people through the bulk path and read them back by id.

Prints people per second for Kluis (validation, per-person keys, AES-GCM per field, blind
indexes, audit chain, two stores) and the ratio to a baseline measured in the same run: plain
``sqlite3.executemany`` of the same rows in plain text, and a plain ``SELECT ... IN`` read back.
Machines here are noisy; the ratios are the figures that count.

    python benchmarks/store.py [--people 100000] [--batch 1000]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from kluis.actors import Actor, Role
from kluis.contacts import collect
from kluis.contacts import people as contacts_people
from kluis.opening import open_kluis
from kluis.purposes.service import load_default_catalogue
from kluis.settings import Settings
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


def baseline(directory: Path, count: int, batch: int) -> tuple[float, float]:
    conn = sqlite3.connect(directory / "plain.db")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE people (id TEXT PRIMARY KEY, relationship TEXT, given_name TEXT,"
        " family_name TEXT, email TEXT, phone TEXT, address TEXT)"
    )
    ids = [str(uuid.uuid4()) for _ in range(count)]
    start = time.perf_counter()
    for first in range(0, count, batch):
        rows = []
        for n in range(first, min(first + batch, count)):
            r = row(n)
            rows.append(
                (
                    ids[n],
                    "customer",
                    r["given_name"],
                    r["family_name"],
                    r["email"],
                    r["phone"],
                    r["address"],
                )
            )
        with conn:
            conn.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    write = time.perf_counter() - start
    start = time.perf_counter()
    read = 0
    for first in range(0, count, batch):
        chunk = ids[first : first + batch]
        marks = ",".join("?" * len(chunk))
        read += len(conn.execute(f"SELECT * FROM people WHERE id IN ({marks})", chunk).fetchall())
    assert read == count
    conn.close()
    return write, time.perf_counter() - start


def kluis_run(directory: Path, count: int, batch: int) -> tuple[float, float]:
    settings = Settings(data_dir=directory / "kluis", master_key=SecretStr(new_master_key_text()))
    kluis = open_kluis(settings, create=True)
    load_default_catalogue(kluis.engine, NOW)
    start = time.perf_counter()
    ids = collect.create_people(kluis, ACTOR, people(count), NOW, batch_size=batch)
    write = time.perf_counter() - start
    kluis.vault._cache.clear()
    start = time.perf_counter()
    read = 0
    for first in range(0, count, batch):
        views = contacts_people.read_people(
            kluis, ACTOR, ids[first : first + batch], "customer_service", NOW
        )
        read += len(views)
    elapsed = time.perf_counter() - start
    assert read == count
    kluis.close()
    return write, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        base_write, base_read = baseline(directory, args.people, args.batch)
        write, read = kluis_run(directory, args.people, args.batch)
    n = args.people
    print(f"store benchmark: {n} people, batches of {args.batch}")
    print(f"  baseline sqlite3 executemany, plain text: {n / base_write:10.0f} people/s written")
    print(
        f"  kluis bulk create (encrypted, indexed):   {n / write:10.0f} people/s written"
        f"  ratio {base_write / write:.3f} (1/{write / base_write:.1f})"
    )
    print(f"  baseline sqlite3 SELECT by id:            {n / base_read:10.0f} people/s read")
    print(
        f"  kluis read by id (decrypted, audited):    {n / read:10.0f} people/s read"
        f"  ratio {base_read / read:.3f} (1/{read / base_read:.1f})"
    )


if __name__ == "__main__":
    main()
