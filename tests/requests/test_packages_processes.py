"""The copy before an erasure and its certificate sent by a real ``kluis worker`` on PostgreSQL
(procrastinate), the worker killed with kill -9 while the mail server holds the copy's DATA
unanswered (mid-send), and a second worker started: each mail reaches the person as one
message (one Message-ID, the one stored on its row), after the person's key is gone, and the
request's capture key is destroyed afterwards. Once with a server that drops the held mail
(it arrives once), once with one that accepts it after the client died (it arrives twice, the
same message: RFC 5322 3.6.4)."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from conftest import ADMIN
from factories import add_person
from kluis.actors import Actor, Role
from kluis.db import utcnow
from kluis.discover import repository as discover_repo
from kluis.requests import mails, service
from kluis.requests.tables import RequestMail
from kluis.runtime import Kluis
from kluis.settings import Settings
from mailserver import MailServer
from process_helpers import Process, lapse_the_dead_workers_heartbeat, postgres_only, wait, worker

OFFICER = Actor(ref="user:officer@example.com", role=Role.PRIVACY_OFFICER)
ADDRESS = "fenna.brouwersma41@example.com"


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        process.stop()


def _truncate(kluis: Kluis) -> None:
    with kluis.engine.begin() as conn:
        if conn.scalar(text("SELECT to_regclass('procrastinate_jobs')")) is not None:
            conn.execute(
                text(
                    "TRUNCATE procrastinate_jobs, procrastinate_periodic_defers, "
                    "procrastinate_workers, procrastinate_events CASCADE"
                )
            )


class Held:
    """Makes the mail server hold the first DATA unanswered until released, then drop it (the
    client is gone: a server that could not give its reply does not deliver) or, ``accept``,
    take the mail first and then hold its reply (the server delivers a mail whose 250 the
    client, killed, never read)."""

    def __init__(self, smtp: MailServer, accept: bool) -> None:
        self.smtp = smtp
        self.accept = accept
        self.holding = threading.Event()
        self.release = threading.Event()
        self.original = smtp.handler.handle_DATA
        self.used = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.used:
            return await self.original(server, session, envelope)
        self.used = True
        if self.accept:
            await self.original(server, session, envelope)
        self.holding.set()
        while not self.release.is_set():
            await asyncio.sleep(0.05)
        return "451 connection lost"


def _capture(kluis: Kluis, request_id: int) -> Any:
    with kluis.engine.connect() as conn:
        return discover_repo.capture_of(conn, request_id)


def _states(kluis: Kluis, request_id: int) -> list[str]:
    with kluis.engine.connect() as conn:
        rows = conn.execute(
            select(RequestMail.state)
            .where(RequestMail.request_id == request_id)
            .order_by(RequestMail.id)
        )
        return list(rows.scalars())


@pytest.mark.parametrize("accept", [False, True], ids=["dropped", "accepted"])
def test_a_worker_killed_mid_send_of_the_copy_before_an_erasure_mails_it_once(
    accept: bool,
    kluis_env: Settings,
    kluis: Kluis,
    backend: str,
    smtp: MailServer,
    tmp_path: Path,
    processes: list[Process],
) -> None:
    postgres_only(backend)
    _truncate(kluis)
    try:
        now = utcnow()
        person = add_person(kluis, ADMIN, now, 41, purposes=("customer_service",), language="en")
        made = service.create(
            kluis, OFFICER, "erasure", now, person_id=person, verified_by="known_address"
        )
        held = Held(smtp, accept)
        smtp.handler.handle_DATA = held.handle_DATA  # type: ignore[method-assign]
        # no transport: the mails are queued for the workers, nothing is sent in this process
        service.process(kluis, OFFICER, made.id, now)
        assert kluis.vault.erased([person]) == {person}
        assert _states(kluis, made.id) == ["queued", "queued"]
        first = worker(smtp, tmp_path / "worker.log", processes)
        wait("the worker to hand a mail over", held.holding.is_set)
        assert "sending" in _states(kluis, made.id)
        first.signal(signal.SIGKILL)
        held.release.set()
        # what time does after a kill: procrastinate's heartbeat and the mail's claim lapse
        lapse_the_dead_workers_heartbeat(kluis)
        with kluis.engine.begin() as conn:
            conn.execute(
                update(RequestMail)
                .where(RequestMail.request_id == made.id, RequestMail.state == "sending")
                .values(updated_at=utcnow() - mails.STALE - timedelta(seconds=1))
            )
        worker(smtp, tmp_path / "worker2.log", processes)
        wait("both mails sent", lambda: _states(kluis, made.id) == ["sent", "sent"], 90)
        wait("the capture destroyed after the last mail", lambda: _capture(kluis, made.id) is None)
        names = [sorted(str(p.get_filename()) for p in m.iter_attachments()) for m in smtp.received]
        certificate = [f"erasure-certificate-{made.id}.json"]
        copy = [f"request-{made.id}.{e}" for e in ("csv", "html", "json")]
        assert sorted(names) == sorted([certificate, copy] + ([copy] if accept else []))
        ids: dict[str, set[str]] = {}
        for name, message in zip(names, smtp.received, strict=True):
            ids.setdefault(name[0], set()).add(str(message["Message-ID"]))
        with kluis.engine.connect() as conn:
            stored = conn.execute(
                select(RequestMail.message_id).where(RequestMail.request_id == made.id)
            )
            assert sorted(set().union(*ids.values())) == sorted(stored.scalars())
        assert [len(found) for found in ids.values()] == [1, 1]
        assert all(ADDRESS in str(m["To"]) for m in smtp.received)
        with kluis.engine.connect() as conn:
            sealed = conn.execute(
                select(RequestMail.sealed).where(RequestMail.request_id == made.id)
            )
            assert list(sealed.scalars()) == [None, None]
    finally:
        _truncate(kluis)
