"""An import's progress is read without SQLite's write lock: while a batch is being written
(the importer holds the lock for the whole batch), the import page, the API and a watching
command read the last committed position at once instead of waiting ``busy_timeout`` and
failing with "database is locked"."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from conftest import ADMIN, NOW
from kluis.runtime import Kluis
from kluis.transfer import pipeline, repository
from kluis.transfer.job import ImportOptions
from transfer.helpers import write


def test_progress_is_read_while_a_batch_holds_the_write_lock(kluis: Kluis, tmp_path: Path) -> None:
    if kluis.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL readers never wait for writers")
    path = write(tmp_path / "klanten.csv", "Voornaam;E-mail\r\nFenna;fenna@example.com\r\n")
    options = ImportOptions(purposes=("customer_service",))
    report = pipeline.run_import(kluis, ADMIN, path, options, NOW)
    assert report.counts.created == 1
    with kluis.engine.connect() as writer:
        writer.execute(text("UPDATE audit_head SET seq = seq"))  # holds the write lock
        [job] = repository.list_jobs(kluis.engine)
        assert repository.get_job(kluis.engine, job.id).position == job.position > 0
        writer.rollback()
