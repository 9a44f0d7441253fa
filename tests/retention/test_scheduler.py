"""The schedule's job: ``run_once`` runs the sweep and the re-confirmation mailing; on
PostgreSQL a second process finds the advisory lock taken and skips its round. The job queue
that runs it once per slot is tested in ``tests/jobs``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from conftest import ADMIN, NOW
from factories import add_person
from kluis.audit import service as audit
from kluis.messaging.service import TransportFactory
from kluis.retention import scheduler, service
from kluis.runtime import Kluis
from mailserver import MailServer

Grant = Callable[..., int]

ASK = datetime.combine(date(2028, 2, 20), NOW.timetz())


def population(kluis: Kluis, grant: Grant) -> tuple[str, str]:
    """A prospect due for erasure at ASK, and a subscriber due for re-confirmation."""
    due = add_person(kluis, ADMIN, NOW, 1, relationship="prospect", purposes=("sales_follow_up",))
    subscriber = add_person(
        kluis, ADMIN, NOW, 2, relationship="prospect", purposes=("email_marketing",), phone=None
    )
    grant(subscriber, NOW)
    return due, subscriber


def test_run_once_runs_the_sweep_and_the_mailing(
    kluis: Kluis, grant: Grant, smtp: MailServer, transport: TransportFactory
) -> None:
    due, _subscriber = population(kluis, grant)
    assert scheduler.run_once(kluis, ASK, transport)
    assert kluis.vault.erased([due])
    [mail] = smtp.received
    assert mail["To"] == "fenna.brouwersma2@example.com"
    assert scheduler.run_once(kluis, ASK + timedelta(days=1), transport)
    assert len(smtp.received) == 1


def test_without_mail_set_up_the_schedule_only_sweeps(kluis: Kluis, grant: Grant) -> None:
    due, _subscriber = population(kluis, grant)
    assert scheduler.run_once(kluis, ASK)
    assert kluis.vault.erased([due])


def test_a_second_process_skips_while_the_first_holds_the_lock(
    kluis: Kluis, backend: str, grant: Grant, smtp: MailServer, transport: TransportFactory
) -> None:
    if backend != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite serves one process")
    due, _subscriber = population(kluis, grant)
    before = len(audit.list_entries(kluis.engine, limit=100_000))
    with kluis.engine.connect() as other:
        assert other.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": scheduler.LOCK_KEY})
        other.commit()
        assert not scheduler.run_once(kluis, ASK, transport)
        assert not kluis.vault.erased([due])
        assert smtp.received == []
        assert len(audit.list_entries(kluis.engine, limit=100_000)) == before
        other.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": scheduler.LOCK_KEY})
        other.commit()
    assert scheduler.run_once(kluis, ASK, transport)
    assert kluis.vault.erased([due])
    # the lock is given back after a round, so the next round runs too
    with kluis.engine.connect() as other:
        assert other.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": scheduler.LOCK_KEY})
        other.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": scheduler.LOCK_KEY})
        other.commit()


def test_two_rounds_at_once_on_postgresql_run_the_jobs_once(
    kluis: Kluis, backend: str, grant: Grant, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite serves one process")
    population(kluis, grant)
    inside = threading.Event()
    release = threading.Event()
    runs: list[datetime] = []

    def slow_jobs(k: Kluis, now: datetime, transport: object = None) -> dict[str, object]:
        runs.append(now)
        inside.set()
        assert release.wait(60)
        return {"sweep": service.sweep(k, now)}

    monkeypatch.setattr(service, "run_jobs", slow_jobs)
    results: list[bool] = []
    first = threading.Thread(target=lambda: results.append(scheduler.run_once(kluis, ASK)))
    first.start()
    assert inside.wait(60)
    assert not scheduler.run_once(kluis, ASK)
    release.set()
    first.join(60)
    assert results == [True]
    assert runs == [ASK]
