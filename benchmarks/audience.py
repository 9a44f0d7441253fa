"""Audience benchmark: count and stream the audience of one topic among N people on SQLite.

Populates a fresh Kluis straight through the driver (``kluis.db.insert_rows``) with a realistic
mix: 40% customers, 45% prospects, 15% other; about 35% granted e-mail for the newsletter, of
whom about 5% withdrew later and about 8% are past their re-confirm-by date (half of those
already marked expired by a sweep); other channels and topics for some, so the permissions table
holds more than the one topic asked about; about 1% objected to direct marketing and 0.2%
restricted; about 90% of those who granted were collected for the marketing purpose and 70% of
customers for the soft opt-in's (told at the sale); 95% have an e-mail address. Personal columns
stay empty but for a placeholder in the e-mail column (the audience reads only whether it is
set) and no ledger events are written (the audience reads the kept state only).

Then times, at a fixed ``now``: ``service.audience_count`` (the indexed count),
``service.audience_counts`` (the count per reason) and streaming the whole audience through
``service.audience``. The baseline, measured in the same run: a plain sqlite3 table with one row
per person and the columns the rule needs (relationship, status, re-confirm-by date, objected,
restricted, the two grounding purposes held, an address) and an index, counted with a plain
``SELECT count(*) ... WHERE``, grouped with a
plain ``CASE ... GROUP BY``, and streamed with the same keyset paging. The results must agree
exactly. Machines here are noisy; the ratios are the figures that count.

    python benchmarks/audience.py [--people 1000000] [--batch 50000] [--page 1000]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from pydantic import SecretStr

from kluis.consent import decisions
from kluis.consent.catalogue import load_default_topics
from kluis.consent.rules import add_months
from kluis.db import insert_rows, to_db_time
from kluis.opening import open_kluis
from kluis.purposes.service import load_default_catalogue
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.vault.keys import new_master_key_text

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
CHANNEL, TOPIC = "email", "newsletter"
PEOPLE = (
    "id",
    "relationship",
    "language",
    "created_at",
    "updated_at",
    "last_interaction_at",
    "email",
)
PURPOSES = ("person_id", "purpose_key", "collected_at")
CONSENT_PURPOSE, SOFT_PURPOSE = "email_marketing", "existing_customer_marketing"
PERMISSIONS = ("person_id", "channel", "topic", "status", "event_id", "since", "reconfirm_by")
FLAGS = ("person_id", "objected", "restricted")
T = TypeVar("T")


@dataclass
class Person:
    """What the rule needs of one person for (CHANNEL, TOPIC), as the baseline stores it."""

    id: str
    relationship: str
    status: str | None = None
    reconfirm_by: datetime | None = None
    objected: bool = False
    restricted: bool = False
    held_consent: bool = False
    held_soft: bool = False
    email: bool = True


@dataclass
class Batch:
    people: list[tuple[Any, ...]] = field(default_factory=list)
    permissions: list[tuple[Any, ...]] = field(default_factory=list)
    flags: list[tuple[Any, ...]] = field(default_factory=list)
    purposes: list[tuple[Any, ...]] = field(default_factory=list)
    plain: list[Person] = field(default_factory=list)


class Population:
    """A reproducible population, generated in batches."""

    def __init__(self, seed: int = 2026) -> None:
        self.rng = random.Random(seed)
        self.event_id = 0

    def _grant(self, person_id: str, channel: str, topic: str, batch: Batch) -> Person:
        """A grant for (channel, topic): live, withdrawn later, or past its re-confirm-by date
        (half of those already marked expired). Returns what the baseline keeps of it."""
        rng = self.rng
        self.event_id += 1
        roll = rng.random()
        if roll < 0.05:
            since = NOW - timedelta(days=rng.randint(1, 700), minutes=rng.randint(0, 1439))
            status, reconfirm_by = "withdrawn", None
        elif roll < 0.13:
            since = NOW - timedelta(days=rng.randint(731, 1500), minutes=rng.randint(0, 1439))
            status, reconfirm_by = rng.choice(("granted", "expired")), add_months(since, 24)
        else:
            since = NOW - timedelta(days=rng.randint(0, 720), minutes=rng.randint(0, 1439))
            status, reconfirm_by = "granted", add_months(since, 24)
        batch.permissions.append(
            (
                person_id,
                channel,
                topic,
                status,
                self.event_id,
                to_db_time(since),
                None if reconfirm_by is None else to_db_time(reconfirm_by),
            )
        )
        return Person(person_id, "", status, reconfirm_by)

    def batch(self, count: int) -> Batch:
        rng, batch, at = self.rng, Batch(), to_db_time(NOW)
        for _ in range(count):
            person_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            roll = rng.random()
            relationship = "customer" if roll < 0.40 else "prospect" if roll < 0.85 else "other"
            email = rng.random() < 0.95
            language = rng.choice(("nl", "en"))
            batch.people.append(
                (person_id, relationship, language, at, at, at, b"\0" if email else None)
            )
            plain = Person(person_id, relationship, email=email)
            purposes = ["customer_service"]
            if rng.random() < 0.35:
                granted = self._grant(person_id, CHANNEL, TOPIC, batch)
                plain.status, plain.reconfirm_by = granted.status, granted.reconfirm_by
                plain.held_consent = rng.random() < 0.90
            plain.held_soft = relationship == "customer" and rng.random() < 0.70
            purposes += [CONSENT_PURPOSE] if plain.held_consent else []
            purposes += [SOFT_PURPOSE] if plain.held_soft else []
            batch.purposes.extend((person_id, key, at) for key in purposes)
            for channel, topic, share in (("email", "offers", 0.20), ("sms", "newsletter", 0.08)):
                if rng.random() < share:
                    self._grant(person_id, channel, topic, batch)
            plain.objected = rng.random() < 0.01
            plain.restricted = rng.random() < 0.002
            if plain.objected or plain.restricted or rng.random() < 0.005:
                batch.flags.append((person_id, plain.objected, plain.restricted))
            batch.plain.append(plain)
        return batch


def best(runs: int, measure: Callable[[], T]) -> tuple[float, T]:
    """The median time of ``runs`` runs, and the (same every time) result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = measure()
        times.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(times), result


