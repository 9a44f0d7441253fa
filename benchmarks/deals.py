"""Deals benchmark: the board of a pipeline holding 10,000 open deals (the staff page's work:
its reads through ``deals.service`` and its template rendered in Dutch, as ``deals.pages``
does, without the HTTP round trip) and the forecast over 100,000 deals, on SQLite and (when a
server can be started the way the tests start one, ``tests/pgserver.py``) on PostgreSQL.

Deals go in straight through the driver (sqlite3 ``executemany``, psycopg ``COPY``), spread
over the default pipeline's stages (most open, some won and lost with reasons), owners,
currencies and twelve months of expected close, with values to the cent.

Baselines, in the same run (``harness.alternate``, A B A B): for the board, the page's SQL
through the plain driver (the per-stage count and cents sum, and the first 25 cards of each
stage with their company and owner), fetched; for the forecast, the forecast's grouped queries
through the plain driver (open deals per close day, owner and currency; won and lost per month,
reason and currency), fetched, without folding them into months and owners.

Before timing, both sides run once and the start-up objects are set aside from the cyclic
collector (``gc.freeze``), as the app does once it has started (``kluis.app``): without it a
full collection of the ~180,000 objects of an imported Kluis takes ~180 ms and lands on about
one request in a hundred, which is the whole of the board's p99.

    python benchmarks/deals.py [--board 10000] [--forecast 100000] [--pairs 5] [--requests 200]
        [--no-postgres]
"""

from __future__ import annotations

import argparse
import gc
import random
import sqlite3
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
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
COLUMNS = (
    "pipeline_id, stage_id, title, value, currency, expected_close, owner_id, probability, "
    "source, lost_reason, purpose_key, created_by, created_at, updated_at, won_at, lost_at"
)


@dataclass(frozen=True)
class Dialect:
    """The plain SQL of the baselines in one backend's words (``?`` or ``%s``, its month)."""

    name: str
    mark: str
    cents: str
    month: str

    def sql(self, text: str) -> str:
        return text.replace("?", self.mark).format(cents=self.cents, month=self.month)


SQLITE = Dialect("SQLite", "?", "CAST(round(value * 100) AS INTEGER)", "strftime('%Y-%m', {})")
POSTGRES = Dialect("PostgreSQL", "%s", "round(value * 100)::bigint", "to_char({}, 'YYYY-MM')")
BOARD_SQL = (
    "SELECT stage_id, currency, count(*), sum({cents}) "
    "FROM deals WHERE pipeline_id = ? GROUP BY stage_id, currency",
    "SELECT d.id, d.title, c.name, d.value, d.currency, d.expected_close, u.email "
    "FROM deals d LEFT JOIN companies c ON c.id = d.company_id "
    "LEFT JOIN users u ON u.id = d.owner_id WHERE d.stage_id = ? "
    "AND d.expected_close IS NOT NULL ORDER BY d.expected_close, d.id LIMIT ?",
)
FORECAST_SQL = (
    "SELECT expected_close, owner_id, currency, count(*), sum({cents}), "
    "sum({cents} * probability) FROM deals "
    "WHERE won_at IS NULL AND lost_at IS NULL GROUP BY expected_close, owner_id, currency",
    "SELECT {month} AS m, lost_reason, currency, count(*), sum({cents}) FROM deals "
    "WHERE won_at IS NOT NULL GROUP BY m, lost_reason, currency",
    "SELECT {month} AS m, lost_reason, currency, count(*), sum({cents}) FROM deals "
    "WHERE lost_at IS NOT NULL GROUP BY m, lost_reason, currency",
)


def _forecast_sql(dialect: Dialect) -> list[str]:
    return [
        q.replace("{month} AS m", dialect.month.format(at) + " AS m").format(cents=dialect.cents)
        for q, at in zip(FORECAST_SQL, ("", "won_at", "lost_at"), strict=True)
    ]


def _rows(
    pipeline_id: int, stages: list[tuple[int, str, int]], count: int
) -> list[tuple[Any, ...]]:
    """``count`` deals of which nine in ten are open, the rest won or lost."""
    rng = random.Random(19)
    open_stages = [s for s in stages if s[1] == "open"]
    won = next(s for s in stages if s[1] == "won")
    lost = next(s for s in stages if s[1] == "lost")
    at = NOW.strftime("%Y-%m-%d %H:%M:%S.000000")
    rows: list[tuple[Any, ...]] = []
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
    return rows


