"""``/healthz`` and ``/readyz``: no sign-in, no details beyond the names of failing checks; each
failure made for real (a store that cannot be opened, a store behind its migrations, a master key
that does not open the keyring)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from api_helpers import anonymous_client
from conftest import ADMIN, NOW
from factories import add_person
from kluis import db
from kluis.jobs import queue
from kluis.ops import health, metrics
from kluis.runtime import Kluis
from kluis.vault.keys import derive_keys
from kluis.vault.service import Vault


@pytest.fixture(autouse=True)
def queue_prepared(kluis: Kluis) -> None:
    """The job queue ready as ``kluis init`` and ``kluis serve`` leave it (on PostgreSQL:
    procrastinate's tables)."""
    queue.prepare(kluis)


def test_healthz_answers_without_sign_in(kluis: Kluis) -> None:
    with anonymous_client(kluis) as client:
        answer = client.get("/healthz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
    assert answer.headers["cache-control"] == "no-store"


def test_a_kluis_with_its_stores_up_to_date_is_ready(kluis: Kluis) -> None:
    add_person(kluis, ADMIN, NOW)
    with anonymous_client(kluis) as client:
        answer = client.get("/readyz")
    assert (answer.status_code, answer.json()) == (200, {"status": "ready"})


def test_an_unreachable_data_store_is_named_and_nothing_more(kluis: Kluis, tmp_path: Path) -> None:
    broken = Kluis(
        kluis.settings,
        db.make_engine(f"sqlite:///{tmp_path}/no-such-directory/kluis.db"),
        kluis.vault,
    )
    with anonymous_client(broken) as client:
        answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {
        "status": "not ready",
        "failing": ["data_store", "migrations", "job_queue"],
    }


def test_a_store_behind_its_migrations_is_not_ready(kluis: Kluis) -> None:
    [head] = db.heads("data")
    with kluis.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'd0001_older'"))
    try:
        assert health.failing(kluis) == ["migrations"]
        with anonymous_client(kluis) as client:
            answer = client.get("/readyz")
    finally:
        with kluis.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert answer.status_code == 503
    assert answer.json() == {"status": "not ready", "failing": ["migrations"]}


def test_a_master_key_that_does_not_open_the_keyring_is_not_ready(kluis: Kluis) -> None:
    add_person(kluis, ADMIN, NOW)
    other = derive_keys(bytes(range(32)))
    wrong = Kluis(kluis.settings, kluis.engine, Vault(kluis.vault.engine, other))
    assert health.failing(wrong) == ["master_key"]


def test_an_added_check_is_run_and_named() -> None:
    checks = [*health.CHECKS[:0], health.Check("job_queue", lambda _k: False)]
    assert health.failing(None, checks) == ["job_queue"]  # type: ignore[arg-type]


def test_readiness_and_metrics_do_not_wait_for_a_writer_on_sqlite(kluis: Kluis) -> None:
    """A long write (an import's batch) holds SQLite's write lock; probes and scrapes only read
    and must not queue behind it (they would wait busy_timeout, then fail)."""
    if kluis.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL readers never wait for writers")
    add_person(kluis, ADMIN, NOW)
    with kluis.engine.connect() as writer:
        writer.execute(text("UPDATE audit_head SET seq = seq"))  # holds the write lock
        assert health.failing(kluis) == []
        assert b"kluis_audit_chain_length" in metrics.exposition(kluis, NOW)
        writer.rollback()