# Baseline ---------------------------------------------------------------------------------------

LIVE = "(status = 'granted' AND (reconfirm_by IS NULL OR reconfirm_by > :now))"
CONSENTED = f"({LIVE} AND held_consent)"
SOFT = "(relationship = 'customer' AND held_soft)"
BASE_REASON = f"""CASE
    WHEN restricted THEN 'restricted'
    WHEN objected THEN 'objected'
    WHEN status = 'withdrawn' THEN 'withdrawn'
    WHEN ({CONSENTED} OR {SOFT}) AND NOT email THEN 'no_address'
    WHEN {CONSENTED} THEN 'consent'
    WHEN {SOFT} THEN 'soft_opt_in'
    WHEN {LIVE} OR relationship = 'customer' THEN 'not_collected'
    WHEN status IS NOT NULL THEN 'expired'
    ELSE 'no_consent' END"""
BASE_ALLOWED = f"""NOT objected AND NOT restricted AND email
    AND (status IS NULL OR status <> 'withdrawn') AND ({CONSENTED} OR {SOFT})"""


class Baseline:
    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute(
            "CREATE TABLE audience (person_id TEXT PRIMARY KEY, relationship TEXT NOT NULL,"
            " status TEXT, reconfirm_by TEXT, objected INTEGER NOT NULL,"
            " restricted INTEGER NOT NULL, held_consent INTEGER NOT NULL,"
            " held_soft INTEGER NOT NULL, email INTEGER NOT NULL)"
        )
        self.conn.execute(
            "CREATE INDEX ix_audience ON audience (status, reconfirm_by, relationship,"
            " objected, restricted, held_consent, held_soft, email)"
        )

    def add(self, rows: list[Person]) -> None:
        with self.conn:
            self.conn.executemany(
                "INSERT INTO audience VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        p.id,
                        p.relationship,
                        p.status,
                        None if p.reconfirm_by is None else stamp(p.reconfirm_by),
                        p.objected,
                        p.restricted,
                        p.held_consent,
                        p.held_soft,
                        p.email,
                    )
                    for p in rows
                ],
            )

    def count(self) -> int:
        sql = f"SELECT count(*) FROM audience WHERE {BASE_ALLOWED}"
        return int(self.conn.execute(sql, {"now": stamp(NOW)}).fetchone()[0])

    def counts(self) -> dict[str, int]:
        sql = f"SELECT {BASE_REASON} AS reason, count(*) FROM audience GROUP BY reason"
        return {r: int(n) for r, n in self.conn.execute(sql, {"now": stamp(NOW)})}

    def stream(self, page: int) -> int:
        sql = (
            f"SELECT person_id, {BASE_REASON} FROM audience"
            f" WHERE person_id > :after AND {BASE_ALLOWED} ORDER BY person_id LIMIT :page"
        )
        total, after = 0, ""
        while True:
            rows = self.conn.execute(sql, {"now": stamp(NOW), "after": after, "page": page})
            ids = [person_id for person_id, _ in rows]
            if not ids:
                return total
            total += len(ids)
            after = ids[-1]


