"""The deferred checkpoint of a store's write-ahead log (``kluis.wal``): one timer however many
erasures come in its second, the checkpoint when it fires or is flushed, again later when a
reader kept it from finishing, nothing on PostgreSQL. Timers are injected: no test waits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, text

from kluis import db
from kluis.wal import DELAY_SECONDS, DeferredCheckpoint, checkpoint


class FakeTimer:
    def __init__(self, delay: float, function: Callable[[], None]) -> None:
        self.delay = delay
        self.function = function
        self.started = False
        self.cancelled = False

    def start(self) -> None:
        self.started = True

    def cancel(self) -> None:
        self.cancelled = True


class Timers:
    def __init__(self) -> None:
        self.made: list[FakeTimer] = []

    def __call__(self, delay: float, function: Callable[[], None]) -> FakeTimer:
        timer = FakeTimer(delay, function)
        self.made.append(timer)
        return timer

    def live(self) -> list[FakeTimer]:
        return [t for t in self.made if t.started and not t.cancelled]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    made = db.make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with made.begin() as conn:
        conn.execute(text("CREATE TABLE t (v BLOB)"))
    yield made
    made.dispose()


def _write(engine: Engine, value: bytes) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": value})


def _wal(path: Path) -> bytes:
    wal = path.with_name(path.name + "-wal")
    return wal.read_bytes() if wal.exists() else b""


def test_erasures_within_the_delay_share_one_timer_and_one_checkpoint(
    engine: Engine, tmp_path: Path
) -> None:
    timers = Timers()
    deferred = DeferredCheckpoint(engine, timer=timers)
    _write(engine, b"Qoppaxiph-ciphertext")
    deferred.mark()
    deferred.mark()
    [timer] = timers.made
    assert timer.started
    assert timer.delay == DELAY_SECONDS == 1.0
    assert deferred.due
    assert b"Qoppaxiph-ciphertext" in _wal(tmp_path / "store.db")

    timer.function()  # the timer fires

    assert not deferred.due
    assert _wal(tmp_path / "store.db") == b""
    assert timers.live() == [timer]  # it ran; no second one was started
    deferred.mark()
    assert len(timers.made) == 2  # the next erasure starts the next one


def test_flush_checkpoints_at_once_and_cancels_the_timer(engine: Engine, tmp_path: Path) -> None:
    timers = Timers()
    deferred = DeferredCheckpoint(engine, timer=timers)
    assert deferred.flush()  # nothing due: nothing to do
    _write(engine, b"Zyxwvuta-ciphertext")
    deferred.mark()
    assert deferred.flush()
    assert timers.made[0].cancelled
    assert _wal(tmp_path / "store.db") == b""
    _write(engine, b"written-later")
    assert deferred.flush()  # not marked: the log is left alone
    assert b"written-later" in _wal(tmp_path / "store.db")
    assert deferred.flush(force=True)
    assert _wal(tmp_path / "store.db") == b""


def test_close_checkpoints_what_is_due_and_schedules_nothing_more(
    engine: Engine, tmp_path: Path
) -> None:
    timers = Timers()
    deferred = DeferredCheckpoint(engine, timer=timers)
    _write(engine, b"Vlwxqzp-ciphertext")
    deferred.mark()
    deferred.close()
    assert _wal(tmp_path / "store.db") == b""
    assert timers.live() == []
    deferred.mark()
    assert timers.live() == []


def test_a_checkpoint_a_reader_kept_from_finishing_is_tried_again(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    # no busy handler: the checkpoint gives up at once instead of waiting for the reader
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})

    @event.listens_for(engine, "connect")
    def _wal_mode(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[attr-defined]

    try:
        _write_plain(engine, "CREATE TABLE t (v BLOB)")
        timers = Timers()
        deferred = DeferredCheckpoint(engine, timer=timers)
        reader = engine.connect()
        try:
            reader.exec_driver_sql("BEGIN")
            reader.execute(text("SELECT count(*) FROM t")).one()  # holds the old snapshot
            _write_plain(engine, "INSERT INTO t VALUES (x'00')")
            deferred.mark()
            assert not deferred.flush()
            assert deferred.due
            assert len(timers.live()) == 1  # tried again after the delay
            reader.exec_driver_sql("COMMIT")
        finally:
            reader.close()
        timers.live()[0].function()
        assert not deferred.due
        assert checkpoint(engine)
    finally:
        engine.dispose()


def _write_plain(engine: Engine, sql: str) -> None:
    raw = engine.raw_connection()
    try:
        raw.driver_connection.isolation_level = None  # type: ignore[union-attr]
        raw.driver_connection.execute(sql)  # type: ignore[union-attr]
    finally:
        raw.close()


def test_nothing_is_scheduled_for_a_store_without_a_log_file_beside_it() -> None:
    timers = Timers()
    engine = create_engine("postgresql+psycopg://nobody@localhost/none")
    deferred = DeferredCheckpoint(engine, timer=timers)
    deferred.mark()
    assert timers.made == []
    assert not deferred.due
    assert checkpoint(engine)  # no connection is even made
