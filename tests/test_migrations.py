"""Migrations are checked (STYLE.md habit 9): upgrade, downgrade, upgrade again, and the
database then matches the models exactly, on SQLite and PostgreSQL, for both stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, inspect

import kluis.models  # noqa: F401
from kluis import db
from kluis.db import DataBase, KeyringBase
from kluis.migrations.env_common import render_item
from pgserver import PostgresServer

STORES = [("data", DataBase.metadata), ("keyring", KeyringBase.metadata)]


def _url(backend: str, store: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / f'{store}.db'}"
    pg: PostgresServer = request.getfixturevalue("pg")
    name = f"kluis_migrations_{store}"
    pg.create_database(name)
    return pg.url(name)


@pytest.mark.parametrize(("store", "metadata"), STORES, ids=[s for s, _ in STORES])
def test_upgrade_downgrade_upgrade_matches_models(
    backend: str,
    store: str,
    metadata: MetaData,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    engine = db.make_engine(_url(backend, store, tmp_path, request))
    try:
        db.upgrade(engine, store)
        db.downgrade(engine, store, "base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        db.upgrade(engine, store)
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "render_item": render_item}
            )
            differences = compare_metadata(context, metadata)
            assert differences == []
            assert db.current_revision(conn) is not None
    finally:
        engine.dispose()
