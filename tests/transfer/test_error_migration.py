"""d0024_words: an import job's ``error`` stored before jobs kept their refusal as a message id
and values. An exception's class name becomes the message that the import stopped (said in
Dutch on a page); any other text is left as it was; the downgrade drops the new column and
``error`` never changes. On both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from kluis import db, errors
from kluis.transfer.rules.notes import STOPPED
from kluis.ui import staff
from migration_helpers import store_engine

OLD = {1: "OperationalError", 2: "cannot read /tmp/a.csv: gone", 3: None}


def test_an_old_error_is_read_back_where_it_can_be(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    engine = store_engine(backend, tmp_path, request, "kluis_import_error_migration")
    try:
        db.upgrade(engine, "data", "d0023_words")
        with engine.begin() as conn:
            for number, error in OLD.items():
                conn.execute(
                    text(
                        "INSERT INTO import_jobs (id, key, file_sha256, format, options, status, "
                        "position, created, merged, skipped, rejected, suppressed, consents, "
                        "blank, rejects, skips, rejects_offset, error, created_by, started_at, "
                        "updated_at) VALUES (:id, :key, 'x', 'csv', '{}', 'failed', 0, 0, 0, 0, "
                        "0, 0, 0, 0, '[]', '[]', 0, :error, 'admin', '2026-01-05 12:00:00', "
                        "'2026-01-05 12:00:00')"
                    ),
                    {"id": number, "key": f"k{number}", "error": error},
                )
        db.upgrade(engine, "data", "d0024_words")
        with engine.connect() as conn:
            rows = {
                row.id: (row.error, row.error_said)
                for row in conn.execute(text("SELECT id, error, error_said FROM import_jobs"))
            }
        assert {number: error for number, (error, _said) in rows.items()} == OLD
        said = rows[1][1]
        if isinstance(said, str):  # SQLite's JSON through a plain SELECT
            said = json.loads(said)
        assert said["msgid"] == STOPPED
        dutch = staff.error_text("nl", errors.restored(said))
        assert dutch.startswith("De import is gestopt door een onverwachte fout (OperationalError)")
        assert rows[2][1] is None
        assert rows[3][1] is None
        db.downgrade(engine, "data", "d0023_words")
        with engine.connect() as conn:
            back = dict(conn.execute(text("SELECT id, error FROM import_jobs")).all())
        assert back == OLD
        db.upgrade(engine, "data", "d0024_words")
    finally:
        engine.dispose()
