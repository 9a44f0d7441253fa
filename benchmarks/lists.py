"""Lists benchmark: a page of 50 of N people, filtered by owner and ordered by name, on SQLite.

Names are sealed per person, so ``contacts.listing`` orders them in memory: it decrypts the name
fields of everyone the filters leave (at most ``list_rules.NAME_SORT_LIMIT``) and shows one page.
This measures what that costs against a CRM that keeps names in plain text.

The store is filled straight through the driver before anything is timed: N people held for
``customer_service`` with real sealed names (each person's own key, made and wrapped by the
vault; the keyring holds the wrapped keys), each owned by one of ``--owners`` staff users in
turn, so an owner's list is N / owners people (100,000 / 20: 5000, the most ordered by name).
Then, alternating (``harness.alternate``, A B A B), ``--requests`` page requests per run,
each for the next owner in turn (a run meets more people than the vault's cache of 20,000
keys holds: keys are unwrapped as a cold server would) and a page among the first four:

- A, the baseline: plain sqlite3 on a copy of the same people with their names in plain text
  (what a CRM without encryption keeps), ``WHERE owner_id = ? ORDER BY family_name,
  given_name, id LIMIT 50 OFFSET ?`` on an index (owner_id, family_name, given_name), reading
  the page's names.
- B, Kluis: ``contacts.listing.list_people`` under ``customer_service`` with the owner filter
  and ``sort=name``: the count, the ids, the sealed names read, keys unwrapped, names
  decrypted and ordered, the page's people read under the purpose, and the audit entries
  (``person.searched``, ``person.list_sorted``, one ``person.read`` a person shown) written.

The figure is the p99 of one page request (nearest rank, over every request of every run) and
the ratio per pair of run times (baseline / Kluis). A third figure orders the same owner's list
by collection (an order the store can do) as a reference.

    python benchmarks/lists.py [--rows 100000] [--owners 20] [--requests 200] [--pairs 3]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from harness import Result, Timing, alternate, percentile, report, stopwatch
from kluis.actors import SYSTEM, Actor, Role
from kluis.auth import service as users
from kluis.contacts import listing
from kluis.contacts.list_rules import Order, OwnerFilter, Sort
from kluis.db import insert_rows, to_db_time
from kluis.ids import new_person_ids
from kluis.opening import open_kluis
from kluis.purposes.service import load_default_catalogue
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.vault.keys import new_master_key_text

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
PAGE = 50
GIVEN = ("Fenna", "Joris", "Sanne", "Bram", "Émile", "Anouk", "Daan", "Lotte", "Wim", "Noor")
FAMILY = ("de Boer", "Visser", "Brouwersma", "Zijlstra", "Achterberg", "van Dijk", "Mulder")
PEOPLE = (
    "id",
    "relationship",
    "language",
    "created_at",
    "updated_at",
    "last_interaction_at",
    "owner_id",
    "given_name",
    "family_name",
)
PURPOSES = ("person_id", "purpose_key", "collected_at")
KEYS = ("person_id", "wrapped_key", "created_at")


def populate(kluis: Kluis, count: int, owners: list[int], size: int) -> list[tuple[Any, ...]]:
    """Write ``count`` people with sealed names; returns their plain (id, owner, given,
    family, created) rows for the baseline's copy."""
    rng = random.Random(2026)
    plain: list[tuple[Any, ...]] = []
    ids = new_person_ids(count)
    for start in range(0, count, size):
        chunk = ids[start : start + size]
        made = kluis.vault.new_keys(chunk)
        people, purposes, keys = [], [], []
        for n, (cipher, wrapped) in enumerate(made, start=start):
            given = f"{rng.choice(GIVEN)}{rng.randint(1, 999)}"
            family = f"{rng.choice(FAMILY)}{rng.randint(1, 999)}"
            owner = owners[n % len(owners)]
            created = to_db_time(NOW - timedelta(days=rng.randint(0, 700)))
            sealed = cipher.seal_all({"given_name": given, "family_name": family})
            people.append(
                (
                    cipher.person_id,
                    "customer",
                    "nl",
                    created,
                    created,
                    created,
                    owner,
                    sealed["given_name"],
                    sealed["family_name"],
                )
            )
            purposes.append((cipher.person_id, "customer_service", created))
            keys.append((cipher.person_id, wrapped, created))
            plain.append((cipher.person_id, owner, given, family, created))
        with kluis.vault.engine.begin() as conn:
            insert_rows(conn, "person_keys", KEYS, keys)
        with kluis.engine.begin() as conn:
            insert_rows(conn, "people", PEOPLE, people)
            insert_rows(conn, "person_purposes", PURPOSES, purposes)
    return plain


