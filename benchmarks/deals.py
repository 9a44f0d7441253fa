"""Deals benchmark: the board of a pipeline holding 10,000 open deals (the staff page's work:
its reads through ``deals.service`` and its template rendered in Dutch, as ``deals.pages``
does, without the HTTP round trip) and the forecast over 100,000 deals, on SQLite.

Deals go in straight through the driver (plain sqlite3), spread over the default pipeline's
stages (most open, some won and lost with reasons), owners, currencies and twelve months of
expected close, with values to the cent.

Baselines, in the same run (``harness.alternate``, A B A B): for the board, the page's SQL
through plain sqlite3 (the per-stage count and cents sum, and the first 50 cards of each stage
with their company and owner), fetched; for the forecast, the forecast's grouped queries
through plain sqlite3 (open deals per month, owner and currency; won and lost per month,
reason and currency), fetched, without folding them into months and owners.

    python benchmarks/deals.py [--board 10000] [--forecast 100000] [--pairs 5] [--requests 200]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from harness import Result, Timing, alternate, percentile, report, stopwatch
from kluis.actors import SYSTEM, Actor, Role
from kluis.auth import service as auth
from kluis.deals import catalogue, service
from kluis.deals.pages import helpers  # the page's own
from kluis.opening import open_kluis
from kluis.purposes.service import load_default_catalogue
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.ui.staff import environment

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
MASTER_KEY = "q7yGFz8bQm1mDqQ4w0bL1S7yY2m0jv5eYc5o0lQ7k2Y="
SALES = Actor(ref="user:1", role=Role.SALES, user_id=1)


@dataclass(frozen=True)
class Reader:
    """What the staff layout reads of the session."""

    role: Role = Role.SALES
    csrf: str = "x" * 43
    email: str = "sales1@example.com"
    language: str = "nl"


REASONS = ("price", "timing", "competitor", "no budget")
CARDS = service.BOARD_CARDS
BOARD_SQL = (
    "SELECT stage_id, currency, count(*), sum(CAST(round(value * 100) AS INTEGER)) "
    "FROM deals WHERE pipeline_id = ? GROUP BY stage_id, currency",
    "SELECT d.id, d.title, c.name, d.value, d.currency, d.expected_close, u.email "
    "FROM deals d LEFT JOIN companies c ON c.id = d.company_id "
    "LEFT JOIN users u ON u.id = d.owner_id WHERE d.stage_id = ? "
    "AND d.expected_close IS NOT NULL ORDER BY d.expected_close, d.id LIMIT ?",
)
FORECAST_SQL = (
    "SELECT expected_close, owner_id, currency, count(*), "
    "sum(CAST(round(value * 100) AS INTEGER)), "
    "sum(CAST(round(value * 100) AS INTEGER) * probability) FROM deals "
    "WHERE won_at IS NULL AND lost_at IS NULL GROUP BY expected_close, owner_id, currency",
    "SELECT strftime('%Y-%m', won_at) AS m, lost_reason, currency, count(*), "
    "sum(CAST(round(value * 100) AS INTEGER)) FROM deals WHERE won_at IS NOT NULL "
    "GROUP BY m, lost_reason, currency",
    "SELECT strftime('%Y-%m', lost_at) AS m, lost_reason, currency, count(*), "
    "sum(CAST(round(value * 100) AS INTEGER)) FROM deals WHERE lost_at IS NOT NULL "
    "GROUP BY m, lost_reason, currency",
)


def _fill(path: Path, pipeline_id: int, stages: list[tuple[int, str, int]], count: int) -> None:
    """``count`` deals of which nine in ten are open, the rest won or lost."""
    rng = random.Random(19)
    open_stages = [s for s in stages if s[1] == "open"]
    won = next(s for s in stages if s[1] == "won")
    lost = next(s for s in stages if s[1] == "lost")
    at = NOW.strftime("%Y-%m-%d %H:%M:%S.000000")
    rows = []
    for n in range(count):
        roll = rng.random()
        stage = rng.choice(open_stages) if roll < 0.9 else won if roll < 0.95 else lost
        closed = (NOW - timedelta(days=rng.randrange(0, 365))).strftime("%Y-%m-%d %H:%M:%S.000000")
        close = date(2026, 1, 1) + timedelta(days=rng.randrange(0, 365))
        rows.append(
            (pipeline_id, stage[0], f"Deal {n}", f"{rng.randrange(100, 10_000_000) / 100:.2f}",
             "EUR" if rng.random() < 0.9 else "USD", close.isoformat(),
             rng.choice((1, 2, 3, None)), stage[2], "benchmark",
             rng.choice(REASONS) if stage is lost else None, "sales_follow_up", "bench", at, at,
             closed if stage is won else None, closed if stage is lost else None)
        )  # fmt: skip
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO deals (pipeline_id, stage_id, title, value, currency, expected_close, "
            "owner_id, probability, source, lost_reason, purpose_key, created_by, created_at, "
            "updated_at, won_at, lost_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def _kluis(tmp: str, name: str) -> tuple[Kluis, Path, int, list[tuple[int, str, int]]]:
    settings = Settings(data_dir=Path(tmp) / name, master_key=SecretStr(MASTER_KEY))
    kluis = open_kluis(settings, create=True, now=NOW)
    load_default_catalogue(kluis.engine, NOW)
    catalogue.load_default_pipeline(kluis.engine, NOW)
    for n in (1, 2, 3):
        auth.create_user(kluis.engine, SYSTEM, f"sales{n}@example.com", "sales", NOW)
    view = catalogue.list_pipelines(kluis.engine)[0]
    stages = [(s.id, s.kind.value, s.probability) for s in view.stages]
    return kluis, settings.data_dir / "kluis.db", view.pipeline.id, stages


def board(tmp: str, deals: int, pairs: int, requests: int) -> None:
    kluis, path, pipeline_id, stages = _kluis(tmp, "board")
    _fill(path, pipeline_id, stages, deals * 10 // 9)
    template = environment("nl").get_template("staff/deals_board.html")
    reader = Reader()

    def render() -> str:
        found = service.board(kluis, SALES, pipeline_id)
        return template.render(
            lang="nl", title=found.pipeline.name("nl"), organisation="", session=reader,
            purposes=[], purpose=None, path=f"/app/deals/board/{pipeline_id}", board=found,
            pipelines=catalogue.list_pipelines(kluis.engine), may_write=True, **helpers("nl"),
        )  # fmt: skip

    plain = sqlite3.connect(path)
    latencies: list[float] = []
    base_latencies: list[float] = []

    def baseline(_i: int) -> Timing:
        with stopwatch() as sw:
            for _ in range(requests):
                with stopwatch() as one:
                    plain.execute(BOARD_SQL[0], (pipeline_id,)).fetchall()
                    for stage_id, _kind, _p in stages:
                        plain.execute(BOARD_SQL[1], (stage_id, CARDS)).fetchall()
                base_latencies.append(one.timing.wall)
        return sw.timing

    def page(_i: int) -> Timing:
        with stopwatch() as sw:
            for _ in range(requests):
                with stopwatch() as one:
                    body = render()
                latencies.append(one.timing.wall)
                assert "deal-card" in body
        return sw.timing

    compared = alternate(pairs, baseline, page)
    open_count = sum(c.count for c in service.board(kluis, SALES, pipeline_id).columns[:4])
    kluis.close()
    plain.close()
    p99 = percentile(latencies, 0.99)
    print(
        f"board, {open_count} open deals: page p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
        f"p99 {p99 * 1000:.1f} ms; bare SQL p99 {percentile(base_latencies, 0.99) * 1000:.1f} ms; "
        f"{compared.summary()}"
    )
    report(
        Result(
            workload=f"deals board page, {open_count} open deals (SQLite)",
            goal="p99 < 100 ms",
            figure=f"p99 {p99 * 1000:.1f} ms over {len(latencies)} requests",
            ratio=f"{compared.ratio_median:.2f} of bare SQL",
            met=p99 < 0.1,
        )
    )


def forecast(tmp: str, deals: int, pairs: int) -> None:
    kluis, path, pipeline_id, stages = _kluis(tmp, "forecast")
    _fill(path, pipeline_id, stages, deals)
    plain = sqlite3.connect(path)

    def baseline(_i: int) -> Timing:
        with stopwatch() as sw:
            for query in FORECAST_SQL:
                plain.execute(query).fetchall()
        return sw.timing

    def ours(_i: int) -> Timing:
        with stopwatch() as sw:
            found = service.forecast(kluis, SALES)
        assert found.forecast.total.count > 0
        return sw.timing

    compared = alternate(pairs, baseline, ours)
    kluis.close()
    plain.close()
    median = compared.median("kluis")
    slowest = max(ours.wall for _, ours in compared.pairs)
    print(
        f"forecast, {deals} deals: {median * 1000:.1f} ms (slowest {slowest * 1000:.1f}), bare "
        f"SQL {compared.median('baseline') * 1000:.1f} ms; {compared.summary()}"
    )
    report(
        Result(
            workload=f"deals forecast, {deals} deals (SQLite)",
            goal="< 200 ms",
            figure=f"median {median * 1000:.0f} ms, slowest {slowest * 1000:.0f} ms",
            ratio=f"{compared.ratio_median:.2f} of bare SQL",
            met=slowest < 0.2,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--board", type=int, default=10_000, help="open deals on the board")
    parser.add_argument("--forecast", type=int, default=100_000, help="deals in the forecast")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200, help="board pages per run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        board(tmp, args.board, args.pairs, args.requests)
        forecast(tmp, args.forecast, args.pairs)


if __name__ == "__main__":
    main()
