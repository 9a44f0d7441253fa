"""The ``/privacy`` page's verification mail as a job (``kluis.public.privacy_mail``), on SQLite
(the embedded queue's ``jobs`` table) and PostgreSQL (procrastinate), with a real SMTP server:
the queue and the row hold no plain address; the job sends once, after a failing mail server
and a retry, and after a worker died holding the row; the row's key is destroyed after the send
or at expiry; the page is the same for a known and an unknown address."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from conftest import ADMIN, NOW
from factories import add_person
from kluis.api import get_now
from kluis.app import create_app
from kluis.jobs import JobContext
from kluis.jobs.runner import Outcome, run
from kluis.messaging.transport import SendFailed, SmtpTransport, parse_smtp_url
from kluis.public import privacy_mail
from kluis.public.tables import PrivacyVerification
from kluis.runtime import Kluis
from mailserver import MailServer

KNOWN = "fenna.brouwersma1@example.com"
UNKNOWN = "nobody.here@example.com"


def _transport(smtp: MailServer) -> Any:
    url = smtp.url
    return lambda: SmtpTransport(parse_smtp_url(url), sleep=lambda _s: None)


def _down(smtp: MailServer) -> Any:
    class Down(SmtpTransport):
        def send(self, message: Any) -> None:
            raise SendFailed("421 try later", permanent=False, code=421)

    url = smtp.url
    return lambda: Down(parse_smtp_url(url), sleep=lambda _s: None)


def _queueing_client(kluis: Kluis, smtp: MailServer) -> TestClient:
    """An app that queues its jobs, as ``kluis serve`` does, instead of running them."""
    app = create_app(kluis)
    app.dependency_overrides[get_now] = lambda: NOW
    app.state.transport_factory = _transport(smtp)
    app.state.jobs_inline = None
    return TestClient(app)


def _rows(kluis: Kluis) -> list[Any]:
    with kluis.engine.connect() as conn:
        return list(conn.execute(select(PrivacyVerification).order_by(PrivacyVerification.id)))


def _queued(kluis: Kluis) -> list[str]:
    """The queued jobs' names and arguments as the queue stores them."""
    with kluis.engine.connect() as conn:
        if kluis.engine.dialect.name == "postgresql":
            found = conn.execute(
                text("SELECT task_name || ' ' || args::text FROM procrastinate_jobs")
            )
        else:
            found = conn.execute(text("SELECT name || ' ' || args FROM jobs"))
        return [str(v) for v in found.scalars()]


def _context(kluis: Kluis, transport: Any, at: datetime) -> JobContext:
    return JobContext(kluis, lambda: at, transport)


def _ask(client: TestClient, address: str) -> str:
    response = client.post("/privacy?lang=en", data={"email": address, "type": "access"})
    assert response.status_code == 200, response.text
    return response.text


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


@pytest.mark.usefixtures("empty_queue")
def test_the_queue_and_the_row_hold_no_address_and_the_job_sends_once(
    kluis: Kluis, smtp: MailServer
) -> None:
    add_person(kluis, ADMIN, NOW, 1, language="en")
    client = _queueing_client(kluis, smtp)
    known_page = _ask(client, KNOWN)
    unknown_page = _ask(client, UNKNOWN)
    assert known_page == unknown_page
    assert smtp.received == []
    known, unknown = _rows(kluis)
    queued = _queued(kluis)
    assert sorted(queued) == sorted(
        f'privacy.verification {{"verification_id": {row.id}}}' for row in (known, unknown)
    )
    for row in (known, unknown):
        assert b"example.com" not in row.sealed
        assert row.state == "queued"
    assert "example.com" not in " ".join(queued)
    context = _context(kluis, _transport(smtp), NOW + timedelta(seconds=5))
    for row in (known, unknown):
        for _ in range(2):
            result = run(privacy_mail.verification, {"verification_id": row.id}, context)
            assert result.outcome is Outcome.DONE
    first, second = smtp.received
    assert KNOWN in str(first["To"])
    assert UNKNOWN in str(second["To"])
    assert "/privacy/confirm/" in _text(first)
    assert "/privacy/confirm/" not in _text(second)
    assert _rows(kluis) == []
    assert kluis.vault.ciphers([known.key_id, unknown.key_id]) == {}