def plain_store(path: Path, rows: list[tuple[Any, ...]]) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE people (id TEXT PRIMARY KEY, owner_id INTEGER, given_name TEXT, "
        "family_name TEXT, created_at TEXT)"
    )
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    conn.execute("CREATE INDEX ix_owner_name ON people (owner_id, family_name, given_name)")
    conn.execute("ANALYZE")
    return conn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="people in the store")
    parser.add_argument("--owners", type=int, default=20, help="staff users owning them")
    parser.add_argument("--requests", type=int, default=200, help="page requests per run")
    parser.add_argument("--pairs", type=int, default=3, help="baseline/Kluis pairs (at least 3)")
    parser.add_argument("--batch", type=int, default=20_000, help="people per insert")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        settings = Settings(
            data_dir=directory / "store", master_key=SecretStr(new_master_key_text())
        )
        kluis = open_kluis(settings, create=True)
        try:
            load_default_catalogue(kluis.engine, NOW)
            owner_ids = [
                users.create_user(kluis.engine, SYSTEM, f"staff{i}@example.com", "sales", NOW)[0].id
                for i in range(args.owners)
            ]
            started = time.perf_counter()
            rows = populate(kluis, args.rows, owner_ids, args.batch)
            print(f"  {args.rows} people written in {time.perf_counter() - started:.1f} s")
            plain = plain_store(directory / "plain.db", rows)
            actor = Actor(ref=f"user:{owner_ids[0]}", role=Role.SALES, user_id=owner_ids[0])
            rng = random.Random(7)
            asks = [
                (owner_ids[i % len(owner_ids)], PAGE * rng.randint(0, 3))
                for i in range(args.requests)
            ]
            sql = (
                "SELECT id, given_name, family_name FROM people WHERE owner_id = ? "
                "ORDER BY family_name, given_name, id LIMIT ? OFFSET ?"
            )
            base_times: list[float] = []
            our_times: list[float] = []
            collected_times: list[float] = []

            def baseline(_i: int) -> Timing:
                with stopwatch() as run:
                    for owner, offset in asks:
                        start = time.perf_counter()
                        found = plain.execute(sql, (owner, PAGE, offset)).fetchall()
                        base_times.append(time.perf_counter() - start)
                        assert len(found) == PAGE
                return run.timing

            def page(owner: int, offset: int, order: Order) -> listing.Page:
                return listing.list_people(
                    kluis,
                    actor,
                    "customer_service",
                    NOW,
                    listing.ListFilters(owner=OwnerFilter(user_id=owner), order=order),
                    limit=PAGE,
                    offset=offset,
                )

            def ours(_i: int) -> Timing:
                with stopwatch() as run:
                    for owner, offset in asks:
                        start = time.perf_counter()
                        found = page(owner, offset, Order(Sort.NAME))
                        our_times.append(time.perf_counter() - start)
                        assert len(found.items) == PAGE
                return run.timing

            comparison = alternate(args.pairs, baseline, ours)
            for owner, offset in asks[: max(20, args.requests // 4)]:
                start = time.perf_counter()
                page(owner, offset, Order(Sort.COLLECTED))
                collected_times.append(time.perf_counter() - start)
        finally:
            kluis.close()
        share = args.rows // args.owners
        p99 = percentile(our_times, 0.99) * 1000
        base99 = percentile(base_times, 0.99) * 1000
        report(
            Result(
                workload=f"lists ({args.rows} people, ~{share} an owner, sorted by name)",
                goal="measured (p99 of one page of 50)",
                figure=f"p99 {p99:.1f} ms, median {percentile(our_times, 0.5) * 1000:.1f} ms "
                f"(plain-SQL baseline p99 {base99:.2f} ms)",
                ratio=comparison.summary(),
                met=None,
            )
        )
        report(
            Result(
                workload=f"lists ({args.rows} people, ~{share} an owner, by collection)",
                goal="reference (order the store can do)",
                figure=f"p99 {percentile(collected_times, 0.99) * 1000:.1f} ms",
                ratio="-",
                met=None,
            )
        )


if __name__ == "__main__":
    main()
