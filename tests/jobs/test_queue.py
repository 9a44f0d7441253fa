"""Queueing from a request on a server (no inline runner): the API's import upload waits in
the queue until a worker runs it, then its upload is gone; on PostgreSQL procrastinate's queue
is reachable and counted. ``kluis worker --until-empty`` drains the SQLite queue."""

from __future__ import annotations

import pytest

from api_helpers import client_for
from cli_helpers import ok
from conftest import NOW
from job_helpers import customers, queued_campaign
from kluis.jobs import Registry, job_counts, queue_reachable, store
from kluis.jobs.embedded import EmbeddedWorker
from kluis.messaging import campaigns
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.slices import jobs
from mailserver import MailServer

PEOPLE = (
    "Voornaam,Achternaam,E-mail,Telefoon\n"
    "Fleur,Smit,fleur@example.com,0612340001\n"
    "Joris,Meijer,joris@example.com,0612340002\n"
)


def test_an_uploaded_import_waits_for_the_worker(kluis: Kluis, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("a PostgreSQL server queues to procrastinate: tests/jobs/test_processes.py")
    client = client_for(kluis, "admin")
    client.app.state.jobs_inline = None  # type: ignore[attr-defined]  # as `kluis serve`
    files = {"file": ("klanten.csv", PEOPLE.encode(), "text/csv")}
    answer = client.post("/api/v1/imports", files=files, data={"purpose": ["customer_service"]})
    assert answer.status_code == 202, answer.text
    assert client.get(answer.headers["Location"]).json()["status"] == "queued"
    uploads = list((kluis.settings.data_dir / "uploads").glob("import-*/upload.csv"))
    assert len(uploads) == 1
    assert job_counts(kluis, NOW)["queued"] == 1
    EmbeddedWorker(kluis, Registry(jobs()), clock=lambda: NOW).drain()
    job = client.get(answer.headers["Location"]).json()
    assert (job["status"], job["created"]) == ("done", 2)
    assert not uploads[0].exists()
    assert job_counts(kluis, NOW) == {"queued": 0, "running": 0, "failed": 0}


def test_the_postgresql_queue_is_reachable_and_counted(
    kluis: Kluis, backend: str, empty_queue: None, smtp: MailServer
) -> None:
    if backend != "postgresql":
        assert queue_reachable(kluis)
        return
    customers(kluis, 1)
    queued_campaign(kluis, smtp, 100_000)  # applies procrastinate's schema if missing
    assert queue_reachable(kluis)
    assert job_counts(kluis)["queued"] >= 1


def test_kluis_worker_until_empty_drains_the_sqlite_queue(
    kluis_env: Settings,
    kluis: Kluis,
    backend: str,
    smtp: MailServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if backend != "sqlite":
        pytest.skip("on PostgreSQL `kluis worker` is procrastinate's: test_processes.py")
    customers(kluis, 2)
    campaign = queued_campaign(kluis, smtp, 100_000, table=True)
    monkeypatch.setenv("KLUIS_SMTP_URL", smtp.url)
    monkeypatch.setenv("KLUIS_SCHEDULE_HOURS", "0")
    ok("worker", "--until-empty", quiet=False)
    assert campaigns.get_campaign(kluis, campaign).status == "sent"
    assert len(smtp.received) == 2
    assert store.counts(kluis.engine, NOW)["queued"] == 0
