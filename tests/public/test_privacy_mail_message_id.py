"""The ``/privacy`` page's verification mail is one message after a crash (issue 16), on SQLite
and PostgreSQL with a real SMTP server: a process that died after the server accepted the mail
but before the row was deleted leaves it ``sending``; the attempt after ``STALE`` delivers it
again with the Message-ID stored when the row was first claimed (RFC 5322 3.6.4), its link
drawn from that Message-ID, so both copies' links open one request."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from conftest import ADMIN, NOW
from factories import add_person
from kluis.api import get_now
from kluis.app import create_app
from kluis.jobs import JobContext
from kluis.jobs.runner import Outcome, run
from kluis.messaging import repository as messaging_repo
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.public import privacy_mail
from kluis.public.tables import PrivacyVerification
from kluis.requests.rules import RequestType
from kluis.requests.tables import PrivacyRequest
from kluis.runtime import Kluis
from mailserver import MailServer

KNOWN = "fenna.brouwersma1@example.com"
UNKNOWN = "nobody.here@example.com"
LATE = NOW + privacy_mail.STALE + timedelta(minutes=1)


class Killed(BaseException):
    """The process dies: nothing after the hand-over runs (no handler catches it)."""


class KilledAfterAccept(SmtpTransport):
    """The server accepts the mail, then the process dies before the row is deleted."""

    def send(self, message: EmailMessage) -> None:
        super().send(message)
        raise Killed


def _link_path(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert isinstance(part, EmailMessage)
    found = re.search(r"https?://\S+/privacy/confirm/\S+", str(part.get_content()))
    assert found is not None
    url = urlsplit(found.group(0))
    return f"{url.path}?{url.query}"


def _transport(smtp: MailServer, kind: type[SmtpTransport] = SmtpTransport) -> Any:
    url = smtp.url
    return lambda: kind(parse_smtp_url(url), sleep=lambda _s: None)


def _client(kluis: Kluis, smtp: MailServer, at: datetime) -> TestClient:
    """The public pages at ``at`` (the confirm links record, they queue nothing)."""
    app = create_app(kluis)
    app.dependency_overrides[get_now] = lambda: at
    app.state.transport_factory = _transport(smtp)
    return TestClient(app)


def _crash_after_accept(kluis: Kluis, smtp: MailServer, address: str) -> Any:
    """A row as ``POST /privacy`` records it (its job not queued: the row's id is passed); the
    first attempt is accepted by the server, then the process dies; the row left behind."""
    privacy_mail.queue(kluis, address, RequestType.ACCESS, "en", NOW)
    with kluis.engine.connect() as conn:
        [row] = conn.execute(select(PrivacyVerification))
    assert row.message_id is None
    with pytest.raises(Killed):
        privacy_mail.send(kluis, row.id, NOW, _transport(smtp, KilledAfterAccept))
    with kluis.engine.connect() as conn:
        [left] = conn.execute(select(PrivacyVerification))
    [first] = smtp.received
    assert (left.state, left.message_id) == ("sending", first["Message-ID"])
    context = JobContext(kluis, lambda: LATE, _transport(smtp))
    for _ in range(2):
        result = run(privacy_mail.verification, {"verification_id": row.id}, context)
        assert result.outcome is Outcome.DONE
    assert len(smtp.received) == 2
    assert {str(m["Message-ID"]) for m in smtp.received} == {str(first["Message-ID"])}
    with kluis.engine.connect() as conn:
        assert list(conn.execute(select(PrivacyVerification))) == []
    return left


def test_a_known_address_gets_one_message_and_its_copies_open_one_request(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = add_person(kluis, ADMIN, NOW, 1, language="en")
    left = _crash_after_accept(kluis, smtp, KNOWN)
    with kluis.engine.connect() as conn:
        stored = messaging_repo.messages_of(conn, person)
    assert [(m["message_id"], m["status"]) for m in stored] == [(left.message_id, "sent")]
    client = _client(kluis, smtp, LATE)
    for mail in smtp.received:
        assert client.post(_link_path(mail)).status_code == 200
    with kluis.engine.connect() as conn:
        made = list(conn.execute(select(PrivacyRequest.person_id, PrivacyRequest.portal_ref)))
    assert len(made) == 1
    assert made[0].person_id == person


def test_an_unknown_address_gets_one_message(kluis: Kluis, smtp: MailServer) -> None:
    _crash_after_accept(kluis, smtp, UNKNOWN)
    assert all(UNKNOWN in str(m["To"]) for m in smtp.received)