def test_a_failing_mail_server_is_retried_and_the_mail_goes_once(
    kluis: Kluis, smtp: MailServer
) -> None:
    add_person(kluis, ADMIN, NOW, 1, language="en")
    _ask(_queueing_client(kluis, smtp), KNOWN)
    [row] = _rows(kluis)
    down = _context(kluis, _down(smtp), NOW + timedelta(seconds=5))
    assert run(privacy_mail.verification, {"verification_id": row.id}, down).outcome is (
        Outcome.FAILED
    )
    [failed] = _rows(kluis)
    assert (failed.state, failed.attempts) == ("failed", 1)
    assert kluis.vault.ciphers([row.key_id]) != {}
    up = _context(kluis, _transport(smtp), NOW + timedelta(minutes=1))
    for _ in range(2):
        assert run(privacy_mail.verification, {"verification_id": row.id}, up).outcome is (
            Outcome.DONE
        )
    [mail] = smtp.received
    assert KNOWN in str(mail["To"])
    assert _rows(kluis) == []


def test_a_worker_killed_holding_the_row_leaves_it_to_go_once(
    kluis: Kluis, smtp: MailServer
) -> None:
    _ask(_queueing_client(kluis, smtp), UNKNOWN)
    [row] = _rows(kluis)
    with kluis.engine.begin() as conn:
        conn.execute(
            update(PrivacyVerification)
            .where(PrivacyVerification.id == row.id)
            .values(state="sending", attempts=1, updated_at=NOW)
        )
    soon = _context(kluis, _transport(smtp), NOW + timedelta(minutes=1))
    assert run(privacy_mail.verification, {"verification_id": row.id}, soon).outcome is (
        Outcome.RETRY
    )
    assert smtp.received == []
    late = _context(kluis, _transport(smtp), NOW + privacy_mail.STALE + timedelta(minutes=1))
    for _ in range(2):
        assert run(privacy_mail.verification, {"verification_id": row.id}, late).outcome is (
            Outcome.DONE
        )
    assert len(smtp.received) == 1


def test_an_unsent_row_is_destroyed_at_expiry(kluis: Kluis, smtp: MailServer) -> None:
    client = _queueing_client(kluis, smtp)
    _ask(client, UNKNOWN)
    _ask(client, KNOWN)
    first, second = _rows(kluis)
    expiry = NOW + timedelta(hours=kluis.settings.privacy_link_hours)
    late = _context(kluis, _transport(smtp), expiry)
    assert run(privacy_mail.verification, {"verification_id": first.id}, late).outcome is (
        Outcome.DONE
    )
    assert privacy_mail.expire(kluis, expiry - timedelta(seconds=1)) == 0
    assert run(privacy_mail.verifications_expire, {}, late).outcome is Outcome.DONE
    assert smtp.received == []
    assert _rows(kluis) == []
    assert kluis.vault.ciphers([first.key_id, second.key_id]) == {}


def test_a_permanent_refusal_ends_the_row_at_once(kluis: Kluis, smtp: MailServer) -> None:
    _ask(_queueing_client(kluis, smtp), UNKNOWN)
    [row] = _rows(kluis)
    smtp.handler.replies.append("550 5.1.1 mailbox unavailable")
    context = _context(kluis, _transport(smtp), NOW + timedelta(seconds=5))
    assert run(privacy_mail.verification, {"verification_id": row.id}, context).outcome is (
        Outcome.DONE
    )
    assert smtp.received == []
    assert _rows(kluis) == []
    assert kluis.vault.ciphers([row.key_id]) == {}
