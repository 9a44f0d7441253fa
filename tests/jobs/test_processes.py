"""Real processes and real signals (issue 16): a campaign sending from ``kluis serve``'s job
thread (SQLite) or a ``kluis worker`` (PostgreSQL) to an SMTP server in this process, stopped
with SIGTERM or killed with kill -9 halfway, then started again. Every recipient gets the
campaign at most once, and exactly once when nothing was cut off mid-handover; SIGTERM ends the
process within 10 seconds.

A killed process cannot give up what it held, so after kill -9 the test moves the two leases
into the past (the job's, 60 s; the campaign sender's claim, 2 min) instead of waiting them out:
that is what the time would do.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text, update

from api_helpers import token_for
from conftest import MARKETING, NOW
from job_helpers import SPRING, customers, queued_campaign, recipients
from kluis.db import utcnow
from kluis.jobs import rules
from kluis.messaging import campaigns
from kluis.messaging.tables import Campaign
from kluis.runtime import Kluis
from kluis.settings import Settings
from mailserver import MailServer

PEOPLE = 24
RATE = 600  # a message every 0.1 s: the campaign takes a few seconds, long enough to cut


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(what: str, done: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.05)


class Process:
    """``python -m kluis ARGS`` with the test's Kluis and mail server in its environment."""

    def __init__(self, args: list[str], smtp: MailServer, log: Path) -> None:
        env = {**os.environ, "KLUIS_SMTP_URL": smtp.url, "KLUIS_SCHEDULE_HOURS": "0"}
        self.log = log
        with log.open("ab") as out:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "kluis", *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )

    def signal(self, sig: int) -> float:
        """Send ``sig`` and return the seconds until the process ended."""
        started = time.monotonic()
        self.popen.send_signal(sig)
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        return time.monotonic() - started

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.signal(signal.SIGKILL)


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        process.stop()


