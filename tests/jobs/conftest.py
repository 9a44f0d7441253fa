"""Fixtures of the job tests: the processes a test started (killed at its end, whatever
happened). ``empty_queue`` (procrastinate's tables emptied) is shared, in tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from process_helpers import Process


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        process.stop()
