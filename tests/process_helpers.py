"""Kluis as real processes for the job tests: ``python -m kluis serve|worker`` with the test's
stores and mail server in the environment, signals sent, and what a killed process held made to
lapse.

A killed process cannot give up what it held, so after kill -9 a test moves the leases into the
past (the embedded job's, 60 s; procrastinate's worker heartbeat, 30 s; the campaign sender's
claim, 2 min) instead of waiting them out: that is what the time would do.

A test that cuts a campaign halfway holds one message at the mail server (``MailServer.hold``)
rather than hoping the campaign is still going when its signal lands; the processes' SMTP
timeout is long enough that a hold on a busy machine only bounds a hang.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text, update

import ports
from kluis.db import utcnow
from kluis.messaging.tables import Campaign
from kluis.runtime import Kluis
from mailserver import Hold, MailServer

log = logging.getLogger(__name__)


def wait(what: str, done: Callable[[], bool], seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.05)


class Process:
    """``python -m kluis ARGS`` with the test's Kluis and mail server in its environment."""

    def __init__(self, args: list[str], smtp: MailServer, log_file: Path) -> None:
        env = {
            **os.environ,
            "KLUIS_SMTP_URL": f"{smtp.url}?timeout=600",
            "KLUIS_SCHEDULE_HOURS": "0",
        }
        self.log = log_file
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("ab") as out:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "kluis", *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )

    def signal(self, sig: int, meanwhile: Callable[[], None] = lambda: None) -> float:
        """Send ``sig``, do ``meanwhile`` (release a held mail) and return the seconds until
        the process ended."""
        started = time.monotonic()
        self.popen.send_signal(sig)
        meanwhile()
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        took = time.monotonic() - started
        log.info("%s ended %.2f s after signal %s", self.popen.args[3:], took, sig)
        return took

    def wrote(self, line: str) -> bool:
        return line in self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.signal(signal.SIGKILL)


STOPPING = {"serve": "Shutting down", "worker": "worker stopping"}
"""What each command logs once a stop signal has reached its job worker's stop flag."""


TIME_LIMITS = (
    "after graceful timeout",  # procrastinate aborting a job
    "timeout graceful shutdown exceeded",  # uvicorn cancelling requests
    "did not stop in time",  # kluis worker leaving a hung job behind
)
"""What the processes log when one of the limits that keep a stop within
``jobs.rules.STOP_WITHIN`` had to act."""


def stopped_by_itself(process: Process) -> None:
    """The process ended on its signal with none of its time limits acting: its job stopped at
    the next message. That, not the seconds a busy machine took to get there, is what a test can
    check (the limits themselves hold the 10 s)."""
    written = process.log.read_text(errors="replace")
    # uvicorn raises the signal it caught again once it has shut down; -9 is our kill
    assert process.popen.returncode in (0, -signal.SIGTERM), written
    assert not [limit for limit in TIME_LIMITS if limit in written], written


def release_once_stopping(process: Process, held: Hold) -> Callable[[], None]:
    """For ``Process.signal``: let the held mail through once the process shows it has the
    stop flag set, so its sender stops right after that message, however late the signal
    handler ran."""
    line = STOPPING[str(process.popen.args[3])]  # type: ignore[index]

    def release() -> None:
        wait(f"{line!r} in the log", lambda: process.wrote(line))
        held.release(accept=True)

    return release


def serve(smtp: MailServer, folder: Path, started: list[Process]) -> tuple[Process, str]:
    """``kluis serve`` on a free loopback port, once it answers; its address."""
    with ports.reserved() as port:
        url = f"http://127.0.0.1:{port}"
        process = Process(["serve", "--port", str(port)], smtp, folder / "serve.log")
        started.append(process)

        def up() -> bool:
            assert process.popen.poll() is None, process.log.read_text()
            try:
                httpx.get(f"{url}/signup", timeout=2)
            except httpx.TransportError:
                return False
            return True

        wait("kluis serve to answer", up)
    return process, url


def worker(smtp: MailServer, log_file: Path, started: list[Process]) -> Process:
    process = Process(["worker"], smtp, log_file)
    started.append(process)
    return process


def lapse_the_campaign_claim(kluis: Kluis, campaign: int) -> None:
    with kluis.engine.begin() as conn:
        conn.execute(
            update(Campaign)
            .where(Campaign.id == campaign)
            .values(sender_until=utcnow() - timedelta(seconds=1))
        )


def lapse_the_dead_workers_heartbeat(kluis: Kluis) -> None:
    """procrastinate: the heartbeat of the worker holding a job, 5 minutes old."""
    with kluis.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE procrastinate_workers SET last_heartbeat = now() - interval '5 minutes' "
                "WHERE id IN (SELECT worker_id FROM procrastinate_jobs WHERE status = 'doing')"
            )
        )


def sqlite_only(backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("on PostgreSQL the server runs no jobs: `kluis worker` does")


def postgres_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("`kluis worker` with procrastinate is PostgreSQL's")
