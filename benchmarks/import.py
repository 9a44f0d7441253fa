"""Import benchmark: import N generated contacts from a CSV file into SQLite through
``kluis.transfer`` (validation, per-person keys, AES-GCM per field, blind indexes, duplicate
look-ups, audit chain, resumable job, two stores), and compare with a baseline measured in the
same run: plain ``sqlite3.executemany`` of the same rows in plain text.

Prints contacts per second, the ratio to the baseline, CPU time per contact (this process and the
worker that reads, validates and seals; steadier than rates on a shared machine) beside the
baseline's CPU time per row, and their ratio (the importing process is the one that limits the
rate while the worker keeps up), and peak memory (maximum resident set of this process and of the
worker). Machines here are noisy; the ratio counts.

    python benchmarks/import.py [--rows 1000000] [--batch 5000] [--workers 1]
"""

from __future__ import annotations

import argparse
import csv
import resource
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from kluis.actors import Actor, Role
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


def generate(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for n in range(count):
            writer.writerow(
                [
                    GIVEN[n % len(GIVEN)],
                    f"{FAMILY[n % len(FAMILY)]} {n}",
                    f"person{n}@example.com",
                    f"+31 6 {20000000 + n}",
                    f"Dorpsstraat {n % 300 + 1}, 1234 AB Ergens",
                ]
            )


def baseline(directory: Path, source: Path, batch: int) -> tuple[float, float]:
    """Rows per second and CPU seconds per row of plain ``executemany`` inserts."""
    conn = sqlite3.connect(directory / "plain.db")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE people (id TEXT PRIMARY KEY, given_name TEXT, family_name TEXT,"
        " email TEXT, phone TEXT, address TEXT)"
    )
    start = time.perf_counter()
    cpu = time.process_time()
    count = 0
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        rows: list[tuple[str, ...]] = []
        for record in reader:
            rows.append((str(uuid.uuid4()), *record))
            if len(rows) == batch:
                conn.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?, ?)", rows)
                conn.commit()
                count += len(rows)
                rows = []
        conn.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?, ?)", rows)
        conn.commit()
        count += len(rows)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    conn.close()
    return count / elapsed, cpu / count


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def kluis_import(
    settings: Settings, source: Path, batch: int, workers: int
) -> tuple[float, int, float, float]:
    """Contacts per second, contacts created, CPU seconds per contact here and in the worker."""
    kluis = open_kluis(settings, create=True)
    load_default_catalogue(kluis.engine, NOW)
    options = ImportOptions(purposes=("customer_service",), relationship="customer")
    own, children = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    report = pipeline.run_import(
        kluis, ACTOR, source, options, NOW, batch_size=batch, workers=workers
    )
    elapsed = time.perf_counter() - start
    own = _cpu(resource.RUSAGE_SELF) - own
    children = _cpu(resource.RUSAGE_CHILDREN) - children
    kluis.close()
    created = report.counts.created
    return created / elapsed, created, own / max(created, 1), children / max(created, 1)


def _settings(directory: Path, **urls: str) -> Settings:
    return Settings(data_dir=directory, master_key=SecretStr(new_master_key_text()), **urls)


def postgres_import(
    directory: Path, source: Path, batch: int, workers: int
) -> tuple[float, int, float, float] | str:
    """The same import into a throwaway PostgreSQL server started from the installed binaries
    (the test suite's ``tests/pgserver.py``), or why there is none."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from pgserver import PostgresUnavailable, postgres_server

    try:
        with postgres_server() as server:
            server.create_database("kluis_bench")
            server.create_database("kluis_bench_keyring")
            settings = _settings(
                directory / "pg",
                database_url=server.url("kluis_bench"),
                keyring_url=server.url("kluis_bench_keyring"),
            )
            return kluis_import(settings, source, batch, workers)
    except PostgresUnavailable as exc:
        return str(exc).splitlines()[0]


def _report(name: str, figures: tuple[float, int, float, float], plain: float, cpu: float) -> None:
    rate, _, own_cpu, worker_cpu = figures
    print(f"{'kluis import (' + name + '):':<43}{rate:,.0f} contacts/s")
    print(f"  ratio to the baseline:                   {rate / plain:.3f}")
    print(f"  cpu per contact: {own_cpu * 1e6:.0f} us (this process), ", end="")
    print(f"{worker_cpu * 1e6:.0f} us (worker); cpu ratio baseline / this process ", end="")
    print(f"{cpu / own_cpu:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=pipeline.BATCH_SIZE)
    parser.add_argument(
        "--workers", type=int, default=1, help="1: a second process reads, validates and seals"
    )
    parser.add_argument(
        "--no-postgres", action="store_true", help="SQLite only, even when PostgreSQL is installed"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        source = directory / "contacts.csv"
        generate(source, args.rows)
        plain, plain_cpu = baseline(directory, source, args.batch)
        sqlite = kluis_import(_settings(directory / "kluis"), source, args.batch, args.workers)
        postgres = (
            "--no-postgres"
            if args.no_postgres
            else postgres_import(directory, source, args.batch, args.workers)
        )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"rows: {args.rows}, created: {sqlite[1]}, batch {args.batch}, workers {args.workers}")
    print(f"baseline sqlite3.executemany (plain text): {plain:,.0f} rows/s, ", end="")
    print(f"{plain_cpu * 1e6:.1f} us cpu per row")
    _report("SQLite", sqlite, plain, plain_cpu)
    if isinstance(postgres, str):
        print(f"kluis import (PostgreSQL): not run ({postgres})")
    else:
        _report("PostgreSQL", postgres, plain, plain_cpu)
    print(f"peak memory: {own:.0f} MiB (this process), {worker:.0f} MiB (worker)")


if __name__ == "__main__":
    main()
