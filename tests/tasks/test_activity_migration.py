"""d0023_crm on a store with tasks in it: a task whose ``activity_id`` names no activity (the
API took any text before) keeps its row with the link cleared, a real link is kept, and from
then on deleting an activity unlinks its tasks (ON DELETE SET NULL); on SQLite and
PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from kluis import db
from migration_helpers import store_engine

AT = "2026-01-02 03:04:05"


def test_dangling_links_are_cleared_and_real_ones_kept(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    engine = store_engine(backend, tmp_path, request, "kluis_task_activity_migration")
    try:
        db.upgrade(engine, "data", "d0022_reqmsgid")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, password_hash, role, must_change_password, "
                    "active, created_at, failed_sign_ins, language) VALUES (7, "
                    "'sanne@example.com', 'x', 'service', false, true, :at, 0, 'nl')"
                ),
                {"at": AT},
            )
            conn.execute(
                text(
                    "INSERT INTO people (id, relationship, language, created_at, updated_at, "
                    "last_interaction_at) VALUES ('p1', 'customer', 'nl', :at, :at, :at)"
                ),
                {"at": AT},
            )
            conn.execute(
                text(
                    "INSERT INTO purposes (key, name_en, name_nl, description_en, "
                    "description_nl, lawful_basis, legitimate_interest, data_categories, "
                    "data_use, data_subjects, retention, retention_anchor, recipients, "
                    "transfers, roles, covers_everyone, created_at, updated_at) VALUES "
                    "('customer_service', 'n', 'n', 'd', 'd', 'contract', NULL, '[]', "
                    "'service', '[]', 'P1Y', 'collection', '[]', '[]', '[]', false, :at, :at)"
                ),
                {"at": AT},
            )
            conn.execute(
                text(
                    "INSERT INTO person_purposes (person_id, purpose_key, collected_at) "
                    "VALUES ('p1', 'customer_service', :at)"
                ),
                {"at": AT},
            )
            conn.execute(
                text(
                    "INSERT INTO activities (id, person_id, purpose_key, type, occurred_at, "
                    "scheduled, author, author_role, subject, created_at, updated_at) VALUES "
                    "('a1', 'p1', 'customer_service', 'call', :at, false, 'user:7', 'service', "
                    ":subject, :at, :at)"
                ),
                {"at": AT, "subject": b"sealed"},
            )
            for task, activity in (("t1", "a1"), ("t2", "not-an-activity")):
                conn.execute(
                    text(
                        "INSERT INTO tasks (id, title, due_on, priority, assignee_id, "
                        "created_at, updated_at, activity_id) VALUES (:id, 'Bel terug', "
                        "'2026-01-03', 'normal', 7, :at, :at, :activity)"
                    ),
                    {"id": task, "activity": activity, "at": AT},
                )
        db.upgrade(engine, "data")
        with engine.begin() as conn:
            found = conn.execute(text("SELECT id, activity_id FROM tasks ORDER BY id")).all()
            assert [tuple(r) for r in found] == [("t1", "a1"), ("t2", None)]
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM activities WHERE id = 'a1'"))
        with engine.begin() as conn:
            found = conn.execute(text("SELECT id, activity_id FROM tasks ORDER BY id")).all()
            assert [tuple(r) for r in found] == [("t1", None), ("t2", None)]
        if backend == "sqlite":
            with engine.connect() as conn:
                assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
    finally:
        engine.dispose()
