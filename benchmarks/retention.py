"""Retention benchmark: one sweep over N people on SQLite, of whom 10% are due for erasure.

Populates a Kluis straight through the driver (``kluis.db.insert_rows``), with time-ordered ids
(``kluis.ids``) made before anything is timed: 90% customers held for ``customer_service`` (two
years from the last interaction, which lies within the last 700 days: none due), 10% prospects
held for ``sales_follow_up`` whose last interaction was 500 days ago (one year: all due). Each
person has four personal columns of ciphertext-sized random bytes, an e-mail blind-index row
listed in their ``index_keys`` (as Kluis writes people: erasure reads the list to remove the
row and to put the digest on the suppression list) and a key in the keyring (random bytes of a
wrapped key's size: a sweep decrypts nothing); 30% of the customers have a live e-mail consent.

Then, alternating (``harness.alternate``, A B A B), each run on its own copy of that store:

- A, the baseline: plain sqlite3 that has to find the due people too, by the same predicate in
  SQL (no purpose live at ``now``: the later of collection and last interaction on or after the
  cutoff ``retention.rules.last_ended_anchor`` gives), in keyset pages of ``--page`` ids, each
  page's deletion a transaction: the blind-index rows each person's list names (the index has
  no foreign key since d0017_bulk) and ``DELETE FROM people WHERE id IN (...)``, with the
  PRAGMAs Kluis uses (foreign keys cascading to purposes and permissions; ``secure_delete``).
- B, Kluis: ``retention.service.sweep`` at the same ``now`` (the SQL pre-filter, the rules, the
  due people erased through ``contacts.erasure.erase_people``, the one erasure path: suppression
  list, keys destroyed, erasure register and its file, rows deleted, audit entries, the
  write-ahead logs checkpointed at the end).

Before each pair (unless ``--no-floor``) the storage floor runs on a copy of its own: plain
sqlite3 finding the people as the baseline does and writing exactly what the sweep must write
per erased person (``floor``), so the share of the goal the design allows is measured in the
same run, and where the floor's CPU goes is printed.

All three must leave the same people, and no purpose or blind-index row of an erased person.
The ratio per pair (baseline time / sweep time) is the figure that counts; wall clock and CPU
time side by side.

    python benchmarks/retention.py [--rows 100000] [--batch 50000] [--page 500] [--pairs 3]
                                   [--no-floor]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select

from harness import Comparison, Result, Timing, alternate, report, stopwatch
from kluis.consent.catalogue import load_default_topics
from kluis.consent.rules import add_months
from kluis.contacts import index_keys
from kluis.contacts.tables import PersonIndex, people
from kluis.db import HELD_BACK_PAGES, insert_rows, to_db_time
from kluis.ids import new_person_ids
from kluis.opening import open_kluis
from kluis.purposes.rules import parse_duration
from kluis.purposes.service import list_purposes, load_default_catalogue
from kluis.retention import rules, service
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.vault.keys import new_master_key_text

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
person_index = PersonIndex.__table__
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
    "index_keys",
)
PURPOSES = ("person_id", "purpose_key", "collected_at")
INDEX = ("field", "digest", "person_id")
PERMISSIONS = ("person_id", "channel", "topic", "status", "event_id", "since", "reconfirm_by")
KEYS = ("person_id", "wrapped_key", "created_at")


def populate(kluis: Kluis, count: int, size: int) -> tuple[list[str], float]:
    """Write ``count`` people; returns the ids of the due ones and the seconds spent writing."""
    rng = random.Random(2026)
    ids = iter(new_person_ids(count))
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
            person_id = next(ids)
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
            digest = os.urandom(16)
            rows["people"].append(
                (
                    person_id,
                    relationship,
                    rng.choice(("nl", "en")),
                    to_db_time(collected),
                    to_db_time(last),
                    to_db_time(last),
                    *sealed,
                    index_keys.pack([("email", digest)]),
                )
            )
            rows["person_purposes"].append((person_id, purpose, to_db_time(collected)))
            rows["person_index"].append(("email", digest, person_id))
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


def _text(at: datetime) -> str:
    """A time as the SQLite dialect stores it (naive UTC text), for the plain baseline."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def due_predicate(kluis: Kluis) -> tuple[str, list[str]]:
    """The baseline's SQL for "no purpose live at NOW" and its parameters: for each purpose of
    the catalogue anchored on the last interaction, live while the later of collection and last
    interaction is on or after the day after ``rules.last_ended_anchor`` (what
    ``rules.expiry`` computes, for the two purposes the population holds)."""
    clauses, params = [], []
    for purpose in list_purposes(kluis.engine):
        assert purpose.retention_anchor.value in (
            "last_interaction",
            "end_of_contract",
            "collection",
            "withdrawal",
        )
        if purpose.retention_anchor.value != "last_interaction":
            continue
        last = rules.last_ended_anchor(parse_duration(purpose.retention), NOW.date())
        assert last is not None
        cutoff = _text(datetime.combine(last + timedelta(days=1), datetime.min.time(), UTC))
        clauses.append(
            "(pp.purpose_key = ? AND (pp.collected_at >= ? OR people.last_interaction_at >= ?))"
        )
        params += [purpose.key, cutoff, cutoff]
    sql = (
        "NOT EXISTS (SELECT 1 FROM person_purposes pp WHERE pp.person_id = people.id"
        f" AND ({' OR '.join(clauses)}))"
    )
    return sql, params