def stamp(at: datetime) -> str:
    """A time as Kluis stores it on SQLite."""
    return to_db_time(at).strftime("%Y-%m-%d %H:%M:%S.%f")


# Kluis ------------------------------------------------------------------------------------------


def populate(kluis: Kluis, baseline: Baseline, count: int, size: int) -> tuple[float, float]:
    """Seconds spent writing Kluis and the baseline (generation not counted)."""
    population, written, kluis_time, base_time = Population(), 0, 0.0, 0.0
    while written < count:
        batch = population.batch(min(size, count - written))
        start = time.perf_counter()
        with kluis.engine.begin() as conn:
            insert_rows(conn, "people", PEOPLE, batch.people)
            insert_rows(conn, "permissions", PERMISSIONS, batch.permissions)
            insert_rows(conn, "person_flags", FLAGS, batch.flags)
            insert_rows(conn, "person_purposes", PURPOSES, batch.purposes)
        kluis_time += time.perf_counter() - start
        start = time.perf_counter()
        baseline.add(batch.plain)
        base_time += time.perf_counter() - start
        written += len(batch.people)
    return kluis_time, base_time


def stream(kluis: Kluis, page: int) -> int:
    return sum(len(rows) for rows in decisions.audience(kluis, CHANNEL, TOPIC, NOW, batch=page))


def ratio(base: float, measured: float) -> str:
    return f"ratio {base / measured:.3f} (1/{measured / base:.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=50_000, help="rows per insert transaction")
    parser.add_argument("--page", type=int, default=1000, help="people per streamed page")
    parser.add_argument("--runs", type=int, default=5, help="runs per count (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        settings = Settings(
            data_dir=directory / "kluis", master_key=SecretStr(new_master_key_text())
        )
        kluis = open_kluis(settings, create=True)
        load_default_catalogue(kluis.engine, NOW)
        load_default_topics(kluis, NOW)
        baseline = Baseline(directory / "plain.db")
        write, base_write = populate(kluis, baseline, args.people, args.batch)

        base_count_time, base_count = best(args.runs, baseline.count)
        count_time, count = best(
            args.runs, lambda: decisions.audience_count(kluis, CHANNEL, TOPIC, NOW)
        )
        base_counts_time, base_counts = best(args.runs, baseline.counts)
        counts_time, counts = best(
            args.runs, lambda: decisions.audience_counts(kluis, CHANNEL, TOPIC, NOW)
        )
        base_stream_time, base_streamed = best(1, lambda: baseline.stream(args.page))
        stream_time, streamed = best(1, lambda: stream(kluis, args.page))
        kluis.close()
        baseline.conn.close()

    base_allowed = base_counts.pop("consent", 0) + base_counts.pop("soft_opt_in", 0)
    assert count == base_count == counts.allowed == base_allowed == streamed == base_streamed, (
        count,
        base_count,
        counts.allowed,
        base_allowed,
        streamed,
        base_streamed,
    )
    assert counts.refused == base_counts, (counts.refused, base_counts)

    n = args.people
    print(
        f"audience benchmark: {n} people on SQLite, audience of {CHANNEL}/{TOPIC} at {NOW:%Y-%m-%d}"
    )
    print(
        f"  audience {count} ({count / n:.1%}); refused: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.refused.items()))
    )
    print(f"  populated through the driver in {write:.1f} s (baseline table {base_write:.1f} s)")
    print(f"  baseline plain SELECT count(*) WHERE:     {base_count_time * 1000:9.1f} ms")
    print(
        f"  kluis audience_count (indexed count):     {count_time * 1000:9.1f} ms"
        f"  {ratio(base_count_time, count_time)}"
    )
    print(f"  baseline plain CASE ... GROUP BY:         {base_counts_time * 1000:9.1f} ms")
    print(
        f"  kluis audience_counts (per reason):       {counts_time * 1000:9.1f} ms"
        f"  {ratio(base_counts_time, counts_time)}"
    )
    print(
        f"  baseline keyset stream, pages of {args.page}:  {base_stream_time:9.2f} s"
        f"  ({base_streamed / base_stream_time:.0f} people/s)"
    )
    print(
        f"  kluis audience stream, pages of {args.page}:   {stream_time:9.2f} s"
        f"  ({streamed / stream_time:.0f} people/s)  {ratio(base_stream_time, stream_time)}"
    )


if __name__ == "__main__":
    main()
