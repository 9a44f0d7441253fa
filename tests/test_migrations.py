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


def test_person_index_keeps_its_rows_when_it_loses_its_rowid(tmp_path: Path) -> None:
    """d0011 copies the blind index into a WITHOUT ROWID table on SQLite; every row survives
    the copy both ways, and erasing a person still removes theirs (the foreign key holds)."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'data.db'}")
    person = "01a229b1-d2c6-7003-8619-62820c07c7c5"
    rows = [("email", bytes([n]) * 16, person) for n in range(3)]
    try:
        db.upgrade(engine, "data", "d0010")
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO people (id, relationship, language, created_at, updated_at, "
                "last_interaction_at) VALUES (?, 'customer', 'nl', '2026-01-05 12:00:00.000000', "
                "'2026-01-05 12:00:00.000000', '2026-01-05 12:00:00.000000')",
                (person,),
            )
            conn.exec_driver_sql("INSERT INTO person_index VALUES (?, ?, ?)", rows)

        def state() -> tuple[list[tuple[str, bytes, str]], str]:
            with engine.connect() as conn:
                found = conn.exec_driver_sql("SELECT * FROM person_index ORDER BY digest").all()
                sql = conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE name = 'person_index'"
                ).scalar_one()
            return [tuple(r) for r in found], str(sql)

        db.upgrade(engine, "data", "d0011")
        found, sql = state()
        assert found == rows
        assert sql.endswith("WITHOUT ROWID")
        db.downgrade(engine, "data", "d0010")
        found, sql = state()
        assert found == rows
        assert "WITHOUT ROWID" not in sql
        db.upgrade(engine, "data")
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM people WHERE id = ?", (person,))
        assert state()[0] == []
    finally:
        engine.dispose()