def _connect(path: Path, *, autocheckpoint: int = 1000) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "secure_delete=ON"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute(f"PRAGMA wal_autocheckpoint={autocheckpoint:d}")
    return conn


def _find(predicate: tuple[str, list[str]], page: int) -> str:
    return f"SELECT id, index_keys FROM people WHERE id > ? AND {predicate[0]} ORDER BY id LIMIT ?"


_UNINDEX = "DELETE FROM person_index WHERE field = ? AND digest = ? AND person_id = ?"


def _unindex(conn: sqlite3.Connection, found: list[tuple[str, bytes]]) -> list[tuple[Any, ...]]:
    """Delete the blind-index rows each found person's list names (the index has no foreign key
    to ``people``: d0017_bulk); returns them as (field, digest, person)."""
    rows = [(f, d, i) for i, keys in found for f, d in index_keys.unpack(keys)]
    conn.executemany(_UNINDEX, rows)
    return rows


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def baseline(path: Path, predicate: tuple[str, list[str]], page: int) -> tuple[Timing, int]:
    """A plain batched DELETE on ``path`` that finds the due people by ``predicate`` in keyset
    pages and deletes their rows (the cascade takes purposes and permissions; the blind-index
    rows their ``index_keys`` list, as the index has no foreign key): its timing, and how many
    people are left."""
    _, params = predicate
    conn = _connect(path)
    find = _find(predicate, page)
    with stopwatch() as watch:
        after = ""
        while True:
            conn.execute("BEGIN IMMEDIATE")
            found = conn.execute(find, (after, *params, page)).fetchall()
            if found:
                _unindex(conn, found)
                conn.execute(
                    f"DELETE FROM people WHERE id IN ({_marks(len(found))})",
                    [i for i, _ in found],
                )
            conn.execute("COMMIT")
            if len(found) < page:
                break
            after = found[-1][0]
    left = _left(conn)
    conn.close()
    return watch.timing, left


def _left(conn: sqlite3.Connection) -> int:
    """How many people are left; asserts no purpose or blind-index row outlived its person."""
    left = conn.execute("SELECT count(*) FROM people").fetchone()[0]
    for table in ("person_purposes", "person_index"):
        orphans = conn.execute(
            f"SELECT count(*) FROM {table} WHERE person_id NOT IN (SELECT id FROM people)"
        ).fetchone()[0]
        assert orphans == 0, (table, orphans)
    return int(left)


STAGES: dict[str, float] = {}
"""CPU seconds of each part of the floor runs, summed over the pairs (printed as shares)."""


@contextmanager
def _stage(name: str) -> Iterator[None]:
    start = time.process_time()
    try:
        yield
    finally:
        STAGES[name] = STAGES.get(name, 0.0) + time.process_time() - start


