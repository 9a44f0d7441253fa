"""The copies of a person's data as request mails sent by jobs (issue 16, ``requests.packages``),
on SQLite (the embedded queue) and PostgreSQL (procrastinate), with a real SMTP server: the
queue and the mail's row hold ids only; the access package is built when the mail goes; the copy
before an erasure is sealed under the request's capture key, survives the person's key, goes
once after a failing mail server and a retry, and after a worker died mid-send; the capture's
key is destroyed once the copy and the certificate went."""

from __future__ import annotations

import json
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select, text

from conftest import ADMIN, NOW
from factories import add_person
from kluis.actors import Actor, Role
from kluis.discover import repository as discover_repo
from kluis.jobs import JobContext
from kluis.jobs.runner import Outcome, run
from kluis.messaging.transport import SendFailed, SmtpTransport, parse_smtp_url
from kluis.requests import jobs as request_jobs
from kluis.requests import mails, repository, service
from kluis.requests.tables import RequestMail
from kluis.runtime import Kluis
from mailserver import MailServer

OFFICER = Actor(ref="user:officer@example.com", role=Role.PRIVACY_OFFICER)


def _transport(smtp: MailServer) -> Any:
    url = smtp.url
    return lambda: SmtpTransport(parse_smtp_url(url), sleep=lambda _s: None)


def _down(smtp: MailServer) -> Any:
    class Down(SmtpTransport):
        def send(self, message: EmailMessage) -> None:
            raise SendFailed("421 try later", permanent=False, code=421)

    url = smtp.url
    return lambda: Down(parse_smtp_url(url), sleep=lambda _s: None)


def _verified(kluis: Kluis, type: str, person: str) -> int:
    made = service.create(kluis, OFFICER, type, NOW, person_id=person, verified_by="known_address")
    return made.id


def _rows(kluis: Kluis, request_id: int) -> list[Any]:
    with kluis.engine.connect() as conn:
        return list(
            conn.execute(
                select(RequestMail)
                .where(RequestMail.request_id == request_id)
                .order_by(RequestMail.id)
            )
        )


def _files(mail: EmailMessage) -> dict[str, bytes]:
    found = {}
    for part in mail.iter_attachments():
        assert isinstance(part, EmailMessage)
        content = part.get_content()
        found[str(part.get_filename())] = content.encode() if isinstance(content, str) else content
    return found


def _queued_args(kluis: Kluis) -> list[str]:
    """Every job argument in the queue, as stored text (either backend)."""
    with kluis.engine.connect() as conn:
        if kluis.engine.dialect.name == "postgresql":
            found = conn.execute(text("SELECT args::text FROM procrastinate_jobs"))
        else:
            found = conn.execute(text("SELECT args FROM jobs"))
        return [str(value) for value in found.scalars()]


@pytest.mark.usefixtures("empty_queue")  # the queue it reads holds only this test's jobs
def test_the_access_package_is_built_when_its_mail_goes(kluis: Kluis, smtp: MailServer) -> None:
    person = add_person(kluis, ADMIN, NOW, 31, purposes=("customer_service",), language="en")
    request_id = _verified(kluis, "access", person)
    done = service.process(kluis, OFFICER, request_id, NOW, transport=_down(smtp))
    assert done.files == {}
    [row] = _rows(kluis, request_id)
    assert (row.what, row.state, row.params["package"], row.sealed) == (
        "request_access",
        "failed",
        "access",
        None,
    )
    stored = json.dumps(row.params) + "".join(_queued_args(kluis))
    assert "example.com" not in stored
    assert "Fenna" not in stored
    later = NOW + timedelta(minutes=5)
    up = JobContext(kluis, lambda: later, _transport(smtp))
    for _ in range(2):
        assert run(request_jobs.mail, {"mail_id": row.id}, up).outcome is Outcome.DONE
    [mail] = smtp.received
    files = _files(mail)
    assert sorted(files) == [f"request-{request_id}.{e}" for e in ("csv", "html", "json")]
    package = json.loads(files[f"request-{request_id}.json"])
    assert package["generated_at"].startswith(later.date().isoformat())
    assert "fenna.brouwersma31@example.com" in files[f"request-{request_id}.json"].decode()
    [sent] = _rows(kluis, request_id)
    assert (sent.state, sent.attempts) == ("sent", 2)


def test_a_portability_package_carries_the_vcard(kluis: Kluis, smtp: MailServer) -> None:
    person = add_person(kluis, ADMIN, NOW, 32, purposes=("customer_service",), language="nl")
    request_id = _verified(kluis, "portability", person)
    service.process(kluis, OFFICER, request_id, NOW, transport=_transport(smtp))
    [mail] = smtp.received
    assert f"request-{request_id}.vcf" in _files(mail)
    [row] = _rows(kluis, request_id)
    assert (row.params["package"], row.state) == ("portable", "sent")


