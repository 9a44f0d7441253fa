"""Metrics benchmark: one ``/metrics`` scrape (``kluis.ops.metrics.exposition``) of a data store
holding N messages, on SQLite.

The figures are counted in the database at each scrape, so a scrape costs a grouped scan of the
messages and a look at the open privacy requests and the audit head; this measures that cost as
the store grows. Messages go in straight through the driver (plain sqlite3, foreign keys off:
no people rows are needed to count messages), spread over the channels, statuses and reasons a
campaign leaves, with time-ordered ids (``kluis.ids``) as their person ids; N/1000 privacy
requests, a third of them open with deadlines spread over two months.

Baseline: the same SELECTs run through plain sqlite3 and fetched, without the collector, the
deadline rules or the text format. Kluis and baseline alternate (``harness.alternate``).

    python benchmarks/metrics.py [--messages 1000000] [--pairs 5]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from harness import Result, Timing, alternate, report, stopwatch
from kluis.ids import new_person_ids
from kluis.opening import open_kluis
from kluis.ops import metrics
from kluis.settings import Settings

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
MASTER_KEY = "q7yGFz8bQm1mDqQ4w0bL1S7yY2m0jv5eYc5o0lQ7k2Y="
OUTCOMES = [
    ("sent", "consent"),
    ("sent", "soft_opt_in"),
    ("sent", "transactional"),
    ("refused", "no_consent"),
    ("refused", "withdrawn"),
    ("refused", "objected"),
    ("failed", "consent"),
]
QUERIES = (
    "SELECT channel, status, reason, count(*) FROM messages GROUP BY channel, status, reason",
    "SELECT type, status, count(*) FROM privacy_requests GROUP BY type, status",
    "SELECT status, due_at, extended_to FROM privacy_requests "
    "WHERE status IN ('received', 'verified', 'in_progress')",
    "SELECT seq FROM audit_head WHERE id = 1",
)


def _fill(path: Path, messages: int) -> None:
    rng = random.Random(16)
    at = (NOW - timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S.000000")
    with sqlite3.connect(path) as conn:
        batch = []
        ids: list[str] = []
        for _ in range(messages):
            if not ids:
                ids = new_person_ids(50_000)[::-1]
            status, reason = rng.choice(OUTCOMES)
            channel = "email" if rng.random() < 0.9 else "sms"
            batch.append(
                (ids.pop(), "commercial", channel, "offers", "custom", "nl", status,
                 status == "sent", "consent", reason, "user:1", at)
            )  # fmt: skip
            if len(batch) == 50_000:
                _insert_messages(conn, batch)
                batch = []
        _insert_messages(conn, batch)
        requests = []
        for i in range(max(messages // 1000, 3)):
            received = NOW - timedelta(days=rng.randrange(0, 60))
            due = received + timedelta(days=30)
            status = ("received", "verified", "completed")[i % 3]
            requests.append(
                ("access", new_person_ids(1)[0], "staff", status, "nl",
                 received.strftime("%Y-%m-%d %H:%M:%S.000000"),
                 due.strftime("%Y-%m-%d %H:%M:%S.000000"), "[]", "[]", "user:1",
                 received.strftime("%Y-%m-%d %H:%M:%S.000000"))
            )  # fmt: skip
        conn.executemany(
            "INSERT INTO privacy_requests (type, person_id, channel, status, language, "
            "received_at, due_at, recipients_to_notify, sent, created_by, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            requests,
        )


def _insert_messages(conn: sqlite3.Connection, rows: list[tuple[object, ...]]) -> None:
    conn.executemany(
        "INSERT INTO messages (person_id, kind, channel, topic, template, language, status, "
        "allowed, basis, reason, created_by, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument(
        "--without-index",
        action="store_true",
        help="drop ix_messages_channel_status_reason first: the scrape as before d0017_observe",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", master_key=SecretStr(MASTER_KEY))
        kluis = open_kluis(settings, create=True, now=NOW)
        path = settings.data_dir / "kluis.db"
        _fill(path, args.messages)
        plain = sqlite3.connect(path)
        if args.without_index:
            plain.execute("DROP INDEX ix_messages_channel_status_reason")

        def baseline(_i: int) -> Timing:
            with stopwatch() as sw:
                for query in QUERIES:
                    plain.execute(query).fetchall()
            return sw.timing

        def scrape(_i: int) -> Timing:
            with stopwatch() as sw:
                body = metrics.exposition(kluis, NOW)
            assert b"kluis_messages" in body
            return sw.timing

        compared = alternate(args.pairs, baseline, scrape)
        kluis.close()
        plain.close()
    median = compared.median("kluis")
    print(f"{args.messages} messages: scrape {median * 1000:.1f} ms, bare SQL "
          f"{compared.median('baseline') * 1000:.1f} ms; {compared.summary()}")  # fmt: skip
    report(
        Result(
            workload=f"metrics scrape, {args.messages} messages (SQLite)"
            + (", without the index" if args.without_index else ""),
            goal="a scrape under 1 s",
            figure=f"{median * 1000:.0f} ms",
            ratio=f"{compared.ratio_median:.2f} of bare SQL",
            met=median < 1.0,
        )
    )


if __name__ == "__main__":
    main()