def floor(directory: Path, predicate: tuple[str, list[str]], page: int) -> tuple[Timing, int]:
    """What a sweep must write per erased person, in plain sqlite3 on the store in ``directory``,
    found by the baseline's ``predicate``: per page one fsync'ed append of an HMAC'd line per
    erasure and per suppression digest to a register file; in the keyring, the keys deleted and
    the erasure register and suppression list written (one transaction); in the data store the
    blind-index rows and people deleted (cascade), the register copy and one hash-chained
    audit row per person written (``person.erased`` with the rule that ended and the kinds
    suppressed), the chain's head moved (one transaction); both write-ahead logs
    checkpointed at the end, and not before (``kluis.db.checkpoints_held_back``, as the
    sweep). No rules, no decryption, no SQLAlchemy."""
    _, params = predicate
    data, ring = (
        _connect(directory / name, autocheckpoint=HELD_BACK_PAGES)
        for name in ("kluis.db", "keyring.db")
    )
    find = _find(predicate, page)
    key = os.urandom(32)
    at = _text(NOW)
    with stopwatch() as watch:
        after = ""
        fd = os.open(directory / "floor-register.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        while True:
            with _stage("find (the baseline's query)"):
                data.execute("BEGIN IMMEDIATE")
                found = data.execute(find, (after, *params, page)).fetchall()
                data.execute("COMMIT")
            if found:
                _floor_page(data, ring, fd, key, at, found)
            if len(found) < page:
                break
            after = found[-1][0]
        os.close(fd)
        with _stage("checkpoints"):
            for conn in (data, ring):
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    left = _left(data)
    keys = ring.execute("SELECT count(*) FROM person_keys").fetchone()[0]
    assert keys == left, (keys, left)
    data.close()
    ring.close()
    return watch.timing, left


def _floor_page(
    data: sqlite3.Connection,
    ring: sqlite3.Connection,
    fd: int,
    key: bytes,
    at: str,
    found: list[tuple[str, bytes]],
) -> None:
    ids = [i for i, _ in found]
    digests = [(i, d) for i, keys in found for f, d in index_keys.unpack(keys) if f == "email"]
    with _stage("register file (HMAC'd lines, fsync)"):
        lines = [json.dumps({"t": "erased", "id": i, "at": at}) for i in ids]
        lines += [json.dumps({"t": "suppressed", "digest": d.hex(), "at": at}) for _, d in digests]
        os.write(
            fd,
            b"".join(
                hmac.new(key, line.encode(), hashlib.sha256).hexdigest()[:32].encode()
                + b" "
                + line.encode()
                + b"\n"
                for line in lines
            ),
        )
        os.fsync(fd)
    with _stage("keyring (keys, register, suppression)"):
        ring.execute("BEGIN IMMEDIATE")
        ring.execute(f"DELETE FROM person_keys WHERE person_id IN ({_marks(len(ids))})", ids)
        ring.executemany(
            "INSERT OR IGNORE INTO erasure_register (person_id, erased_at, reason)"
            " VALUES (?, ?, ?)",
            [(i, at, "retention") for i in ids],
        )
        ring.executemany(
            "INSERT OR IGNORE INTO suppression_list (digest, kind, reason, added_at)"
            " VALUES (?, 'email', 'erased', ?)",
            [(d, at) for _, d in digests],
        )
        ring.execute("COMMIT")
    with _stage("rows deleted (index rows, people, cascade)"):
        data.execute("BEGIN IMMEDIATE")
        _unindex(data, found)
        data.execute(f"DELETE FROM people WHERE id IN ({_marks(len(ids))})", ids)
    with _stage("register copy in the data store"):
        data.executemany(
            "INSERT OR IGNORE INTO erasure_register (person_id, erased_at, reason)"
            " VALUES (?, ?, ?)",
            [(i, at, "retention") for i in ids],
        )
    with _stage("audit (one chained entry a person)"):
        _floor_audit(data, at, ids, digests)
    with _stage("data store commit"):
        data.execute("COMMIT")


def _floor_audit(
    data: sqlite3.Connection, at: str, ids: list[str], digests: list[tuple[str, bytes]]
) -> None:
    kinds = {i: '["email"]' for i, _ in digests}
    events = [
        (
            "person.erased",
            i,
            '{"expired":["sales_follow_up:P1Y:last_interaction:2025-01-05"],"reason":"retention",'
            f'"suppressed":{kinds.get(i, "[]")}}}',
        )
        for i in ids
    ]
    head = data.execute(
        "UPDATE audit_head SET seq = seq + ? WHERE id = 1 RETURNING seq, hash", (len(events),)
    ).fetchone()
    seq, prev = (0, "0" * 64) if head is None else (head[0] - len(events), head[1])
    rows = []
    for action, person, details in events:
        seq += 1
        digest = hashlib.sha256(
            f'[{seq},"{at}","system","{action}","{person}",null,{details},"{prev}"]'.encode()
        ).hexdigest()
        rows.append((seq, at, "system", action, person, None, details, prev, digest))
        prev = digest
    data.executemany(
        "INSERT INTO audit_log (seq, at, actor, action, person_id, purpose, details, prev_hash,"
        " hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    if head is None:
        data.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)", (seq, prev))
    else:
        data.execute("UPDATE audit_head SET hash = ? WHERE id = 1", (prev,))


def kluis_sweep(settings: Settings, page: int) -> tuple[Timing, int, int]:
    """``retention.service.sweep`` on the store of ``settings``: its timing, how many it erased
    and how many people are left."""
    kluis = open_kluis(settings)
    try:
        with stopwatch() as watch:
            report = service.sweep(kluis, NOW, batch_size=page)
        with kluis.engine.connect() as conn:
            left = conn.scalar(select(func.count()).select_from(people))
            orphans = conn.scalar(
                select(func.count())
                .select_from(person_index)
                .where(person_index.c.person_id.not_in(select(people.c.id)))
            )
        assert orphans == 0, orphans
    finally:
        kluis.close()
    return watch.timing, report.erased, int(left or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="people in the store")
    parser.add_argument("--batch", type=int, default=50_000, help="rows per insert transaction")
    parser.add_argument("--page", type=int, default=service.BATCH, help="people per sweep page")
    parser.add_argument("--pairs", type=int, default=3, help="baseline/Kluis pairs (at least 3)")
    parser.add_argument(
        "--no-floor",
        dest="floor",
        action="store_false",
        help="skip the storage floor run (plain SQL writing what the sweep writes)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        master = SecretStr(new_master_key_text())
        settings = Settings(data_dir=directory / "store", master_key=master)
        kluis = open_kluis(settings, create=True)
        load_default_catalogue(kluis.engine, NOW)
        load_default_topics(kluis, NOW)
        due, write = populate(kluis, args.rows, args.batch)
        predicate = due_predicate(kluis)
        kluis.close()
        n, d = args.rows, len(due)
        erased: list[int] = []
        floors: list[Timing] = []

        def copy(i: int, name: str) -> Path:
            target = directory / f"{name}-{i}"
            shutil.copytree(settings.data_dir, target)
            return target

        def plain(i: int) -> Timing:
            if args.floor:
                timing, left = floor(copy(i, "floor"), predicate, args.page)
                assert left == n - d, (left, n - d)
                floors.append(timing)
            timing, left = baseline(copy(i, "plain") / "kluis.db", predicate, args.page)
            assert left == n - d, (left, n - d)
            return timing

        def ours(i: int) -> Timing:
            copied = Settings(data_dir=copy(i, "kluis"), master_key=master)
            timing, count, left = kluis_sweep(copied, args.page)
            assert (count, left) == (d, n - d), (count, left, d, n - d)
            erased.append(count)
            return timing

        comparison = alternate(args.pairs, plain, ours)

    print(f"retention benchmark: {n} people on SQLite, {d} ({d / n:.1%}) due for erasure")
    print(f"  populated through the driver in {write:.1f} s; load {os.getloadavg()[0]:.2f}")
    for i, (base, mine) in enumerate(comparison.pairs):
        print(
            f"  pair {i + 1}: baseline {base.wall:6.2f} s (CPU {base.cpu:6.2f})"
            f"   sweep {mine.wall:6.2f} s (CPU {mine.cpu:6.2f})"
            f"   ratio {base.wall / mine.wall:.3f}"
        )
    to_floor = of_base = None
    if floors:
        to_floor = Comparison(tuple(zip(floors, (m for _, m in comparison.pairs), strict=True)))
        of_base = Comparison(tuple(zip((b for b, _ in comparison.pairs), floors, strict=True)))
        for i, at in enumerate(floors):
            print(f"  floor {i + 1}: {at.wall:6.2f} s (CPU {at.cpu:6.2f})")
        print(f"  floor / baseline (speed): {of_base.summary()}")
        print(f"  sweep / floor (speed): {to_floor.summary()}")
        spent = sum(STAGES.values())
        print("  the floor's CPU, by part:")
        for name, cpu in sorted(STAGES.items(), key=lambda item: -item[1]):
            print(f"    {cpu / spent:6.1%}  {name}")
    median = comparison.median("kluis")
    report(
        Result(
            workload=f"retention sweep ({n:,} people, {d:,} erased)",
            goal=">= 0.5x plain batched DELETE finding the same people",
            figure=f"sweep {median:.2f} s median ({d / median:,.0f} erased/s,"
            f" {n / median:,.0f} people/s seen)",
            ratio=comparison.summary(),
            met=comparison.ratio_median >= 0.5,
        )
    )
    if of_base is not None and to_floor is not None:
        floor_median = of_base.median("kluis")
        report(
            Result(
                workload=f"retention floor ({n:,} people, {d:,} erased) / the baseline",
                goal="- (the share of the goal the design's writes leave)",
                figure=f"floor {floor_median:.2f} s median",
                ratio=of_base.summary(),
                met=None,
            )
        )
        report(
            Result(
                workload=f"retention sweep ({n:,} people) / its floor",
                goal="- (>= 0.5 / the floor's ratio would meet the goal)",
                figure=f"sweep {median:.2f} s median",
                ratio=to_floor.summary(),
                met=None,
            )
        )


if __name__ == "__main__":
    main()
