"""Activities benchmark: N people with 10 activities each on SQLite; the person page's
timeline of 200 events, and "no activity for 90 days" over everyone.

Populates a Kluis straight through the driver (``kluis.db.insert_rows``) in batches, with
time-ordered ids (``kluis.ids``) made before anything is timed: each person held for
``customer_service`` with a key in the keyring (random bytes of a wrapped key's size: nothing of
theirs is opened), ten activities spread over three years (subject and body of
ciphertext-sized random bytes) and their ``activity_latest`` row. One more person is made
through the service (a real key) with 200 activities sealed with it: the timeline's person.

Then, alternating (``harness.alternate``, A B A B):

- timeline, A (baseline): plain sqlite3 reads the person's 200 newest activities under the
  purpose by the same index, opens subject and body with the same cipher (its key fetched
  outside the timed part) and renders the same template; B (Kluis): every registered timeline
  source (activities, consent, messages, requests: each checks the purpose, reads and audits,
  all in one transaction under one reach check) merged by ``contacts.timeline.merged`` and
  the template ``staff/_activities_timeline.html`` rendered. ``--renders`` renders per run;
  p99 over all of Kluis's.
- quiet, A: the same count in plain sqlite3 (everyone minus those whose latest activity is
  recent, from ``activity_latest``'s index); B: ``activities.reads.count_quiet``.
  ``--naive`` also times once the count straight from the activities table (NOT EXISTS), the
  query ``activity_latest`` saves.

    python benchmarks/activities.py [--people 1000000] [--batch 20000] [--pairs 3]
"""

# ruff: noqa: E402
from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

import argparse
import os
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr

from harness import Result, Timing, alternate, percentile, report, stopwatch
from kluis.activities import reads
from kluis.actors import SYSTEM, Role
from kluis.auth.sessions import Session
from kluis.consent.catalogue import load_default_topics
from kluis.contacts import collect, timeline
from kluis.contacts import people as contacts
from kluis.db import insert_rows, to_db_time
from kluis.ids import new_person_ids
from kluis.opening import open_kluis
from kluis.purposes import repository as purposes_repo
from kluis.purposes.service import load_default_catalogue
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.slices import SLICES, load
from kluis.ui import staff
from kluis.vault.keys import new_master_key_text

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
PER_PERSON = 10
TIMELINE = 200
TYPES = ("call", "meeting", "email_in", "email_out", "note", "visit")
PEOPLE = ("id", "relationship", "language", "created_at", "updated_at", "last_interaction_at")
PURPOSES = ("person_id", "purpose_key", "collected_at")
KEYS = ("person_id", "wrapped_key", "created_at")
ACTIVITIES = (
    "id",
    "person_id",
    "purpose_key",
    "type",
    "occurred_at",
    "duration_minutes",
    "scheduled",
    "author",
    "author_role",
    "subject",
    "body",
    "created_at",
    "updated_at",
)
LATEST = ("person_id", "occurred_at")
SESSION = Session("bench", 1, "admin@example.com", Role.ADMIN, "c", "customer_service", "nl",
                  False, False)  # fmt: skip


def populate(kluis: Kluis, count: int, size: int) -> float:
    """Write ``count`` people with ten activities each; returns the seconds spent writing."""
    rng = random.Random(2026)
    ids = iter(new_person_ids(count))
    written, spent = 0, 0.0
    while written < count:
        n = min(size, count - written)
        person_ids = [next(ids) for _ in range(n)]
        activity_ids = iter(new_person_ids(n * PER_PERSON))
        people, purposes, keys, activities, latest = [], [], [], [], []
        for person_id in person_ids:
            collected = to_db_time(NOW - timedelta(days=1200))
            moments = sorted(
                NOW - timedelta(days=rng.randint(0, 1095), minutes=rng.randint(0, 1440))
                for _ in range(PER_PERSON)
            )
            last = to_db_time(moments[-1])
            people.append((person_id, "customer", "nl", collected, last, last))
            purposes.append((person_id, "customer_service", collected))
            keys.append((person_id, os.urandom(40), collected))
            for at in moments:
                when = to_db_time(at)
                activities.append(
                    (
                        next(activity_ids),
                        person_id,
                        "customer_service",
                        rng.choice(TYPES),
                        when,
                        rng.randint(1, 60),
                        False,
                        "user:5",
                        "service",
                        os.urandom(60),
                        os.urandom(120),
                        when,
                        when,
                    )
                )
            latest.append((person_id, last))
        start = time.perf_counter()
        with kluis.engine.begin() as conn:
            insert_rows(conn, "people", PEOPLE, people)
            insert_rows(conn, "person_purposes", PURPOSES, purposes)
            insert_rows(conn, "activities", ACTIVITIES, activities)
            insert_rows(conn, "activity_latest", LATEST, latest)
        with kluis.vault.engine.begin() as conn:
            insert_rows(conn, "person_keys", KEYS, keys)
        spent += time.perf_counter() - start
        written += n
    return spent


