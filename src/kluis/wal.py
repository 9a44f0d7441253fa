"""Checkpoints of a SQLite store's write-ahead log: at once (``checkpoint``), or deferred by at
most a bounded delay after an erasure (``DeferredCheckpoint``).

An erased person's rows leave frames in the ``-wal`` file beside the database until the log is
moved into the database file (where ``secure_delete`` has overwritten the freed pages) and
truncated. The keyring's log is checkpointed before an erasure returns: a wrapped key left there
could be unwrapped with the master key, which would undo the crypto-shredding (Art. 17). The
data store's log holds, after the erasure's commit, only ciphertext whose key is gone and
blind-index digests, which is what a backup made before the erasure holds too and what the
erasure register covers on a restore; so its checkpoint leaves the single erasure's path and
runs at most ``DELAY_SECONDS`` later, once for however many erasures came in between
(``DeferredCheckpoint``). PostgreSQL keeps no such file beside the store: nothing to do there.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import Engine

log = logging.getLogger(__name__)

DELAY_SECONDS = 1.0
"""How long after an erasure the data store's log is checkpointed at the latest (plus the
checkpoint's own time, a few milliseconds): erasures in that second share one checkpoint. The
documented promise is "within 2 seconds" (docs/requests.md)."""


class Timer(Protocol):
    def start(self) -> None: ...

    def cancel(self) -> None: ...


TimerFactory = Callable[[float, Callable[[], None]], Timer]
"""(delay, function) -> a timer not yet started; ``threading.Timer`` unless a test injects one."""


def _thread_timer(delay: float, function: Callable[[], None]) -> Timer:
    timer = threading.Timer(delay, function)
    timer.name = "wal-checkpoint"
    timer.daemon = True
    return timer


def checkpoint(engine: Engine) -> bool:
    """Move the write-ahead log into the database file and truncate it (SQLite; True at once on
    any other store). False when a reader's older snapshot kept part of the log: the next
    checkpoint finishes the job."""
    if engine.dialect.name != "sqlite":
        return True
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        busy = cursor.fetchone()[0]
    finally:
        raw.close()
    return not busy


class DeferredCheckpoint:
    """One store's checkpoint, asked for by ``mark`` after an erasure and run ``delay`` seconds
    later in a short-lived daemon thread, or at once by ``flush`` (a retention sweep's end, a
    backup, ``close``). A checkpoint a reader kept from finishing is tried again ``delay`` later.
    The thread lives only while a checkpoint is due, so a process that forks (``kluis.forked``)
    a while after its last erasure runs no thread of this."""

    def __init__(
        self, engine: Engine, *, delay: float = DELAY_SECONDS, timer: TimerFactory = _thread_timer
    ) -> None:
        self.engine = engine
        self.delay = delay
        self._timer_factory = timer
        self._lock = threading.Lock()
        self._due = False
        self._timer: Timer | None = None
        self._closed = False

    @property
    def due(self) -> bool:
        """Whether an erasure's frames may still be in the log (a checkpoint is due)."""
        return self._due

    def mark(self) -> None:
        """An erasure committed: checkpoint within ``delay`` (nothing on PostgreSQL)."""
        if self.engine.dialect.name != "sqlite":
            return
        with self._lock:
            self._due = True
            if self._timer is None and not self._closed:
                self._timer = self._timer_factory(self.delay, self._fire)
                self._timer.start()

    def flush(self, *, force: bool = False) -> bool:
        """Checkpoint now if one is due (with ``force``, in any case); True when none is due
        any more."""
        with self._lock:
            if not self._due and not force:
                return True
            self._due = False
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        done = False
        try:
            done = checkpoint(self.engine)
        finally:
            if not done:
                self.mark()
        return done

    def close(self) -> None:
        """Checkpoint what is due and schedule nothing more (the store is closing)."""
        try:
            self.flush()
        finally:
            with self._lock:
                self._closed = True
                timer, self._timer = self._timer, None
            if timer is not None:
                timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            self._timer = None
        try:
            self.flush()
        except Exception:  # a background thread has nobody to raise to; tried again later
            log.exception("the deferred write-ahead-log checkpoint failed")
