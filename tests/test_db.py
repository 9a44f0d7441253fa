"""The engines ``kluis.db.make_engine`` makes: a PostgreSQL server that never answers is given
up on in seconds, not after the operating system's TCP timeout; a SQLite store's own
checkpoints can be held back for a while (``checkpoints_held_back``) and no pooled connection
keeps the hold after."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from kluis import db


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel's backlog) and never says a word, like a
    hung database host."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_a_silent_postgresql_server_times_out(
    silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "CONNECT_TIMEOUT", 1)
    engine = db.make_engine(f"postgresql+psycopg://kluis@127.0.0.1:{silent_server}/kluis")
    with pytest.raises(OperationalError, match="timeout"):
        engine.connect()
    engine.dispose()


def test_the_urls_own_timeout_wins(silent_server: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "CONNECT_TIMEOUT", 3600)
    url = f"postgresql+psycopg://kluis@127.0.0.1:{silent_server}/kluis?connect_timeout=1"
    engine = db.make_engine(url)
    with pytest.raises(OperationalError, match="timeout"):
        engine.connect()
    engine.dispose()


def _autocheckpoint(engine: Engine) -> int:
    with engine.begin() as conn:
        return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def _insert_pages(engine: Engine, pages: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (:v)"), [{"v": os.urandom(4096)}] * pages)


def test_a_held_back_log_is_checkpointed_by_no_commit_until_the_hold_ends(
    tmp_path: Path,
) -> None:
    """While held back, commits leave the log growing past SQLite's 1,000 pages and the
    database file as it was; the first transaction after puts the default back on its
    connection, and its commit checkpoints."""
    store = tmp_path / "store.db"
    engine = db.make_engine(f"sqlite:///{store}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (v BLOB)"))
        assert _autocheckpoint(engine) == db.AUTOCHECKPOINT_PAGES
        with db.checkpoints_held_back(engine, pages=4_000):
            assert _autocheckpoint(engine) == 4_000
            for _ in range(30):  # about 1,500 pages of log: a page a row, and some
                _insert_pages(engine, 50)
            assert (tmp_path / "store.db-wal").stat().st_size > 1_200 * 4096
            assert store.stat().st_size < 100 * 4096  # nothing moved into the database yet
        assert _autocheckpoint(engine) == db.AUTOCHECKPOINT_PAGES
        _insert_pages(engine, 1)  # the log is past 1,000 pages: this commit checkpoints it
        assert store.stat().st_size > 1_200 * 4096
    finally:
        engine.dispose()


def test_holding_back_a_store_without_a_log_file_changes_nothing() -> None:
    engine = create_engine("postgresql+psycopg://nobody@localhost/none")
    with db.checkpoints_held_back(engine):
        assert engine.pool not in db._autocheckpoint  # no transaction would send the pragma