def timeline_person(kluis: Kluis) -> str:
    """A person made through the service, with 200 activities sealed with their own key."""
    person_id = collect.create_person(
        kluis,
        SYSTEM,
        contacts.NewPerson(
            relationship="customer",
            purposes=["customer_service"],
            fields={"given_name": "Fenna", "family_name": "Brouwersma"},
            language="nl",
        ),
        NOW - timedelta(days=400),
    )
    cipher = kluis.vault.cipher(person_id)
    rows = []
    for n, activity_id in enumerate(new_person_ids(TIMELINE)):
        at = to_db_time(NOW - timedelta(hours=3 * n + 1))
        subject = cipher.seal(f"activity.{activity_id}.subject", f"Telefoongesprek {n}")
        body = cipher.seal(f"activity.{activity_id}.body", "Levering verzet naar donderdag.")
        rows.append(
            (activity_id, person_id, "customer_service", "call", at, 5, False, "user:5",
             "service", subject, body, at, at)
        )  # fmt: skip
    with kluis.engine.begin() as conn:
        insert_rows(conn, "activities", ACTIVITIES, rows)
        insert_rows(conn, "activity_latest", LATEST, [(person_id, rows[0][4])])
    return person_id


def render(entries: list[timeline.TimelineEntry]) -> str:
    template = staff.environment("nl").get_template("staff/_activities_timeline.html")
    return template.render(
        timeline=entries, activity_form=None, may_open_evidence=True, lang="nl", session=SESSION
    )


def plain_timeline(db: Path, kluis: Kluis, person_id: str, renders: int) -> tuple[Timing, str]:
    cipher = kluis.vault.cipher(person_id)
    conn = sqlite3.connect(db)
    sql = (
        "SELECT id, type, occurred_at, subject, body FROM activities"
        " WHERE person_id = ? AND purpose_key = ? ORDER BY occurred_at DESC, id DESC LIMIT ?"
    )
    html = ""
    with stopwatch() as sw:
        for _ in range(renders):
            rows = conn.execute(sql, (person_id, "customer_service", TIMELINE)).fetchall()
            entries = [
                timeline.TimelineEntry(
                    when=datetime.fromisoformat(at).replace(tzinfo=UTC),
                    kind=kind,
                    title=cipher.open(f"activity.{aid}.subject", subject),
                    text=cipher.open(f"activity.{aid}.body", body),
                    link=f"/app/activities/{aid}",
                    ref=f"activity:{aid}",
                )
                for aid, kind, at, subject, body in rows
            ]
            html = render(entries)
    conn.close()
    return sw.timing, html


def kluis_timeline(
    kluis: Kluis, person_id: str, renders: int, samples: list[float]
) -> tuple[Timing, str]:
    sources: list[Any] = [load(path) for entry in SLICES for path in entry.timeline]
    with kluis.engine.connect() as conn:
        purpose = purposes_repo.get(conn, "customer_service")
    assert purpose is not None
    html = ""
    with stopwatch() as sw:
        for _ in range(renders):
            start = time.perf_counter()
            entries = timeline.merged(sources, kluis, SESSION, person_id, purpose, NOW)
            html = render(entries)
            samples.append(time.perf_counter() - start)
    return sw.timing, html


QUIET_SQL = (
    "SELECT (SELECT count(*) FROM people)"
    " - (SELECT count(*) FROM activity_latest WHERE occurred_at >= ?)"
)
NAIVE_SQL = (
    "SELECT count(*) FROM people p WHERE NOT EXISTS (SELECT 1 FROM activities a"
    " WHERE a.person_id = p.id AND a.scheduled = 0 AND a.occurred_at >= ?)"
)


