"""Migrations are checked (STYLE.md habit 9): upgrade, downgrade, upgrade again, and the
database then matches the models exactly, on SQLite and PostgreSQL, for both stores."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect

import kluis.models  # noqa: F401
from kluis import db
from kluis.contacts import repository as contacts_repo
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
        db.upgrade(engine, "data", "d0016")  # d0017_bulk drops the foreign key
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM people WHERE id = ?", (person,))
        assert state()[0] == []
    finally:
        engine.dispose()


def test_each_person_lists_their_index_rows_after_d0017(tmp_path: Path) -> None:
    """d0017_bulk fills each person's list of their blind-index rows from the index by person
    before dropping it, and erasing them then removes every row; downgrading brings the index
    and the foreign key back with every row."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'data.db'}")
    people = ["01a229b1-d2c6-7003-8619-62820c07c7c5", "01a229b1-d2c6-7003-8619-62820c07c7c6"]
    rows = [(f, bytes([n]) * 16, p) for p in people for n, f in enumerate(("email", "name"))]
    try:
        db.upgrade(engine, "data", "d0016")
        with engine.begin() as conn:
            for person in people:
                conn.exec_driver_sql(
                    "INSERT INTO people (id, relationship, language, created_at, updated_at, "
                    "last_interaction_at) VALUES (?, 'customer', 'nl', "
                    "'2026-01-05 12:00:00.000000', '2026-01-05 12:00:00.000000', "
                    "'2026-01-05 12:00:00.000000')",
                    (person,),
                )
            conn.exec_driver_sql("INSERT INTO person_index VALUES (?, ?, ?)", rows)
        db.upgrade(engine, "data", "d0017_bulk")
        with engine.connect() as conn:
            held = contacts_repo.index_digests_of(conn, people, ["email", "name"])
        assert sorted(held) == sorted((p, f, d) for f, d, p in rows)

        def purposes_sql() -> str:
            with engine.connect() as conn:
                return str(
                    conn.exec_driver_sql(
                        "SELECT sql FROM sqlite_master WHERE name = 'person_purposes'"
                    ).scalar_one()
                )

        assert purposes_sql().endswith("WITHOUT ROWID")
        db.downgrade(engine, "data", "d0016")
        assert "WITHOUT ROWID" not in purposes_sql()
        db.upgrade(engine, "data", "d0017_bulk")
        with engine.begin() as conn:
            assert contacts_repo.delete_people(conn, people[:1]) == 1
            left = conn.exec_driver_sql("SELECT * FROM person_index ORDER BY person_id").all()
        assert [tuple(r) for r in left] == [r for r in rows if r[2] == people[1]]
    finally:
        engine.dispose()


@pytest.mark.parametrize("store", ["data", "keyring"])
def test_the_heads_read_from_the_scripts_are_alembics(store: str) -> None:
    """``db.heads`` reads the scripts' text so an opening need not load Alembic; it must name
    the revisions Alembic itself would upgrade to."""
    config = db._alembic_config(store)
    assert db.heads(store) == frozenset(ScriptDirectory.from_config(config).get_heads())


def test_a_store_is_migrated_only_while_it_is_behind(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'data.db'}")
    try:
        with engine.connect() as conn:
            assert db.stored_revisions(conn) == frozenset()
            assert db.current_revision(conn) is None
        db.upgrade(engine, "data", "d0010")
        with engine.connect() as conn:
            assert db.current_revision(conn) == "d0010"
        db.upgrade(engine, "data")
        with engine.connect() as conn:
            assert db.stored_revisions(conn) == db.heads("data")
        db.upgrade(engine, "data")  # at the head: nothing to do, and nothing breaks
        with engine.connect() as conn:
            assert db.stored_revisions(conn) == db.heads("data")
    finally:
        engine.dispose()


def test_opening_an_up_to_date_store_loads_no_alembic(tmp_path: Path) -> None:
    """Nearly every command opens stores that are up to date: that costs no Alembic, no Mako
    and no table module the command does not use (a command's start-up, issue 15)."""
    env = {**os.environ, "KLUIS_DATA_DIR": str(tmp_path / "data")}
    run = [sys.executable, "-c"]
    subprocess.run(
        [*run, "from kluis.cli import main; main()", "init"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    script = (
        "import sys\n"
        "from kluis.opening import open_kluis\n"
        "from kluis.settings import Settings\n"
        "open_kluis(Settings()).close()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'mako'}))\n"
    )
    done = subprocess.run(
        [*run, script], env=env, check=True, capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
