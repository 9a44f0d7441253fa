"""The database fixtures of ``conftest.py``: a PostgreSQL test starts on exactly the rows it
would find in a new Kluis with the default catalogue, whatever the test before it left, and on
the worker's kept engines without what an earlier test attached to them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from conftest import (
    _ENGINES,
    ADMIN,
    MASTER_KEY,
    NOW,
    _closing,
    _empty_postgres,
    _opened,
    _postgres_loaded,
    _settings_on,
)
from factories import add_person
from kluis import db
from kluis.db import DataBase, KeyringBase
from kluis.opening import open_kluis
from kluis.settings import Settings


@pytest.fixture
def pg_settings(
    pg_urls: tuple[str, str] | None, tmp_path: Path, request: pytest.FixtureRequest
) -> Settings:
    """Settings on the worker's PostgreSQL test databases, emptied, with the catalogue."""
    if pg_urls is None:
        pytest.skip("KLUIS_TEST_POSTGRES=0")
    return _settings_on("postgresql", tmp_path / "data", MASTER_KEY, request, "pg_urls", True)


_MOVE_EVERY_SEQUENCE = (
    "SELECT nextval(format('%I', sequencename)) FROM pg_sequences "
    "WHERE schemaname = current_schema() AND sequencename NOT LIKE 'procrastinate%'"
)


def _state(urls: tuple[str, str]) -> dict[str, Any]:
    """Every row of both databases (in no particular order) and every sequence's value."""
    found: dict[str, Any] = {}
    for url, metadata in zip(urls, (DataBase.metadata, KeyringBase.metadata), strict=True):
        with _ENGINES[url].connect() as conn:
            for table in metadata.sorted_tables:
                rows = conn.scalar(text(f'SELECT json_agg(t)::text FROM "{table.name}" AS t'))  # noqa: S608
                found[table.name] = sorted(json.dumps(r) for r in json.loads(rows or "[]"))
            for name, value in conn.execute(
                text("SELECT sequencename, last_value FROM pg_sequences")
            ):
                found[f"{url} {name}"] = value
    return found


def test_emptying_leaves_the_loaded_rows_and_restarts_the_sequences(
    pg_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    urls = (str(pg_settings.database_url), str(pg_settings.keyring_url))
    snapshot = _postgres_loaded(urls, MASTER_KEY, tmp_path_factory.mktemp("snapshot"))
    new = _state(urls)
    assert new["purposes"]
    assert new["topics"]
    with _closing(open_kluis(pg_settings, migrate=False, now=NOW)) as opened:
        add_person(opened, ADMIN, NOW)
    for url in urls:
        with _ENGINES[url].begin() as conn:
            conn.execute(text(_MOVE_EVERY_SEQUENCE))
    assert _state(urls) != new
    _empty_postgres(*urls, snapshot)
    assert _state(urls) == new


def test_a_listener_a_test_adds_ends_with_its_kluis(pg_settings: Settings) -> None:
    seen: list[str] = []
    first: Iterator[Any] = _opened(pg_settings)
    kluis = next(first)
    event.listen(kluis.engine, "before_cursor_execute", lambda *_a: seen.append("first"))
    with suppress(StopIteration):
        next(first)
    second: Iterator[Any] = _opened(pg_settings)
    again = next(second)
    with again.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    with suppress(StopIteration):
        next(second)
    assert seen == []


def test_a_connection_left_checked_out_costs_the_kept_engine(pg_settings: Settings) -> None:
    url = str(pg_settings.database_url)
    opening: Iterator[Any] = _opened(pg_settings)
    kluis = next(opening)
    kept = _ENGINES[url]
    left = kluis.engine.connect()
    with suppress(StopIteration):
        next(opening)
    assert _ENGINES.get(url) is not kept
    left.invalidate()  # closed now, not when the collector finds it
    left.close()


def test_a_sqlite_read_without_order_by_returns_the_rows_reversed(tmp_path: Path) -> None:
    """A test's SQLite engines return unordered rows in reverse (``_unordered_reversed``), so
    nothing leans on the order rows were written in."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'order.db'}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (n INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1), (2), (3)"))
            assert list(conn.scalars(text("SELECT n FROM t"))) == [3, 2, 1]
            assert list(conn.scalars(text("SELECT n FROM t ORDER BY n"))) == [1, 2, 3]
    finally:
        engine.dispose()
