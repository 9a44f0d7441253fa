"""d0019_lists on a store with people in it: the owner columns are added in place, so no row of
``people``, ``companies`` or a table that points at them (ON DELETE CASCADE / SET NULL) is lost
or cleared, and the new foreign keys hold (a removed user leaves people unowned), on SQLite
and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from kluis import db
from migration_helpers import store_engine

AT = "2026-01-02 03:04:05"


def test_owners_are_added_without_losing_or_clearing_a_row(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    engine = store_engine(backend, tmp_path, request, "kluis_owner_migration")
    try:
        db.upgrade(engine, "data", "d0018")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO companies (id, name, created_at, updated_at) "
                    "VALUES (1, 'Tuinhuis BV', :at, :at)"
                ),
                {"at": AT},
            )
            conn.execute(
                text(
                    "INSERT INTO people (id, relationship, language, company_id, created_at, "
                    "updated_at, last_interaction_at) VALUES ('p1', 'customer', 'nl', 1, :at, "
                    ":at, :at)"
                ),
                {"at": AT},
            )
            conn.execute(
                text(
                    "INSERT INTO person_flags (person_id, objected, restricted) "
                    "VALUES ('p1', true, false)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO users (id, email, password_hash, role, must_change_password, "
                    "active, created_at, failed_sign_ins, language) VALUES (7, "
                    "'sanne@example.com', 'x', 'sales', false, true, :at, 0, 'nl')"
                ),
                {"at": AT},
            )
        db.upgrade(engine, "data")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT company_id FROM people")).scalar_one() == 1
            assert conn.execute(text("SELECT count(*) FROM person_flags")).scalar_one() == 1
            conn.execute(text("UPDATE people SET owner_id = 7"))
            conn.execute(text("UPDATE companies SET owner_id = 7"))
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM users WHERE id = 7"))
        with engine.begin() as conn:
            assert conn.execute(text("SELECT owner_id FROM people")).scalar_one() is None
            assert conn.execute(text("SELECT owner_id FROM companies")).scalar_one() is None
            assert conn.execute(text("SELECT count(*) FROM people")).scalar_one() == 1
        if backend == "sqlite":
            with engine.connect() as conn:
                assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
                assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
    finally:
        engine.dispose()
