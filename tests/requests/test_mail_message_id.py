"""A privacy request's mail is one message whatever happens to the sending (issue 16), on
SQLite and PostgreSQL with a real SMTP server: the Message-ID is stored on the row when the
mail is claimed, before the hand-over; a process that died after the server accepted the mail
but before the row was marked leaves it ``sending``, and the attempt after ``STALE`` delivers
the same message again (RFC 5322 3.6.4), taking up the person's message row of the first."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from conftest import ADMIN, NOW
from factories import add_person
from kluis.actors import Actor, Role
from kluis.jobs import JobContext
from kluis.jobs.runner import Outcome, run
from kluis.messaging import repository as messaging_repo
from kluis.messaging.transport import SendFailed, SmtpTransport, parse_smtp_url
from kluis.requests import jobs as request_jobs
from kluis.requests import mails, service
from kluis.requests.tables import RequestMail
from kluis.runtime import Kluis
from mailserver import MailServer

OFFICER = Actor(ref="user:officer@example.com", role=Role.PRIVACY_OFFICER)


class Killed(BaseException):
    """The process dies: nothing after the hand-over runs (no handler catches it)."""


def _transport(smtp: MailServer, kind: type[SmtpTransport] = SmtpTransport) -> Any:
    url = smtp.url
    return lambda: kind(parse_smtp_url(url), sleep=lambda _s: None)


class KilledAfterAccept(SmtpTransport):
    """The server accepts the mail, then the process dies before it could mark the row."""

    def send(self, message: EmailMessage) -> None:
        super().send(message)
        raise Killed


class Down(SmtpTransport):
    def send(self, message: EmailMessage) -> None:
        raise SendFailed("421 try later", permanent=False, code=421)


def _refused(kluis: Kluis, number: int) -> tuple[str, int]:
    """A refused request whose mail is queued, not sent (no transport): person, mail id."""
    person = add_person(kluis, ADMIN, NOW, number, purposes=("customer_service",), language="en")
    made = service.create(kluis, OFFICER, "access", NOW, person_id=person)
    service.refuse(kluis, OFFICER, made.id, "Not shown.", NOW)
    with kluis.engine.connect() as conn:
        row = conn.execute(select(RequestMail).where(RequestMail.request_id == made.id)).one()
    assert (row.state, row.message_id) == ("queued", None)
    return person, row.id


def _row(kluis: Kluis, mail_id: int) -> Any:
    with kluis.engine.connect() as conn:
        return conn.execute(select(RequestMail).where(RequestMail.id == mail_id)).one()


def test_a_mail_accepted_before_a_crash_goes_again_as_the_same_message(
    kluis: Kluis, smtp: MailServer
) -> None:
    person, mail_id = _refused(kluis, 61)
    with pytest.raises(Killed):
        mails.send(kluis, mail_id, NOW, _transport(smtp, KilledAfterAccept))
    left = _row(kluis, mail_id)
    [first] = smtp.received
    assert (left.state, left.message_id) == ("sending", first["Message-ID"])
    soon = JobContext(kluis, lambda: NOW + timedelta(minutes=1), _transport(smtp))
    assert run(request_jobs.mail, {"mail_id": mail_id}, soon).outcome is Outcome.RETRY
    assert len(smtp.received) == 1
    late = NOW + mails.STALE + timedelta(minutes=1)
    after = JobContext(kluis, lambda: late, _transport(smtp))
    for _ in range(2):
        assert run(request_jobs.mail, {"mail_id": mail_id}, after).outcome is Outcome.DONE
    assert len(smtp.received) == 2
    assert {str(m["Message-ID"]) for m in smtp.received} == {str(first["Message-ID"])}
    done = _row(kluis, mail_id)
    assert (done.state, done.attempts, done.message_id) == ("sent", 2, first["Message-ID"])
    with kluis.engine.connect() as conn:
        stored = messaging_repo.messages_of(conn, person)
    assert [(m["message_id"], m["status"]) for m in stored] == [(first["Message-ID"], "sent")]


def test_every_retry_after_a_failure_sends_the_message_id_stored_at_the_first_claim(
    kluis: Kluis, smtp: MailServer
) -> None:
    _person, mail_id = _refused(kluis, 62)
    down = JobContext(kluis, lambda: NOW, _transport(smtp, Down))
    assert run(request_jobs.mail, {"mail_id": mail_id}, down).outcome is Outcome.FAILED
    first = _row(kluis, mail_id).message_id
    assert run(request_jobs.mail, {"mail_id": mail_id}, down).outcome is Outcome.FAILED
    failed = _row(kluis, mail_id)
    assert (failed.state, failed.attempts, failed.message_id) == ("failed", 2, first)
    host = urlsplit(kluis.settings.base_url).hostname
    assert failed.message_id.startswith("<")
    assert failed.message_id.endswith(f"@{host}>")
    assert "fenna" not in failed.message_id
    assert _person not in failed.message_id
    up = JobContext(kluis, lambda: NOW + timedelta(minutes=10), _transport(smtp))
    assert run(request_jobs.mail, {"mail_id": mail_id}, up).outcome is Outcome.DONE
    [mail] = smtp.received
    assert mail["Message-ID"] == failed.message_id == _row(kluis, mail_id).message_id