def cutoff(days: int) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S.%f")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=20_000, help="people per insert transaction")
    parser.add_argument("--pairs", type=int, default=3, help="baseline/Kluis pairs (at least 3)")
    parser.add_argument("--renders", type=int, default=200, help="timeline renders per run")
    parser.add_argument("--counts", type=int, default=5, help="quiet counts per run")
    parser.add_argument("--naive", action="store_true", help="also time the NOT EXISTS count")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp) / "store", master_key=SecretStr(new_master_key_text())
        )
        kluis = open_kluis(settings, create=True)
        load_default_catalogue(kluis.engine, NOW)
        load_default_topics(kluis, NOW)
        write = populate(kluis, args.people, args.batch)
        person_id = timeline_person(kluis)
        with kluis.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        db = settings.data_dir / "kluis.db"
        total = args.people + 1
        print(
            f"activities benchmark: {total:,} people, {args.people * PER_PERSON + TIMELINE:,}"
            f" activities on SQLite; populated in {write:.1f} s; load {os.getloadavg()[0]:.2f}"
        )
        samples: list[float] = []
        pages: dict[str, str] = {}

        def plain_page(i: int) -> Timing:
            timing, pages["plain"] = plain_timeline(db, kluis, person_id, args.renders)
            return timing

        def kluis_page(i: int) -> Timing:
            timing, pages["kluis"] = kluis_timeline(kluis, person_id, args.renders, samples)
            return timing

        pages_compared = alternate(args.pairs, plain_page, kluis_page)
        assert pages["plain"].count("<li ") == pages["kluis"].count("<li ") == TIMELINE
        p99 = percentile(samples, 0.99) * 1000
        cpu = [
            sorted(pair[side].cpu for pair in pages_compared.pairs)[len(pages_compared.pairs) // 2]
            * 1000
            / args.renders
            for side in (0, 1)
        ]
        report(
            Result(
                workload=f"person timeline of {TIMELINE} events ({total:,} people, SQLite)",
                goal="p99 < 50 ms",
                figure=f"p99 {p99:.1f} ms, p50 {percentile(samples, 0.5) * 1000:.1f} ms"
                f" over {len(samples)} renders; CPU per render {cpu[1]:.1f} ms"
                f" (plain {cpu[0]:.1f} ms)",
                ratio=pages_compared.summary(),
                met=p99 < 50,
            )
        )
        counted: dict[str, int] = {}
        quiet_samples: list[float] = []

        def plain_count(i: int) -> Timing:
            conn = sqlite3.connect(db)
            with stopwatch() as sw:
                for _ in range(args.counts):
                    counted["plain"] = conn.execute(QUIET_SQL, (cutoff(90),)).fetchone()[0]
            conn.close()
            return sw.timing

        def kluis_count(i: int) -> Timing:
            with stopwatch() as sw:
                for _ in range(args.counts):
                    start = time.perf_counter()
                    counted["kluis"] = reads.count_quiet(kluis, NOW, 90)
                    quiet_samples.append(time.perf_counter() - start)
            return sw.timing

        counts_compared = alternate(args.pairs, plain_count, kluis_count)
        assert counted["plain"] == counted["kluis"], counted
        worst = max(quiet_samples) * 1000
        report(
            Result(
                workload=f"no activity for 90 days over {total:,} people (SQLite)",
                goal="< 200 ms",
                figure=f"{counted['kluis']:,} people; max {worst:.1f} ms, median"
                f" {percentile(quiet_samples, 0.5) * 1000:.1f} ms",
                ratio=counts_compared.summary(),
                met=worst < 200,
            )
        )
        if args.naive:
            plain = sqlite3.connect(db)
            with stopwatch() as sw:
                naive = plain.execute(NAIVE_SQL, (cutoff(90),)).fetchone()[0]
            plain.close()
            assert naive == counted["plain"], (naive, counted)
            print(
                f"  the same count from the activities table (NOT EXISTS): {sw.timing.wall:.2f} s"
            )
        kluis.close()


if __name__ == "__main__":
    main()
