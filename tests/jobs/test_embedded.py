"""The embedded worker (``kluis serve`` on SQLite) runs the slices' jobs from the ``jobs``
table: a campaign queued by a request, the schedule once per slot, a failing job retried after
a back-off and then left ``failed``, and a stop between two messages that leaves nothing half
done. In-process, on SQLite and PostgreSQL alike (the table works on both)."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import NOW
from job_helpers import customers, queued_campaign, recipients, transport_to
from kluis.jobs import Job, JobContext, Registry, queue, rules, store
from kluis.jobs.embedded import EmbeddedWorker
from kluis.jobs.tables import JobRow
from kluis.messaging import campaigns
from kluis.messaging.transport import SmtpTransport
from kluis.runtime import Kluis
from kluis.slices import jobs
from mailserver import MailServer

OTHER_PERIODIC = (
    "backup.daily",
    "connected.deliver",
    "post.expire_files",
    "privacy.verifications_expire",
    "requests.final_certificates",
    "tasks.reminders",
)
"""Periodic jobs these tests leave out: each runs in its own slot, tested with its slice."""


def worker(kluis: Kluis, smtp: MailServer | None = None, at: object = NOW) -> EmbeddedWorker:
    return EmbeddedWorker(
        kluis,
        Registry([j for j in jobs() if j.name not in OTHER_PERIODIC]),
        clock=lambda: at,  # type: ignore[arg-type,return-value]
        transport=(lambda: transport_to(smtp)) if smtp else None,
    )


def statuses(kluis: Kluis) -> list[tuple[str, str]]:
    with kluis.engine.connect() as conn:
        return [(r.name, r.status) for r in conn.execute(select(JobRow).order_by(JobRow.id))]


def test_a_queued_campaign_is_sent_by_the_worker(kluis: Kluis, smtp: MailServer) -> None:
    people = customers(kluis, 3)
    campaign = queued_campaign(kluis, smtp, 100_000, table=True)
    assert smtp.received == []
    assert worker(kluis, smtp).drain() == 2  # the campaign and the first scheduled run
    assert campaigns.get_campaign(kluis, campaign).status == "sent"
    assert len(recipients(smtp)) == len(people)
    assert max(recipients(smtp).values()) == 1
    assert ("campaigns.send", "done") in statuses(kluis)


def test_a_stop_between_two_messages_requeues_and_the_next_worker_resumes(
    kluis: Kluis, smtp: MailServer
) -> None:
    customers(kluis, 6)
    campaign = queued_campaign(kluis, smtp, 100_000, table=True)
    first = worker(kluis)

    class Stopping(SmtpTransport):
        def send(self, message: object) -> None:
            super().send(message)  # type: ignore[arg-type]
            if len(smtp.received) == 2:
                first.stopping.set()

    first.transport = lambda: Stopping(transport_to(smtp).config)
    first.drain()
    stopped = campaigns.get_campaign(kluis, campaign)
    assert stopped.status == "sending"
    assert stopped.counts["sent"] == 2
    assert stopped.counts.get("sending", 0) == 0
    assert ("campaigns.send", "queued") in statuses(kluis)
    worker(kluis, smtp).drain()
    done = campaigns.get_campaign(kluis, campaign)
    assert done.status == "sent"
    assert done.counts["sent"] == 6
    assert len(smtp.received) == 6
    assert max(recipients(smtp).values()) == 1


def test_the_schedule_runs_once_per_slot_however_many_workers(
    kluis: Kluis, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="kluis.retention.scheduler"):
        assert worker(kluis).drain() == 1
        assert worker(kluis, at=NOW + timedelta(hours=1)).drain() == 0
        assert worker(kluis, at=NOW + timedelta(days=1)).drain() == 1
    lines = [r.getMessage() for r in caplog.records if r.name == "kluis.retention.scheduler"]
    assert len(lines) == 2
    assert all(line.startswith("scheduled jobs done: ") for line in lines)
    assert "0 people seen" not in lines[0] or "erased" in lines[0]


def test_no_schedule_when_its_hours_are_zero(kluis: Kluis) -> None:
    kluis.settings.schedule_hours = 0
    assert worker(kluis).drain() == 0


def failing(context: JobContext, n: int) -> None:
    raise RuntimeError(f"secret value {n}")


def test_a_failing_job_is_retried_after_a_backoff_then_failed(kluis: Kluis) -> None:
    registry = Registry([Job("test.fails", failing, max_attempts=2)])
    store.enqueue(kluis.engine, "test.fails", {"n": 7}, NOW)
    kluis.settings.schedule_hours = 0
    EmbeddedWorker(kluis, registry, clock=lambda: NOW).drain()
    assert store.counts(kluis.engine, NOW)["queued"] == 1
    assert EmbeddedWorker(kluis, registry, clock=lambda: NOW).drain() == 0
    later = NOW + rules.backoff(1)
    EmbeddedWorker(kluis, registry, clock=lambda: later).drain()
    with kluis.engine.connect() as conn:
        row = conn.execute(select(JobRow)).one()
    assert (row.status, row.attempts, row.failures) == ("failed", 2, 2)
    assert row.error == "RuntimeError"


def test_job_arguments_must_be_plain_json(kluis: Kluis) -> None:
    with pytest.raises(TypeError):
        queue.enqueue(kluis, "campaigns.send", {"when": NOW}, NOW)


def test_a_job_whose_worker_keeps_dying_ends_failed(kluis: Kluis) -> None:
    registry = Registry([Job("test.fails", failing, max_attempts=2)])
    store.enqueue(kluis.engine, "test.fails", {"n": 1}, NOW)
    at = NOW
    for _ in range(2):  # claimed, then the process dies
        assert store.claim(kluis.engine, "dying", at) is not None
        at += rules.LEASE + timedelta(seconds=1)
    kluis.settings.schedule_hours = 0
    EmbeddedWorker(kluis, registry, clock=lambda: at).drain()
    with kluis.engine.connect() as conn:
        row = conn.execute(select(JobRow)).one()
    assert (row.status, row.failures, row.error) == ("failed", 2, "WorkerDied")
