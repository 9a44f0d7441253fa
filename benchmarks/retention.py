"""Retention benchmark: one sweep over N people on SQLite, of whom 10% are due for erasure.

Populates a fresh Kluis straight through the driver (``kluis.db.insert_rows``): 90% customers
held for ``customer_service`` (two years from the last interaction, which lies within the last
700 days: none due), 10% prospects held for ``sales_follow_up`` whose last interaction was 500
days ago (one year: all due). Each person has four personal columns of ciphertext-sized random
bytes, an e-mail blind-index row and a key in the keyring (random bytes of a wrapped key's size:
a sweep decrypts nothing); 30% of the customers have a live e-mail consent.

Then, at a fixed ``now``: a dry run (``retention.service.sweep(dry_run=True)``: the scan and the
rules, no change), and the real sweep (the due people of each page erased together through
``contacts.erasure.erase_people``, the one erasure path: suppression list, keys destroyed,
erasure register, rows deleted, audit entries). The time inside ``erase_people`` is measured
apart. The baseline, measured in the same run on a copy of the data store taken before the
sweep: a plain ``DELETE FROM people WHERE id IN (...)`` of the same people, 500 ids a statement
and a transaction, with the same PRAGMAs (foreign keys cascading to purposes, index rows and
permissions; ``secure_delete``). The results must agree. Machines here are noisy; the ratio is
the figure that counts.

    python benchmarks/retention.py [--rows 1000000] [--batch 50000] [--page 500]
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select

from kluis.consent.catalogue import load_default_topics
from kluis.consent.rules import add_months
from kluis.contacts import erasure as contacts
from kluis.contacts.tables import people
from kluis.db import insert_rows, to_db_time
from kluis.opening import open_kluis
from kluis.purposes.service import load_default_catalogue
from kluis.retention import service
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.vault.keys import new_master_key_text

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
DUE_SHARE = 0.10
PEOPLE = (
    "id",
    "relationship",
    "language",
    "created_at",
    "updated_at",
    "last_interaction_at",
    "given_name",
    "family_name",
    "email",
    "phone",
)
PURPOSES = ("person_id", "purpose_key", "collected_at")
INDEX = ("field", "digest", "person_id")
PERMISSIONS = ("person_id", "channel", "topic", "status", "event_id", "since", "reconfirm_by")
KEYS = ("person_id", "wrapped_key", "created_at")


def populate(kluis: Kluis, count: int, size: int) -> tuple[list[str], float]:
    """Write ``count`` people; returns the ids of the due ones and the seconds spent writing."""
    rng = random.Random(2026)
    due: list[str] = []
    written, spent, event_id = 0, 0.0, 0
    while written < count:
        rows: dict[str, list[tuple[Any, ...]]] = {
            "people": [],
            "person_purposes": [],
            "person_index": [],
            "permissions": [],
            "person_keys": [],
        }
        for _ in range(min(size, count - written)):
            person_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            is_due = rng.random() < DUE_SHARE
            if is_due:
                due.append(person_id)
                relationship, purpose = "prospect", "sales_follow_up"
                collected = last = NOW - timedelta(days=500)
            else:
                relationship, purpose = "customer", "customer_service"
                collected = NOW - timedelta(days=rng.randint(0, 700))
                last = collected + timedelta(days=rng.randint(0, (NOW - collected).days))
            sealed = [os.urandom(n) for n in (40, 48, 60, 44)]  # AES-GCM sized values
            rows["people"].append(
                (
                    person_id,
                    relationship,
                    rng.choice(("nl", "en")),
                    to_db_time(collected),
                    to_db_time(last),
                    to_db_time(last),
                    *sealed,
                )
            )
            rows["person_purposes"].append((person_id, purpose, to_db_time(collected)))
            rows["person_index"].append(("email", os.urandom(16), person_id))
            rows["person_keys"].append((person_id, os.urandom(40), to_db_time(collected)))
            if not is_due and rng.random() < 0.30:
                event_id += 1
                since = NOW - timedelta(days=rng.randint(0, 600))
                rows["permissions"].append(
                    (
                        person_id,
                        "email",
                        "newsletter",
                        "granted",
                        event_id,
                        to_db_time(since),
                        to_db_time(add_months(since, 24)),
                    )
                )
        start = time.perf_counter()
        with kluis.engine.begin() as conn:
            insert_rows(conn, "people", PEOPLE, rows["people"])
            insert_rows(conn, "person_purposes", PURPOSES, rows["person_purposes"])
            insert_rows(conn, "person_index", INDEX, rows["person_index"])
            insert_rows(conn, "permissions", PERMISSIONS, rows["permissions"])
        with kluis.vault.engine.begin() as conn:
            insert_rows(conn, "person_keys", KEYS, rows["person_keys"])
        spent += time.perf_counter() - start
        written += len(rows["people"])
    return due, spent


def baseline(path: Path, due: list[str], page: int) -> tuple[float, int]:
    """A plain batched DELETE of the due people on ``path``: its seconds, and people left."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "secure_delete=ON"):
        conn.execute(f"PRAGMA {pragma}")
    start = time.perf_counter()
    for offset in range(0, len(due), page):
        chunk = due[offset : offset + page]
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            f"DELETE FROM people WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        conn.execute("COMMIT")
    spent = time.perf_counter() - start
    left = conn.execute("SELECT count(*) FROM people").fetchone()[0]
    orphans = conn.execute(
        "SELECT count(*) FROM person_purposes WHERE person_id NOT IN (SELECT id FROM people)"
    ).fetchone()[0]
    conn.close()
    assert orphans == 0
    return spent, int(left)


