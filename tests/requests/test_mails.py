"""Request mails as jobs and the final erasure certificate (issues 16 and 21), on SQLite and
PostgreSQL, with a real SMTP server and a real webhook receiver: an erasure with one webhook
system that confirms later gets a final certificate listing it confirmed, with the time; the
request's capture key is destroyed afterwards; a mail job run twice mails once; a mail server
failure is recorded and retried."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select

from api_helpers import TestClient, client_for
from conftest import ADMIN, NOW
from factories import add_person
from kluis.compliance import request_mail_findings
from kluis.connected import delivery
from kluis.db import DataBase
from kluis.discover import repository as discover_repo
from kluis.jobs import JobContext
from kluis.jobs.runner import Outcome, run
from kluis.messaging.transport import SendFailed, SmtpTransport, parse_smtp_url
from kluis.requests import final_certificate, mails
from kluis.requests import jobs as request_jobs
from kluis.requests.tables import RequestMail
from kluis.runtime import Kluis
from mailserver import MailServer
from webhook_receiver import Receiver, serving

REQUESTS = "/api/v1/requests"


def _transport(smtp: MailServer) -> Any:
    url = smtp.url
    return lambda: SmtpTransport(parse_smtp_url(url), sleep=lambda _s: None)


def _staff(kluis: Kluis, smtp: MailServer) -> TestClient:
    client = client_for(kluis, "privacy_officer", now=NOW)
    client.app.state.transport_factory = _transport(smtp)  # type: ignore[attr-defined]
    return client


def _erasure(client: TestClient, person: str) -> int:
    made = client.post(REQUESTS, json={"type": "erasure", "person_id": person})
    assert made.status_code == 201, made.text
    rid = int(made.json()["id"])
    client.post(f"{REQUESTS}/{rid}/verify", json={"verified_by": "known_address"})
    done = client.post(f"{REQUESTS}/{rid}/process", json={})
    assert done.status_code == 200, done.text
    return rid


def _attachment(mail: EmailMessage) -> dict[str, Any]:
    [part] = [p for p in mail.iter_attachments() if "certificate" in str(p.get_filename())]
    found: dict[str, Any] = json.loads(part.get_payload(decode=True))
    return found


def _plain(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def test_the_final_certificate_lists_the_system_confirmed_then_the_capture_goes(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = add_person(kluis, ADMIN, NOW, 21, purposes=("customer_service",), language="en")
    client = _staff(kluis, smtp)
    with serving(Receiver(["done"])) as shop:
        made = client.post(
            "/api/v1/systems",
            json={
                "name": "Webshop",
                "reach": "webhook",
                "webhook_url": shop.url,
                "purposes": ["customer_service"],
            },
        )
        assert made.status_code == 201, made.text
        shop.secrets.append(made.json()["secret"])
        linked = client.put(
            f"/api/v1/people/{person}/systems/Webshop", json={"external_id": "shop-21"}
        )
        assert linked.status_code == 204, linked.text
        rid = _erasure(client, person)
        # the copy and the first certificate went; the final one waits for the system
        _copy, first = smtp.received
        address = str(first["To"])
        assert "final confirmation" in _plain(first)
        assert _attachment(first)["connected_systems"][0]["confirmed"] is False
        view = client.get(f"{REQUESTS}/{rid}").json()
        assert [(m["what"], m["state"]) for m in view["mails"]] == [
            ("request_access", "sent"),
            ("erasure_certificate", "sent"),
            ("erasure_certificate", "waiting"),
        ]
        assert final_certificate.complete_waiting(kluis, NOW, _transport(smtp)) == 0
        # the system confirms an hour later
        confirmed_at = NOW + timedelta(hours=1)
        shop.now = confirmed_at
        assert delivery.deliver_due(kluis, confirmed_at).confirmed == 1
    later = confirmed_at + timedelta(hours=1)
    assert final_certificate.complete_waiting(kluis, later, _transport(smtp)) == 1
    final = smtp.received[-1]
    assert len(smtp.received) == 3
    assert str(final["To"]) == address
    assert str(final["Subject"]).startswith("Final confirmation")
    proof = _attachment(final)
    assert proof["connected_systems"] == [
        {
            "system": "Webshop",
            "reach": "webhook",
            "state": "confirmed",
            "confirmed": True,
            "confirmed_at": confirmed_at.isoformat(),
        }
    ]
    assert "Webshop: confirmed the erasure" in _plain(final)
    view = client.get(f"{REQUESTS}/{rid}").json()
    assert [m["state"] for m in view["mails"]] == ["sent", "sent", "sent"]
    # the capture and its key are gone: the address is in no store any more
    with kluis.engine.connect() as conn:
        assert discover_repo.capture_of(conn, rid) is None
        for table in DataBase.metadata.sorted_tables:
            dumped = " ".join(str(r) for r in conn.execute(select(table)))
            assert address not in dumped, table.name
    # running the final check again mails nobody
    assert final_certificate.complete_waiting(kluis, later, _transport(smtp)) == 0
    assert len(smtp.received) == 3


def test_the_final_certificate_goes_when_the_deadline_nears_saying_who_did_not_confirm(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = add_person(kluis, ADMIN, NOW, 22, purposes=("customer_service",), language="en")
    client = _staff(kluis, smtp)
    made = client.post(
        "/api/v1/systems",
        json={
            "name": "Accounting",
            "reach": "manual",
            "kind": "recipient",
            "instructions": "Remove the debtor card.",
            "purposes": ["customer_service"],
        },
    )
    assert made.status_code == 201, made.text
    rid = _erasure(client, person)
    due = client.get(f"{REQUESTS}/{rid}").json()["deadline"]
    assert final_certificate.complete_waiting(kluis, NOW + timedelta(days=2), _transport(smtp)) == 0
    near = datetime.fromisoformat(due) - timedelta(days=1)
    assert final_certificate.complete_waiting(kluis, near, _transport(smtp)) == 1
    proof = _attachment(smtp.received[-1])
    assert [(s["system"], s["confirmed"]) for s in proof["connected_systems"]] == [
        ("Accounting", False)
    ]
    assert "has not confirmed yet" in _plain(smtp.received[-1])


def test_a_mail_job_run_twice_mails_once(kluis: Kluis, smtp: MailServer) -> None:
    person = add_person(kluis, ADMIN, NOW, 23, purposes=("customer_service",), language="en")
    client = _staff(kluis, smtp)
    made = client.post(REQUESTS, json={"type": "access", "person_id": person}).json()
    refused = client.post(f"{REQUESTS}/{made['id']}/refuse", json={"reason": "Not shown."})
    assert refused.status_code == 200, refused.text
    assert len(smtp.received) == 1
    [mail] = client.get(f"{REQUESTS}/{made['id']}").json()["mails"]
    assert (mail["what"], mail["state"], mail["attempts"]) == ("request_refused", "sent", 1)
    context = JobContext(kluis, lambda: NOW, _transport(smtp))
    for _ in range(2):
        assert run(request_jobs.mail, {"mail_id": mail["id"]}, context).outcome is Outcome.DONE
    assert len(smtp.received) == 1


def test_a_mail_server_failure_is_recorded_and_retried(kluis: Kluis, smtp: MailServer) -> None:
    class Down(SmtpTransport):
        def send(self, message: EmailMessage) -> None:
            raise SendFailed("421 try later", permanent=False, code=421)

    person = add_person(kluis, ADMIN, NOW, 24, purposes=("customer_service",), language="en")
    client = client_for(kluis, "privacy_officer", now=NOW)
    url = smtp.url
    client.app.state.transport_factory = lambda: Down(  # type: ignore[attr-defined]
        parse_smtp_url(url), sleep=lambda _s: None
    )
    made = client.post(REQUESTS, json={"type": "access", "person_id": person}).json()
    refused = client.post(f"{REQUESTS}/{made['id']}/refuse", json={"reason": "Not shown."})
    assert refused.status_code == 200, refused.text
    [mail] = client.get(f"{REQUESTS}/{made['id']}").json()["mails"]
    assert (mail["state"], mail["reason"], mail["attempts"]) == ("failed", "SendFailed", 1)
    [finding] = request_mail_findings.failed(kluis, NOW)
    assert finding.details == {"requests": [made["id"]]}
    down = JobContext(kluis, lambda: NOW, client.app.state.transport_factory)
    assert run(request_jobs.mail, {"mail_id": mail["id"]}, down).outcome is Outcome.FAILED
    assert smtp.received == []
    up = JobContext(kluis, lambda: NOW + timedelta(minutes=5), _transport(smtp))
    assert run(request_jobs.mail, {"mail_id": mail["id"]}, up).outcome is Outcome.DONE
    assert len(smtp.received) == 1
    with kluis.engine.connect() as conn:
        row = conn.execute(select(RequestMail)).one()
    assert (row.state, row.attempts, row.reason) == ("sent", 3, None)
    assert request_mail_findings.failed(kluis, NOW) == []
    assert mails.stuck(kluis, ("queued",), NOW) == []