def serve(smtp: MailServer, tmp_path: Path, started: list[Process]) -> tuple[Process, str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = Process(["serve", "--port", str(port)], smtp, tmp_path / "serve.log")
    started.append(process)

    def up() -> bool:
        assert process.popen.poll() is None, process.log.read_text()
        try:
            httpx.get(f"{url}/signup", timeout=2)
        except httpx.TransportError:
            return False
        return True

    _wait("kluis serve to answer", up)
    return process, url


def send_through_the_api(kluis: Kluis, url: str) -> int:
    made = campaigns.create_campaign(kluis, MARKETING, SPRING | {"rate_per_minute": RATE}, NOW)
    bearer = token_for(kluis, "marketing", now=NOW)
    answer = httpx.post(
        f"{url}/api/v1/campaigns/{made.id}/send",
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=30,
    )
    assert answer.status_code == 202, answer.text
    return made.id


def counts(kluis: Kluis, campaign: int) -> dict[str, int]:
    return campaigns.get_campaign(kluis, campaign).counts


def lapse_the_campaign_claim(kluis: Kluis, campaign: int) -> None:
    with kluis.engine.begin() as conn:
        conn.execute(
            update(Campaign)
            .where(Campaign.id == campaign)
            .values(sender_until=utcnow() - timedelta(seconds=1))
        )


def assert_everyone_once(kluis: Kluis, campaign: int, smtp: MailServer) -> None:
    view = campaigns.get_campaign(kluis, campaign)
    assert view.status == "sent"
    got = recipients(smtp)
    assert max(got.values()) == 1, "someone got the campaign twice"
    assert view.counts["sent"] == len(smtp.received)
    assert view.counts["sent"] + view.counts.get("interrupted", 0) == PEOPLE


def sqlite_only(backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("on PostgreSQL the server runs no jobs: `kluis worker` does (below)")


def postgres_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("`kluis worker` with procrastinate is PostgreSQL's")


# kluis serve on SQLite ----------------------------------------------------------------------------


def test_sigterm_stops_the_server_within_10_s_mid_campaign_and_a_restart_finishes_it(
    kluis_env: Settings,
    kluis: Kluis,
    backend: str,
    smtp: MailServer,
    tmp_path: Path,
    processes: list[Process],
) -> None:
    sqlite_only(backend)
    customers(kluis, PEOPLE)
    server, url = serve(smtp, tmp_path, processes)
    campaign = send_through_the_api(kluis, url)
    _wait("the first mails", lambda: len(smtp.received) >= 5)
    assert server.signal(signal.SIGTERM) < rules.STOP_WITHIN
    stopped = counts(kluis, campaign)
    assert 5 <= stopped["sent"] < PEOPLE
    assert stopped.get("sending", 0) == 0
    assert stopped["sent"] == len(smtp.received)
    serve(smtp, tmp_path, processes)
    _wait("the status", lambda: campaigns.get_campaign(kluis, campaign).status == "sent")
    assert_everyone_once(kluis, campaign, smtp)
    assert len(smtp.received) == PEOPLE


def test_kill_9_of_the_server_mid_campaign_mails_nobody_twice(
    kluis_env: Settings,
    kluis: Kluis,
    backend: str,
    smtp: MailServer,
    tmp_path: Path,
    processes: list[Process],
) -> None:
    sqlite_only(backend)
    customers(kluis, PEOPLE)
    server, url = serve(smtp, tmp_path, processes)
    campaign = send_through_the_api(kluis, url)
    _wait("the first mails", lambda: len(smtp.received) >= 5)
    server.signal(signal.SIGKILL)
    assert len(smtp.received) < PEOPLE
    with kluis.engine.begin() as conn:
        conn.execute(text("UPDATE jobs SET lease_until = :past"), {"past": NOW})
    lapse_the_campaign_claim(kluis, campaign)
    serve(smtp, tmp_path, processes)
    _wait("the status", lambda: campaigns.get_campaign(kluis, campaign).status == "sent")
    assert_everyone_once(kluis, campaign, smtp)


# kluis worker on PostgreSQL -----------------------------------------------------------------------


@pytest.fixture
def empty_queue(kluis: Kluis, backend: str) -> None:
    """procrastinate's tables outlive the test's own (the fixture empties Kluis' tables)."""
    if backend != "postgresql":
        return
    with kluis.engine.begin() as conn:
        if conn.scalar(text("SELECT to_regclass('procrastinate_jobs')")) is not None:
            conn.execute(
                text(
                    "TRUNCATE procrastinate_jobs, procrastinate_periodic_defers, "
                    "procrastinate_workers, procrastinate_events CASCADE"
                )
            )


def worker(smtp: MailServer, tmp_path: Path, started: list[Process]) -> Process:
    process = Process(["worker"], smtp, tmp_path / "worker.log")
    started.append(process)
    return process


def test_sigterm_stops_a_worker_within_10_s_and_another_worker_resumes(
    kluis_env: Settings,
    kluis: Kluis,
    backend: str,
    empty_queue: None,
    smtp: MailServer,
    tmp_path: Path,
    processes: list[Process],
) -> None:
    postgres_only(backend)
    customers(kluis, PEOPLE)
    first = worker(smtp, tmp_path, processes)
    campaign = queued_campaign(kluis, smtp, RATE, utcnow())
    _wait("the first mails", lambda: len(smtp.received) >= 5)
    assert first.signal(signal.SIGTERM) < rules.STOP_WITHIN
    stopped = counts(kluis, campaign)
    assert 5 <= stopped["sent"] < PEOPLE, first.log.read_text()
    assert stopped.get("sending", 0) == 0
    with kluis.engine.connect() as conn:
        assert conn.scalar(text("SELECT status FROM procrastinate_jobs")) == "todo"
    worker(smtp, tmp_path, processes)
    _wait("the status", lambda: campaigns.get_campaign(kluis, campaign).status == "sent")
    assert_everyone_once(kluis, campaign, smtp)
    assert len(smtp.received) == PEOPLE


def test_kill_9_of_a_worker_mid_campaign_mails_nobody_twice(
    kluis_env: Settings,
    kluis: Kluis,
    backend: str,
    empty_queue: None,
    smtp: MailServer,
    tmp_path: Path,
    processes: list[Process],
) -> None:
    postgres_only(backend)
    customers(kluis, PEOPLE)
    first = worker(smtp, tmp_path, processes)
    campaign = queued_campaign(kluis, smtp, RATE, utcnow())
    _wait("the first mails", lambda: len(smtp.received) >= 5)
    first.signal(signal.SIGKILL)
    assert len(smtp.received) < PEOPLE
    with kluis.engine.begin() as conn:
        conn.execute(
            text("UPDATE procrastinate_workers SET last_heartbeat = now() - interval '5 minutes'")
        )
    lapse_the_campaign_claim(kluis, campaign)
    worker(smtp, tmp_path, processes)
    _wait("the status", lambda: campaigns.get_campaign(kluis, campaign).status == "sent")
    assert_everyone_once(kluis, campaign, smtp)


def test_two_workers_one_killed_mid_campaign_the_other_takes_over(
    kluis_env: Settings,
    kluis: Kluis,
    backend: str,
    empty_queue: None,
    smtp: MailServer,
    tmp_path: Path,
    processes: list[Process],
) -> None:
    """Workers on several machines: the one sending dies, the other one (still running, not
    restarted) finds its job stalled and finishes the campaign."""
    postgres_only(backend)
    customers(kluis, PEOPLE)
    pair = [Process(["worker"], smtp, tmp_path / f"worker-{n}.log") for n in range(2)]
    processes.extend(pair)
    campaign = queued_campaign(kluis, smtp, RATE, utcnow())
    _wait("the first mails", lambda: len(smtp.received) >= 5)
    [sending] = [p for p in pair if "Starting job campaigns.send" in p.log.read_text()]
    [other] = [p for p in pair if p is not sending]
    sending.signal(signal.SIGKILL)
    with kluis.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '5 minutes' "
                "WHERE id IN (SELECT worker_id FROM procrastinate_jobs WHERE status = 'doing')"
            )
        )
    lapse_the_campaign_claim(kluis, campaign)
    _wait("the status", lambda: campaigns.get_campaign(kluis, campaign).status == "sent")
    assert "its worker died; queued again" in other.log.read_text()
    assert other.popen.poll() is None
    assert_everyone_once(kluis, campaign, smtp)
