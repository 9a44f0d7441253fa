"""Fixtures of the job tests: the processes a test started (killed at its end, whatever
happened), and procrastinate's tables emptied (the shared fixtures empty only Kluis' own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from kluis.runtime import Kluis
from process_helpers import Process


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        process.stop()


def _truncate(kluis: Kluis) -> None:
    with kluis.engine.begin() as conn:
        if conn.scalar(text("SELECT to_regclass('procrastinate_jobs')")) is not None:
            conn.execute(
                text(
                    "TRUNCATE procrastinate_jobs, procrastinate_periodic_defers, "
                    "procrastinate_workers, procrastinate_events CASCADE"
                )
            )


@pytest.fixture
def empty_queue(kluis: Kluis, backend: str) -> Iterator[None]:
    """Before and after: a later test on the same database finds no job of this one."""
    if backend == "postgresql":
        _truncate(kluis)
    yield
    if backend == "postgresql":
        _truncate(kluis)
