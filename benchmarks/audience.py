"""Audience benchmark: count the audience of one topic among N people on SQLite, per reason too,
and stream it (issue 17: the count under 100 ms at 1M people).

Populates a fresh Kluis once, straight through the driver (``kluis.db.insert_rows``), with a
realistic mix: 40% customers, 45% prospects, 15% other; about 35% granted e-mail for the
newsletter, of whom about 5% withdrew later and about 8% are past their re-confirm-by date (half
of those already marked expired by a sweep); other channels and topics for some, so the
permissions table holds more than the one topic asked about; about 1% objected to direct
marketing and 0.2% restricted; about 90% of those who granted were collected for the marketing
purpose and 70% of customers for the soft opt-in's (told at the sale); 95% have an e-mail
address. Keys are time-ordered (``kluis.ids``), as Kluis makes them. Personal columns stay empty
but for a placeholder in the e-mail column, and no ledger events are written (the audience
reads the kept state only). The rows Kluis keeps for audiences (``audience_people``, the facts
on each ``permissions`` row) are written as Kluis's own hooks would write them; a sample of
people is checked against ``audience_index.facts_from_rows`` before anything is timed.

The baseline, in the same run: a plain sqlite3 table with one row per person and the columns the
rule needs (relationship, status, re-confirm-by date, objected, restricted, the two grounding
purposes held, an address), with one covering index. Its count and its count per reason use the
same plan, one walk of that index in index order (its per-reason query groups by the index's
columns and names the reasons over the few groups, no sort), the plan Kluis's counts use on its
own two indexes; both sets of plans are printed. Baseline and Kluis run alternately (A B A B,
``harness.alternate``) and every result must agree exactly. Kluis's count reads its kept counts
(``consent.audience_counts``, kept by triggers as the population is written); it also runs
against the walk of the audience indexes it replaced (``walked_cells``), and the kept counts are
checked against a recount and that walk before anything is timed. Machines here are noisy; the
ratios per pair are the figures that count.

    python benchmarks/audience.py [--people 1000000] [--batch 50000] [--page 1000] [--pairs 5]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from harness import Result, Timing, alternate, report, stopwatch
from kluis.consent import audience_counts, decisions
from kluis.consent.audience_index import encode, facts_from_rows, kept_facts, purpose_text
from kluis.consent.audience_repository import (
    audience_cells,
    cell_decision,
    kept_counts_query,
    people_counts_query,
    walked_cells,
)
from kluis.consent.catalogue import load_default_topics
from kluis.consent.rules import DEFAULT_GROUNDS, add_months
from kluis.consent.tables import FACT_COLUMNS
from kluis.db import insert_rows, to_db_time
from kluis.ids import new_person_ids
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
CONSENT_PURPOSE, SOFT_PURPOSE = DEFAULT_GROUNDS.consent, DEFAULT_GROUNDS.soft_opt_in
PERMISSIONS = (
    "person_id",
    "channel",
    "topic",
    "status",
    "event_id",
    "since",
    "reconfirm_by",
    *FACT_COLUMNS,
)
AUDIENCE_PEOPLE = ("person_id", *FACT_COLUMNS)
FLAGS = ("person_id", "objected", "restricted")
GOAL_MS = 100.0


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
    audience: list[tuple[Any, ...]] = field(default_factory=list)
    plain: list[Person] = field(default_factory=list)


class Population:
    """A reproducible population, generated in batches."""

    def __init__(self, seed: int = 2026) -> None:
        self.rng = random.Random(seed)
        self.event_id = 0

    def _grant(self, person_id: str, channel: str, topic: str) -> tuple[Any, ...]:
        """A grant for (channel, topic): live, withdrawn later, or past its re-confirm-by date
        (half of those already marked expired), as a permissions row without its facts."""
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
        return (person_id, channel, topic, status, self.event_id, since, reconfirm_by)

    def batch(self, count: int) -> Batch:
        rng, batch, at = self.rng, Batch(), to_db_time(NOW)
        for person_id in new_person_ids(count):
            roll = rng.random()
            relationship = "customer" if roll < 0.40 else "prospect" if roll < 0.85 else "other"
            email = rng.random() < 0.95
            language = rng.choice(("nl", "en"))
            batch.people.append(
                (person_id, relationship, language, at, at, at, b"\0" if email else None)
            )
            plain = Person(person_id, relationship, email=email)
            grants = []
            if rng.random() < 0.35:
                grants.append(self._grant(person_id, CHANNEL, TOPIC))
                plain.status, plain.reconfirm_by = grants[0][3], grants[0][6]
                plain.held_consent = rng.random() < 0.90
            plain.held_soft = relationship == "customer" and rng.random() < 0.70
            purposes = ["customer_service"]
            purposes += [CONSENT_PURPOSE] if plain.held_consent else []
            purposes += [SOFT_PURPOSE] if plain.held_soft else []
            batch.purposes.extend((person_id, key, at) for key in purposes)
            for channel, topic, share in (("email", "offers", 0.20), ("sms", "newsletter", 0.08)):
                if rng.random() < share:
                    grants.append(self._grant(person_id, channel, topic))
            plain.objected = rng.random() < 0.01
            plain.restricted = rng.random() < 0.002
            if plain.objected or plain.restricted or rng.random() < 0.005:
                batch.flags.append((person_id, plain.objected, plain.restricted))
            # what contacts.hooks has Kluis keep for audiences (consent.audience_index)
            facts = encode(
                (
                    relationship == "customer",
                    plain.restricted,
                    plain.objected,
                    purpose_text(purposes),
                    email,
                    False,
                    False,
                )
            )
            batch.audience.append((person_id, *facts))
            for person, channel, topic, status, event_id, since, reconfirm_by in grants:
                batch.permissions.append(
                    (
                        person,
                        channel,
                        topic,
                        status,
                        event_id,
                        to_db_time(since),
                        None if reconfirm_by is None else to_db_time(reconfirm_by),
                        *facts,
                    )
                )
            batch.plain.append(plain)
        return batch


# Baseline ---------------------------------------------------------------------------------------

LIVE = "(status = 'granted' AND (reconfirm_by IS NULL OR reconfirm_by > :now))"
CONSENTED = f"({LIVE} AND held_consent)"
SOFT = "(relationship = 'customer' AND held_soft)"
BASE_ALLOWED = f"""NOT objected AND NOT restricted AND email
    AND (status IS NULL OR status <> 'withdrawn') AND ({CONSENTED} OR {SOFT})"""
GROUPED = (
    "status",
    "relationship",
    "objected",
    "restricted",
    "held_consent",
    "held_soft",
    "email",
)
"""The baseline index's columns before ``reconfirm_by``: its per-reason query groups by these in
index order and counts the lapsed in each group, as Kluis's query does on its own index."""
GROUPED_LIVE = "(status = 'granted' AND live)"
GROUPED_CONSENTED = f"({GROUPED_LIVE} AND held_consent)"
GROUPED_REASON = f"""CASE
    WHEN restricted THEN 'restricted'
    WHEN objected THEN 'objected'
    WHEN status = 'withdrawn' THEN 'withdrawn'
    WHEN ({GROUPED_CONSENTED} OR {SOFT}) AND NOT email THEN 'no_address'
    WHEN {GROUPED_CONSENTED} THEN 'consent'
    WHEN {SOFT} THEN 'soft_opt_in'
    WHEN {GROUPED_LIVE} OR relationship = 'customer' THEN 'not_collected'
    WHEN status IS NOT NULL THEN 'expired'
    ELSE 'no_consent' END"""