def test_the_copy_before_an_erasure_outlives_the_key_and_goes_after_a_retry(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = add_person(kluis, ADMIN, NOW, 33, purposes=("customer_service",), language="en")
    request_id = _verified(kluis, "erasure", person)
    done = service.process(kluis, OFFICER, request_id, NOW, transport=_down(smtp))
    assert done.files == {}
    assert kluis.vault.erased([person]) == {person}
    copy, certificate = _rows(kluis, request_id)
    assert (copy.what, copy.state, copy.captured) == ("request_access", "failed", True)
    assert copy.sealed is not None
    assert b"fenna" not in copy.sealed.lower()
    assert certificate.what == "erasure_certificate"
    with kluis.engine.connect() as conn:
        assert discover_repo.capture_of(conn, request_id) is not None
    later = NOW + timedelta(minutes=5)
    up = JobContext(kluis, lambda: later, _transport(smtp))
    assert run(request_jobs.mail, {"mail_id": copy.id}, up).outcome is Outcome.DONE
    [mail] = smtp.received
    assert mail["To"] == "fenna.brouwersma33@example.com"
    files = _files(mail)
    assert "fenna.brouwersma33@example.com" in files[f"request-{request_id}.json"].decode()
    sent, _ = _rows(kluis, request_id)
    assert (sent.state, sent.sealed) == ("sent", None)
    # the certificate still to go keeps the capture; once it went, the key is destroyed
    with kluis.engine.connect() as conn:
        capture = discover_repo.capture_of(conn, request_id)
    assert capture is not None
    assert run(request_jobs.mail, {"mail_id": certificate.id}, up).outcome is Outcome.DONE
    assert len(smtp.received) == 2
    with kluis.engine.connect() as conn:
        assert discover_repo.capture_of(conn, request_id) is None
    assert kluis.vault.ciphers([capture.key_id]) == {}


def test_a_worker_killed_mid_send_leaves_the_copy_to_go_once(
    kluis: Kluis, smtp: MailServer
) -> None:
    """A worker that claimed the copy and died before the mail server took it: another run
    waits while the claim is fresh (the first may still be sending), takes it over once
    stale, and mails it once; later runs mail nothing."""
    person = add_person(kluis, ADMIN, NOW, 34, purposes=("customer_service",), language="en")
    request_id = _verified(kluis, "erasure", person)
    service.process(kluis, OFFICER, request_id, NOW, transport=_down(smtp))
    copy, _ = _rows(kluis, request_id)
    assert copy.message_id is not None  # fixed by the failed attempt's claim
    with kluis.engine.begin() as conn:
        claimed = repository.claim_mail(conn, copy.id, NOW, NOW - mails.STALE, "<new@example.com>")
    assert claimed == copy.message_id
    soon = JobContext(kluis, lambda: NOW + timedelta(minutes=1), _transport(smtp))
    assert run(request_jobs.mail, {"mail_id": copy.id}, soon).outcome is Outcome.RETRY
    assert smtp.received == []
    late = NOW + mails.STALE + timedelta(minutes=1)
    after = JobContext(kluis, lambda: late, _transport(smtp))
    for _ in range(3):
        assert run(request_jobs.mail, {"mail_id": copy.id}, after).outcome is Outcome.DONE
    [mail] = smtp.received
    assert f"request-{request_id}.json" in _files(mail)
    sent, _ = _rows(kluis, request_id)
    assert (sent.state, sent.attempts) == ("sent", 3)
    assert mail["Message-ID"] == sent.message_id == copy.message_id


def test_a_copy_whose_capture_expired_is_not_sent(kluis: Kluis, smtp: MailServer) -> None:
    person = add_person(kluis, ADMIN, NOW, 35, purposes=("customer_service",), language="en")
    request_id = _verified(kluis, "erasure", person)
    service.process(kluis, OFFICER, request_id, NOW, transport=_down(smtp))
    copy, _ = _rows(kluis, request_id)
    expired = NOW + timedelta(days=kluis.settings.discover_capture_days + 1)
    context = JobContext(kluis, lambda: expired, _transport(smtp))
    assert run(request_jobs.mail, {"mail_id": copy.id}, context).outcome is Outcome.DONE
    assert smtp.received == []
    gone, _ = _rows(kluis, request_id)
    assert (gone.state, gone.reason) == ("failed", "the captured address is gone")