def copy_store(kluis: Kluis, target: Path) -> None:
    source = Path(kluis.settings.resolved_database_url.removeprefix("sqlite:///"))
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def timed_erasures() -> tuple[list[float], Callable[[], None]]:
    """Measure the time spent in ``contacts.erasure.erase_people`` during the sweep."""
    spent: list[float] = []
    real = contacts.erase_people

    def erase(*args: Any, **kwargs: Any) -> list[str]:
        start = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    contacts.erase_people = erase  # type: ignore[assignment]

    def restore() -> None:
        contacts.erase_people = real  # type: ignore[assignment]

    return spent, restore


def ratio(base: float, measured: float) -> str:
    return f"ratio {base / measured:.4f} (1/{measured / base:.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="people in the store")
    parser.add_argument("--batch", type=int, default=50_000, help="rows per insert transaction")
    parser.add_argument("--page", type=int, default=service.BATCH, help="people per sweep page")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        settings = Settings(
            data_dir=directory / "kluis", master_key=SecretStr(new_master_key_text())
        )
        kluis = open_kluis(settings, create=True)
        load_default_catalogue(kluis.engine, NOW)
        load_default_topics(kluis, NOW)
        due, write = populate(kluis, args.rows, args.batch)
        copy_store(kluis, directory / "plain.db")

        start = time.perf_counter()
        dry = service.sweep(kluis, NOW, dry_run=True, batch_size=args.page, keep_actions=False)
        dry_time = time.perf_counter() - start

        erasures, restore = timed_erasures()
        start = time.perf_counter()
        try:
            report = service.sweep(kluis, NOW, batch_size=args.page)
        finally:
            restore()
        sweep_time = time.perf_counter() - start
        with kluis.engine.connect() as conn:
            left = conn.scalar(select(func.count()).select_from(people))
        kluis.close()
        base_time, base_left = baseline(directory / "plain.db", due, args.page)

    n, d = args.rows, len(due)
    assert dry.erased == report.erased == d, (dry.erased, report.erased, d)
    assert left == base_left == n - d, (left, base_left, n - d)
    erase_time = sum(erasures)
    print(f"retention benchmark: {n} people on SQLite, {d} ({d / n:.1%}) due for erasure")
    print(f"  populated through the driver in {write:.1f} s")
    print(
        f"  dry run (scan and rules, no change):   {dry_time:9.2f} s"
        f"  ({n / dry_time:,.0f} people/s)"
    )
    print(
        f"  sweep (scan, rules, {d} erasures):   {sweep_time:9.2f} s"
        f"  ({n / sweep_time:,.0f} people/s seen, {d / sweep_time:,.0f} erased/s)"
    )
    print(
        f"    of which in erase_people:           {erase_time:9.2f} s"
        f"  ({erase_time / sweep_time:.0%}; {erase_time / d * 1000:.2f} ms a person,"
        f" {len(erasures)} calls)"
    )
    print(
        f"  baseline plain batched DELETE:         {base_time:9.2f} s"
        f"  ({d / base_time:,.0f} rows/s)"
    )
    print(f"  sweep vs baseline (same {d} rows):      {ratio(base_time, sweep_time)}")


if __name__ == "__main__":
    main()