_COLUMNS = ", ".join(GROUPED)
BASE_COUNTS = f"""SELECT {GROUPED_REASON} AS reason, sum(n) FROM (
    SELECT {_COLUMNS}, 1 AS live, count(*) - total(reconfirm_by <= :now) AS n
        FROM audience GROUP BY {_COLUMNS}
    UNION ALL
    SELECT {_COLUMNS}, 0 AS live, total(reconfirm_by <= :now) AS n
        FROM audience GROUP BY {_COLUMNS}
) GROUP BY reason"""
"""Per reason in two grouped walks of the covering index (live and lapsed grants apart), the
reasons named over the groups."""
BASE_COUNT = f"SELECT count(*) FROM audience WHERE {BASE_ALLOWED}"


class Baseline:
    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute(
            "CREATE TABLE audience (person_id TEXT PRIMARY KEY, relationship TEXT NOT NULL,"
            " status TEXT, reconfirm_by TEXT, objected INTEGER NOT NULL,"
            " restricted INTEGER NOT NULL, held_consent INTEGER NOT NULL,"
            " held_soft INTEGER NOT NULL, email INTEGER NOT NULL) WITHOUT ROWID"
        )
        self.conn.execute(f"CREATE INDEX ix_audience ON audience ({_COLUMNS}, reconfirm_by)")

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
        return int(self.conn.execute(BASE_COUNT, {"now": stamp(NOW)}).fetchone()[0])

    def counts(self) -> dict[str, int]:
        rows = self.conn.execute(BASE_COUNTS, {"now": stamp(NOW)})
        return {r: int(n) for r, n in rows if n}

    def plans(self) -> dict[str, list[str]]:
        return {
            name: [row[3] for row in self.conn.execute(f"EXPLAIN QUERY PLAN {sql}", {"now": ""})]
            for name, sql in (("count", BASE_COUNT), ("per reason", BASE_COUNTS))
        }

    def stream(self, page: int) -> int:
        sql = (
            "SELECT person_id FROM audience"
            f" WHERE person_id > :after AND {BASE_ALLOWED} ORDER BY person_id LIMIT :page"
        )
        total, after = 0, ""
        while True:
            rows = self.conn.execute(sql, {"now": stamp(NOW), "after": after, "page": page})
            ids = [person_id for (person_id,) in rows]
            if not ids:
                return total
            total += len(ids)
            after = ids[-1]


