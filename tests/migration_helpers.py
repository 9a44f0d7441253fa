"""The store a migration test upgrades step by step: an empty data store on the backend under
test (a file on SQLite, a database of its own on the session's PostgreSQL server), which the
test brings to the revision before the one it checks, fills with old rows, then upgrades."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from kluis import db
from pgserver import PostgresServer


def store_engine(backend: str, tmp_path: Path, request: pytest.FixtureRequest, name: str) -> Engine:
    """An engine on an empty store; ``name`` is the PostgreSQL database, one a test module."""
    if backend == "sqlite":
        return db.make_engine(f"sqlite:///{tmp_path / 'data.db'}")
    pg: PostgresServer = request.getfixturevalue("pg")
    pg.create_database(name)
    return db.make_engine(pg.url(name))