@dataclass
class Store:
    """A Kluis with the default pipeline and three sales users, and a plain driver connection
    (sqlite3 or psycopg) to the same data store for the baselines."""

    kluis: Kluis
    plain: Any
    dialect: Dialect
    pipeline_id: int
    stages: list[tuple[int, str, int]]

    def fill(self, count: int) -> None:
        rows = _rows(self.pipeline_id, self.stages, count)
        if self.dialect is SQLITE:
            marks = ", ".join("?" * len(rows[0]))
            with self.plain:
                self.plain.executemany(f"INSERT INTO deals ({COLUMNS}) VALUES ({marks})", rows)
            return
        with self.plain.cursor() as cur, cur.copy(f"COPY deals ({COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        self.plain.commit()
        self.plain.execute("ANALYZE deals")
        self.plain.commit()

    def query(self, text: str, params: tuple[Any, ...] = ()) -> list[Any]:
        return list(self.plain.execute(self.dialect.sql(text), params).fetchall())

    def close(self) -> None:
        self.kluis.close()
        self.plain.close()


def _store(tmp: str, name: str, server: Any) -> Store:
    urls: dict[str, str] = {}
    if server is not None:
        for db in (name, f"{name}_keyring"):
            server.create_database(db)
        urls = {"database_url": server.url(name), "keyring_url": server.url(f"{name}_keyring")}
    settings = Settings(data_dir=Path(tmp) / name, master_key=SecretStr(MASTER_KEY), **urls)
    kluis = open_kluis(settings, create=True, now=NOW)
    load_default_catalogue(kluis.engine, NOW)
    catalogue.load_default_pipeline(kluis.engine, NOW)
    for n in (1, 2, 3):
        auth.create_user(kluis.engine, SYSTEM, f"sales{n}@example.com", "sales", NOW)
    view = catalogue.list_pipelines(kluis.engine)[0]
    stages = [(s.id, s.kind.value, s.probability) for s in view.stages]
    if server is None:
        plain: Any = sqlite3.connect(settings.data_dir / "kluis.db")
    else:
        plain = psycopg.connect(server.url(name, "postgresql"))
    return Store(kluis, plain, SQLITE if server is None else POSTGRES, view.pipeline.id, stages)


def settle() -> None:
    """What the app does once it has started (``kluis.app``): the objects of start-up set
    aside from the cyclic collector, so its full collections stay short."""
    gc.collect()
    gc.freeze()


def board(tmp: str, deals: int, pairs: int, requests: int, server: Any) -> None:
    store = _store(tmp, "board", server)
    store.fill(deals * 10 // 9)
    kluis, pipeline_id = store.kluis, store.pipeline_id
    template = environment("nl").get_template("staff/deals_board.html")
    reader = Reader()

    def render() -> str:
        found = service.board(kluis, SALES, pipeline_id)
        return template.render(
            lang="nl", title=found.pipeline.name("nl"), organisation="", session=reader,
            purposes=[], purpose=None, path=f"/app/deals/board/{pipeline_id}", board=found,
            pipelines=catalogue.list_pipelines(kluis.engine), may_write=True, **helpers("nl"),
        )  # fmt: skip

    latencies: list[float] = []
    base_latencies: list[float] = []

    def baseline(_i: int) -> Timing:
        with stopwatch() as sw:
            for _ in range(requests):
                with stopwatch() as one:
                    store.query(BOARD_SQL[0], (pipeline_id,))
                    for stage_id, _kind, _p in store.stages:
                        store.query(BOARD_SQL[1], (stage_id, CARDS))
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

    render()
    settle()
    compared = alternate(pairs, baseline, page)
    open_count = sum(c.count for c in service.board(kluis, SALES, pipeline_id).columns[:4])
    store.close()
    p99 = percentile(latencies, 0.99)
    name = store.dialect.name
    print(
        f"board ({name}), {open_count} open deals: page p50 "
        f"{percentile(latencies, 0.5) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms; bare SQL p50 "
        f"{percentile(base_latencies, 0.5) * 1000:.1f} ms, p99 "
        f"{percentile(base_latencies, 0.99) * 1000:.1f} ms; {compared.summary()}"
    )
    report(
        Result(
            workload=f"deals board page, {open_count} open deals ({name})",
            goal="p99 < 100 ms",
            figure=f"p99 {p99 * 1000:.1f} ms over {len(latencies)} requests",
            ratio=f"{compared.ratio_median:.2f} of bare SQL (CPU {compared.cpu_ratio_median:.2f})",
            met=p99 < 0.1,
        )
    )


def forecast(tmp: str, deals: int, pairs: int, server: Any) -> None:
    store = _store(tmp, "forecast", server)
    store.fill(deals)
    queries = _forecast_sql(store.dialect)

    def baseline(_i: int) -> Timing:
        with stopwatch() as sw:
            for query in queries:
                store.plain.execute(query).fetchall()
        return sw.timing

    def ours(_i: int) -> Timing:
        with stopwatch() as sw:
            found = service.forecast(store.kluis, SALES)
        assert found.forecast.total.count > 0
        return sw.timing

    ours(0)
    settle()
    compared = alternate(pairs, baseline, ours)
    store.close()
    median = compared.median("kluis")
    slowest = max(ours.wall for _, ours in compared.pairs)
    name = store.dialect.name
    print(
        f"forecast ({name}), {deals} deals: {median * 1000:.1f} ms (slowest "
        f"{slowest * 1000:.1f}), bare SQL {compared.median('baseline') * 1000:.1f} ms; "
        f"{compared.summary()}"
    )
    report(
        Result(
            workload=f"deals forecast, {deals} deals ({name})",
            goal="< 200 ms",
            figure=f"median {median * 1000:.0f} ms, slowest {slowest * 1000:.0f} ms",
            ratio=f"{compared.ratio_median:.2f} of bare SQL (CPU {compared.cpu_ratio_median:.2f})",
            met=slowest < 0.2,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--board", type=int, default=10_000, help="open deals on the board")
    parser.add_argument("--forecast", type=int, default=100_000, help="deals in the forecast")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200, help="board pages per run")
    parser.add_argument(
        "--no-postgres", action="store_true", help="SQLite only, even when PostgreSQL is installed"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        board(tmp, args.board, args.pairs, args.requests, None)
        forecast(tmp, args.forecast, args.pairs, None)
        if args.no_postgres:
            return
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from pgserver import PostgresUnavailable, postgres_server  # lazy: tests' helper

        try:
            with postgres_server() as server:
                board(tmp, args.board, args.pairs, args.requests, server)
                forecast(tmp, args.forecast, args.pairs, server)
        except PostgresUnavailable as exc:
            print(f"PostgreSQL: not run ({str(exc).splitlines()[0]})")


if __name__ == "__main__":
    main()
