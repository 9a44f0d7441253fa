"""The engines ``kluis.db.make_engine`` makes: a PostgreSQL server that never answers is given
up on in seconds, not after the operating system's TCP timeout."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
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