def stamp(at: datetime) -> str:
    """A time as Kluis stores it on SQLite."""
    return to_db_time(at).strftime("%Y-%m-%d %H:%M:%S.%f")


# Kluis ------------------------------------------------------------------------------------------


def populate(kluis: Kluis, baseline: Baseline, count: int, size: int) -> list[str]:
    """Write the population to Kluis and the baseline; returns a sample of ids to check."""
    population, written, sample = Population(), 0, []
    while written < count:
        batch = population.batch(min(size, count - written))
        with kluis.engine.begin() as conn:
            insert_rows(conn, "people", PEOPLE, batch.people)
            insert_rows(conn, "permissions", PERMISSIONS, batch.permissions)
            insert_rows(conn, "person_flags", FLAGS, batch.flags)
            insert_rows(conn, "person_purposes", PURPOSES, batch.purposes)
            insert_rows(conn, "audience_people", AUDIENCE_PEOPLE, batch.audience)
        baseline.add(batch.plain)
        written += len(batch.people)
        sample += [row[0] for row in batch.people[:: max(1, count // 2000)]]
    return sample


def check_copies(kluis: Kluis, sample: list[str]) -> None:
    """The rows written for audiences say what contacts' rows say (as the hooks keep them)."""
    with kluis.engine.connect() as conn:
        truth, kept = facts_from_rows(conn, sample), kept_facts(conn, sample)
    for person_id, facts in truth.items():
        assert all(copy == facts for copy in kept[person_id]), person_id


def kluis_plans(kluis: Kluis) -> dict[str, list[str]]:
    queries = {"kept counts": kept_counts_query(CHANNEL, TOPIC), "people": people_counts_query()}
    plans = {}
    with kluis.engine.connect() as conn:
        for name, query in queries.items():
            sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
            plans[name] = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]
        rows = conn.execute(kept_counts_query(CHANNEL, TOPIC)).all()
    month = audience_counts.month_of(NOW)
    plans["kept counts"].append(
        f"{len(rows)} rows, {sum(1 for row in rows if row.lapse == month)} of {month}"
    )
    return plans


def walked_count(kluis: Kluis) -> int:
    """The count as it was before the kept counts: the walk of both audience indexes."""
    with kluis.engine.connect() as conn:
        cells = walked_cells(conn, CHANNEL, TOPIC, NOW, DEFAULT_GROUNDS)
    return sum(
        n
        for cell, n in cells.items()
        if cell_decision(cell, CHANNEL, NOW, True, DEFAULT_GROUNDS).allowed
    )


def check_kept(kluis: Kluis) -> None:
    """The kept counts say what a walk of the indexes and a recount say."""
    with kluis.engine.connect() as conn:
        assert audience_counts.kept(conn) == audience_counts.recounted(conn)
        kept = audience_cells(conn, CHANNEL, TOPIC, NOW, DEFAULT_GROUNDS)
        assert kept == walked_cells(conn, CHANNEL, TOPIC, NOW, DEFAULT_GROUNDS)


def stream(kluis: Kluis, page: int) -> int:
    return sum(len(rows) for rows in decisions.audience(kluis, CHANNEL, TOPIC, NOW, batch=page))


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes): these machines are shared."""
    return " ".join(Path("/proc/loadavg").read_text(encoding="utf-8").split()[:3])


def timed(work: Callable[[], Any], results: list[Any]) -> Callable[[int], Timing]:
    def run(_: int) -> Timing:
        with stopwatch() as watch:
            results.append(work())
        return watch.timing

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=50_000, help="rows per insert transaction")
    parser.add_argument("--page", type=int, default=1000, help="people per streamed page")
    parser.add_argument("--pairs", type=int, default=5, help="A/B pairs per count")
    args = parser.parse_args()
    n = args.people
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        settings = Settings(
            data_dir=directory / "kluis", master_key=SecretStr(new_master_key_text())
        )
        kluis = open_kluis(settings, create=True)
        load_default_catalogue(kluis.engine, NOW)
        load_default_topics(kluis, NOW)
        baseline = Baseline(directory / "plain.db")
        with stopwatch() as setup:
            check_copies(kluis, populate(kluis, baseline, n, args.batch))
        check_kept(kluis)
        print(f"audience benchmark: {n} people on SQLite, {CHANNEL}/{TOPIC} at {NOW:%Y-%m-%d}")
        print(f"  populated in {setup.timing.wall:.1f} s; load {load()}")
        for name, plan in kluis_plans(kluis).items():
            print(f"  plan, kluis {name}: {' / '.join(plan)}")
        for name, plan in baseline.plans().items():
            print(f"  plan, baseline {name}: {' / '.join(plan)}")

        base_count: list[int] = []
        count: list[int] = []
        count_pairs = alternate(
            args.pairs,
            timed(baseline.count, base_count),
            timed(lambda: decisions.audience_count(kluis, CHANNEL, TOPIC, NOW), count),
        )
        walked: list[int] = []
        kept: list[int] = []
        walk_pairs = alternate(
            args.pairs,
            timed(lambda: walked_count(kluis), walked),
            timed(lambda: decisions.audience_count(kluis, CHANNEL, TOPIC, NOW), kept),
        )
        base_counts: list[dict[str, int]] = []
        counts: list[decisions.AudienceCounts] = []
        counts_pairs = alternate(
            args.pairs,
            timed(baseline.counts, base_counts),
            timed(lambda: decisions.audience_counts(kluis, CHANNEL, TOPIC, NOW), counts),
        )
        base_streamed: list[int] = []
        streamed: list[int] = []
        stream_pairs = alternate(
            3,
            timed(lambda: baseline.stream(args.page), base_streamed),
            timed(lambda: stream(kluis, args.page), streamed),
        )
        kluis.close()
        baseline.conn.close()

    reasons = dict(base_counts[0])
    base_allowed = reasons.pop("consent", 0) + reasons.pop("soft_opt_in", 0)
    assert len(set(count) | set(base_count) | set(walked) | set(kept)) == 1, (count, base_count)
    assert all(c.allowed == base_allowed and c.refused == reasons for c in counts), (
        counts[0],
        base_counts[0],
    )
    assert set(streamed) == set(base_streamed) == {count[0]}, (streamed, base_streamed)
    assert all(b == base_counts[0] for b in base_counts)

    print(f"  load after the timed runs {load()}")
    print(
        f"  audience {count[0]} ({count[0] / n:.1%}); refused: "
        + ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()))
    )
    print(
        f"  count, kept against the walk of the indexes (before): walk"
        f" {walk_pairs.median('baseline') * 1000:.1f} ms, kept"
        f" {walk_pairs.median('kluis') * 1000:.1f} ms; {walk_pairs.summary()}"
    )
    for name, pairs, goal in (
        ("count", count_pairs, True),
        ("count per reason", counts_pairs, True),
        (f"stream, pages of {args.page}", stream_pairs, False),
    ):
        ms = pairs.median("kluis") * 1000
        print(
            f"  {name}: kluis {ms:.1f} ms, baseline {pairs.median('baseline') * 1000:.1f} ms;"
            f" {pairs.summary()}"
        )
        report(
            Result(
                workload=f"audience {name}, one topic, {n:,} people",
                goal=f"< {GOAL_MS:.0f} ms" if goal else "-",
                figure=f"{ms:.1f} ms (median of {len(pairs.pairs)})",
                ratio=f"{pairs.summary()} vs one plain covering index",
                met=(ms < GOAL_MS) if goal else None,
            )
        )


if __name__ == "__main__":
    main()
