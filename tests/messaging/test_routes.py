"""Messages and campaigns through the JSON API, on SQLite and PostgreSQL, with a real token per
role and a real SMTP server (aiosmtpd): what arrives is parsed and checked.

A campaign is sent in a background task; the test client runs background tasks before the call
returns, so the campaign has been sent when ``POST .../send`` comes back.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import pytest

from api_helpers import TestClient, anonymous_client, assert_problem, client_for
from conftest import ADMIN, MARKETING, NOW
from factories import add_marketed_person as add_person
from kluis.consent import catalogue
from kluis.consent import ledger as consent
from kluis.contacts import erasure as contacts
from kluis.contacts import flags
from kluis.errors import Conflict
from kluis.messaging import campaigns, sender, service
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.runtime import Kluis
from mailserver import MailServer

MESSAGES = "/api/v1/messages"
SERVING = {"purpose": "customer_service"}
ANSWERING = {"purpose": "privacy_requests"}
CAMPAIGNS = "/api/v1/campaigns"
NOTICE = {
    "template": "notice",
    "params": {"subject": "Opening hours", "body": "We are closed on Monday."},
}
OFFER = {
    "subject": {"en": "Our spring offer", "nl": "Onze lenteaanbieding"},
    "body": {
        "en": "Dear {{ given_name }},\n\nTwo for one on all cheeses.",
        "nl": "Beste {{ given_name }},\n\nTwee halen, een betalen op alle kazen.",
    },
}
SPRING = {
    "name": "Spring",
    "topic": "offers",
    "subject": {"en": "Spring offer", "nl": "Lenteaanbieding"},
    "body": {
        "en": "Hello {{ given_name }},\n\nAll cheese half price.",
        "nl": "Hallo {{ given_name }},\n\nAlle kaas halve prijs.",
    },
    "rate_per_minute": 100_000,
}


def client(
    kluis: Kluis, role: str, smtp: MailServer | None = None, now: datetime = NOW
) -> TestClient:
    """A client of ``role`` whose app sends through ``smtp`` (no mail server when None) and
    whose clock reads ``now``."""
    made = client_for(kluis, role, now=now)
    if smtp is not None:
        url = smtp.url
        made.app.state.transport_factory = lambda: SmtpTransport(  # type: ignore[attr-defined]
            parse_smtp_url(url), sleep=lambda _s: None
        )
    return made


def message(person_id: str, kind: str, content: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"person_id": person_id, "kind": kind, "topic": "offers", **content, **extra}


def send(made: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = made.post(MESSAGES, json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def population(kluis: Kluis) -> dict[str, str]:
    notice = catalogue.add_notice(
        kluis, ADMIN, "en", "Yes, send me offers by e-mail.", NOW, covers=[("email", "offers")]
    ).id
    people = {
        "customer": add_person(kluis, ADMIN, NOW, 1, relationship="customer"),
        "consenting": add_person(kluis, ADMIN, NOW, 2, relationship="prospect", language="en"),
        "silent": add_person(kluis, ADMIN, NOW, 3, relationship="prospect"),
        "unsubscribed": add_person(kluis, ADMIN, NOW, 4, relationship="customer"),
        "objector": add_person(kluis, ADMIN, NOW, 5, relationship="customer"),
    }
    consent.record(
        kluis,
        MARKETING,
        people["consenting"],
        "email",
        "offers",
        "granted",
        NOW,
        consent.Grant(method="double_opt_in", notice_id=notice),
    )
    consent.record(kluis, MARKETING, people["unsubscribed"], "email", "offers", "withdrawn", NOW)
    flags.set_flag(kluis, MARKETING, people["objector"], "objection", True, "phone", NOW)
    return people


def recipients(smtp: MailServer) -> Counter[str]:
    return Counter(str(m["To"]) for m in smtp.received)


def plain(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


# One message ------------------------------------------------------------------------------------


def test_a_prospect_gets_service_mail_but_no_marketing(kluis: Kluis, smtp: MailServer) -> None:
    person = add_person(kluis, ADMIN, NOW, relationship="prospect")
    marketing, staff = client(kluis, "marketing", smtp), client(kluis, "service", smtp)
    refused = send(marketing, message(person, "commercial", OFFER))
    assert refused["status"] == "refused"
    assert refused["decision"]["allowed"] is False
    assert refused["decision"]["reason"] == "no_consent"
    assert refused["decision"]["reason_en"]
    assert refused["decision"]["reason_nl"]
    assert smtp.received == []
    sent = send(staff, message(person, "transactional", NOTICE))
    assert (sent["status"], sent["kind"], sent["person_id"]) == ("sent", "transactional", person)
    assert sent["decision"] == {
        "allowed": True,
        "basis": "contract",
        "reason": "transactional",
        "reason_en": sent["decision"]["reason_en"],
        "reason_nl": sent["decision"]["reason_nl"],
        "evidence_event_id": None,
        "purpose": "customer_service",
    }
    [mail] = smtp.received
    assert mail["To"] == "fenna.brouwersma1@example.com"
    assert mail["Subject"] == "Opening hours"
    assert mail["List-Unsubscribe"] is None
    assert "We are closed on Monday." in plain(mail)
    history = staff.get(f"/api/v1/contacts/{person}/messages", params=SERVING)
    assert history.status_code == 200, history.text
    assert [
        (m["id"], m["kind"], m["status"], m["template"], m["decision"]["reason"], m["sent_at"])
        for m in history.json()
    ] == [
        (refused["id"], "commercial", "refused", "custom", "no_consent", None),
        (sent["id"], "transactional", "sent", "notice", "transactional", "2026-03-14T09:30:00Z"),
    ]
    assert history.json()[0]["created_by"].startswith("user:")


def test_commercial_mail_on_consent_cites_its_evidence(kluis: Kluis, smtp: MailServer) -> None:
    people = population(kluis)
    marketing = client(kluis, "marketing", smtp)
    sent = send(marketing, message(people["consenting"], "commercial", OFFER))
    assert sent["status"] == "sent"
    assert sent["decision"]["basis"] == "consent"
    assert isinstance(sent["decision"]["evidence_event_id"], int)
    customer = send(marketing, message(people["customer"], "commercial", OFFER))
    assert customer["decision"]["basis"] == "soft_opt_in"
    english, dutch = smtp.received
    assert (english["Subject"], dutch["Subject"]) == ("Our spring offer", "Onze lenteaanbieding")
    assert english["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Dear Fenna2" in plain(english)
    assert "Unsubscribe" in plain(english)
    for who, reason in (("unsubscribed", "withdrawn"), ("objector", "objected")):
        refused = send(marketing, message(people[who], "commercial", OFFER))
        assert (refused["status"], refused["decision"]["reason"]) == ("refused", reason)
    assert len(smtp.received) == 2


def test_restricted_people_are_refused_and_erased_ones_gone(kluis: Kluis, smtp: MailServer) -> None:
    person = add_person(kluis, ADMIN, NOW)
    admin = client(kluis, "admin", smtp)
    flagged = admin.post(
        f"/api/v1/contacts/{person}/restriction", json={"active": True, "method": "letter"}
    )
    assert flagged.status_code == 201, flagged.text
    refused = send(admin, message(person, "transactional", NOTICE))
    assert (refused["status"], refused["decision"]["reason"]) == ("refused", "restricted")
    assert smtp.received == []
    contacts.erase_person(kluis, ADMIN, person, NOW)
    assert_problem(
        admin.post(MESSAGES, json=message(person, "transactional", NOTICE)),
        410,
        "urn:kluis:problem:person-erased",
    )
    assert_problem(
        admin.get(f"/api/v1/contacts/{person}/messages", params=ANSWERING),
        410,
        "urn:kluis:problem:person-erased",
    )
    assert smtp.received == []


def test_a_mail_server_refusal_is_a_failed_message(kluis: Kluis, smtp: MailServer) -> None:
    person = add_person(kluis, ADMIN, NOW)
    smtp.handler.replies = ["550 5.1.1 no such mailbox"]
    failed = send(client(kluis, "admin", smtp), message(person, "transactional", NOTICE))
    assert failed["status"] == "failed"
    assert "550" in failed["error"]
    assert failed["decision"]["allowed"] is True


def test_the_mail_servers_answer_is_shown_to_admins_and_the_privacy_officer_only(
    kluis: Kluis, smtp: MailServer
) -> None:
    """The server's answer can quote the address (issue 14): the transport keeps only its codes,
    and the role that sent the message learns it failed, not even those; admins and the
    privacy officer read the stored text, from the answer and the person's history alike."""
    person = add_person(kluis, ADMIN, NOW, purposes=("customer_service", "email_marketing"))
    address = "fenna.brouwersma1@example.com"
    smtp.handler.replies = [f"550 5.1.1 <{address}>: Recipient address rejected"]
    failed = send(client(kluis, "service", smtp), message(person, "transactional", NOTICE))
    assert failed["status"] == "failed"
    assert address not in failed["error"]
    assert "550" not in failed["error"]
    assert "admins and the privacy officer" in failed["error"]
    for role in ("admin", "privacy_officer", "marketing", "sales", "service"):
        history = client(kluis, role).get(
            f"/api/v1/contacts/{person}/messages", params={"purpose": READ_UNDER[role]}
        )
        assert history.status_code == 200, (role, history.text)
        [entry] = history.json()
        assert address not in entry["error"], role
        whole = role in ("admin", "privacy_officer")
        assert ("550 5.1.1" in entry["error"]) is whole, role


READ_UNDER = {
    "admin": "privacy_requests",
    "privacy_officer": "privacy_requests",
    "marketing": "email_marketing",
    "sales": "customer_service",
    "service": "customer_service",
}
"""A purpose each role holds that the person of the test was collected for."""


def test_message_errors(kluis: Kluis, smtp: MailServer) -> None:
    person = add_person(kluis, ADMIN, NOW)
    staff = client(kluis, "service", smtp)
    invalid = "urn:kluis:problem:invalid-field"
    cases: list[tuple[dict[str, Any], int, str, str | None]] = [
        (message(person, "transactional", {"template": "nope"}), 422, invalid, "template"),
        (message(person, "transactional", {"template": "notice"}), 422, invalid, "params"),
        (message(person, "transactional", NOTICE | OFFER), 422, invalid, "template"),
        (message(person, "transactional", {"params": {"a": "b"}}), 422, invalid, "params"),
        (message(person, "transactional", {}), 422, invalid, "subject"),
        (
            message(
                person,
                "transactional",
                {"subject": {"en": "Hello"}, "body": {"nl": "Hallo"}},
            ),
            422,
            invalid,
            "body",
        ),
        (
            message(
                person,
                "transactional",
                {"subject": {"nl": "Hoi"}, "body": {"nl": "{{ ''.__class__.__mro__ }}"}},
            ),
            422,
            invalid,
            "body",
        ),
        (message(person, "transactional", NOTICE, topic="nope"), 422, invalid, "topic"),
        (message(person, "newsletter", NOTICE), 422, invalid, "kind"),
        (
            message("00000000-0000-4000-8000-000000000000", "transactional", NOTICE),
            404,
            "urn:kluis:problem:not-found",
            "person_id",
        ),
        (
            message(person, "commercial", OFFER),
            403,
            "urn:kluis:problem:purpose-refused",
            "purpose",
        ),
    ]
    for body, status, type_uri, field in cases:
        assert_problem(staff.post(MESSAGES, json=body), status, type_uri, field)
    assert smtp.received == []
    assert_problem(
        anonymous_client(kluis).post(MESSAGES, json=message(person, "transactional", NOTICE)),
        401,
        "urn:kluis:problem:unauthenticated",
    )
    assert_problem(
        client(kluis, "service").post(MESSAGES, json=message(person, "transactional", NOTICE)),
        503,
        "urn:kluis:problem:mail-not-configured",
    )
    assert_problem(
        staff.get("/api/v1/contacts/00000000-0000-4000-8000-000000000000/messages", params=SERVING),
        404,
        "urn:kluis:problem:not-found",
    )
    statuses = [
        m["status"] for m in service.messages_of(kluis, ADMIN, person, "privacy_requests", NOW)
    ]
    assert "sending" not in statuses


# Campaigns --------------------------------------------------------------------------------------


def create(made: TestClient, body: dict[str, Any] = SPRING) -> dict[str, Any]:
    response = made.post(CAMPAIGNS, json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    assert response.headers["Location"] == f"{CAMPAIGNS}/{answer['id']}"
    return answer


def test_create_preview_send_and_count(kluis: Kluis, smtp: MailServer) -> None:
    population(kluis)
    marketing = client(kluis, "marketing", smtp)
    draft = create(marketing)
    assert draft["status"] == "draft"
    assert draft["subject"] == SPRING["subject"]
    assert draft["counts"] == dict.fromkeys(
        ("queued", "sending", "sent", "refused", "failed", "interrupted"), 0
    )
    preview = marketing.get(f"{CAMPAIGNS}/{draft['id']}/preview")
    assert preview.status_code == 200, preview.text
    assert preview.json() == {
        "campaign_id": draft["id"],
        "channel": "email",
        "topic": "offers",
        "audience": 2,
        "refused": {"no_consent": 1, "withdrawn": 1, "objected": 1},
    }
    assert smtp.received == []
    started = marketing.post(f"{CAMPAIGNS}/{draft['id']}/send")
    assert started.status_code == 202, started.text
    assert started.json()["id"] == draft["id"]
    done = marketing.get(f"{CAMPAIGNS}/{draft['id']}").json()
    assert done["status"] == "sent"
    assert done["counts"]["sent"] == 2
    assert sum(done["counts"].values()) == 2
    assert done["refused"] == {"no_consent": 1, "withdrawn": 1, "objected": 1}
    assert done["started_at"] == done["finished_at"] == "2026-03-14T09:30:00Z"
    assert recipients(smtp) == Counter(
        {"fenna.brouwersma1@example.com": 1, "fenna.brouwersma2@example.com": 1}
    )
    assert sorted(str(m["Subject"]) for m in smtp.received) == ["Lenteaanbieding", "Spring offer"]
    assert all(m["List-Unsubscribe"] for m in smtp.received)
    assert_problem(
        marketing.post(f"{CAMPAIGNS}/{draft['id']}/send"),
        409,
        "urn:kluis:problem:conflict",
        "campaign_id",
    )
    assert len(smtp.received) == 2


def test_the_next_campaign_skips_who_unsubscribed(kluis: Kluis, smtp: MailServer) -> None:
    population(kluis)
    marketing = client(kluis, "marketing", smtp)
    first = create(marketing)
    marketing.post(f"{CAMPAIGNS}/{first['id']}/send")
    mail = next(m for m in smtp.received if m["To"] == "fenna.brouwersma1@example.com")
    url = str(mail["List-Unsubscribe"]).split(",")[0].strip().strip("<>")
    service.unsubscribe(kluis, urlsplit(url).path.rsplit("/", 1)[1], NOW + timedelta(minutes=1))
    smtp.received.clear()
    later = client(kluis, "marketing", smtp, now=NOW + timedelta(hours=1))
    second = create(later, SPRING | {"name": "Summer"})
    assert later.get(f"{CAMPAIGNS}/{second['id']}/preview").json()["refused"]["withdrawn"] == 2
    assert later.post(f"{CAMPAIGNS}/{second['id']}/send").status_code == 202
    assert recipients(smtp) == Counter({"fenna.brouwersma2@example.com": 1})


def test_permanent_failures_are_counted_per_recipient(kluis: Kluis, smtp: MailServer) -> None:
    population(kluis)
    smtp.handler.replies = ["550 5.1.1 no such mailbox"]
    marketing = client(kluis, "marketing", smtp)
    draft = create(marketing)
    marketing.post(f"{CAMPAIGNS}/{draft['id']}/send")
    done = marketing.get(f"{CAMPAIGNS}/{draft['id']}").json()
    assert done["status"] == "sent"
    assert (done["counts"]["sent"], done["counts"]["failed"]) == (1, 1)
    assert len(smtp.received) == 1


class Killed(Exception):
    """Stands for the sender dying mid-send."""


def test_a_stopped_send_resumes_without_sending_anyone_twice(
    kluis: Kluis, smtp: MailServer, caplog: pytest.LogCaptureFixture
) -> None:
    for n in range(10, 16):
        add_person(kluis, ADMIN, NOW, n, relationship="customer")
    marketing = client(kluis, "marketing", smtp)
    sends = 0

    class Dying(SmtpTransport):
        def send(self, message: EmailMessage) -> None:
            nonlocal sends
            sends += 1
            if sends == 3:
                raise Killed
            super().send(message)

    url = smtp.url
    healthy = marketing.app.state.transport_factory  # type: ignore[attr-defined]
    marketing.app.state.transport_factory = lambda: Dying(parse_smtp_url(url))  # type: ignore[attr-defined]
    draft = create(marketing)
    with caplog.at_level(logging.ERROR, logger="kluis.messaging.routes"):
        assert marketing.post(f"{CAMPAIGNS}/{draft['id']}/send").status_code == 202
    assert "send it again to resume" in caplog.text
    stopped = marketing.get(f"{CAMPAIGNS}/{draft['id']}").json()
    assert stopped["status"] == "sending"
    assert stopped["counts"] == {
        "queued": 3,
        "sending": 1,
        "sent": 2,
        "refused": 0,
        "failed": 0,
        "interrupted": 0,
    }
    marketing.app.state.transport_factory = healthy  # type: ignore[attr-defined]
    assert marketing.post(f"{CAMPAIGNS}/{draft['id']}/send").status_code == 202
    done = marketing.get(f"{CAMPAIGNS}/{draft['id']}").json()
    assert done["status"] == "sent"
    assert (done["counts"]["sent"], done["counts"]["interrupted"]) == (6, 0)
    assert len(smtp.received) == 6
    assert max(recipients(smtp).values()) == 1


def test_a_second_send_while_one_runs_is_refused_and_starts_no_second_sender(
    kluis: Kluis, smtp: MailServer
) -> None:
    """One sender per campaign (issue 14): a second ``POST .../send`` while a sender holds the
    campaign (here one that ``ready_to_send`` started elsewhere, as another process would)
    answers 409 and sends nothing; once the first sender has stopped without giving the
    campaign up, its claim lapses and sending again resumes."""
    population(kluis)
    marketing = client(kluis, "marketing", smtp)
    draft = create(marketing, SPRING | {"rate_per_minute": 60})
    url = smtp.url

    def transport() -> SmtpTransport:
        return SmtpTransport(parse_smtp_url(url), sleep=lambda _s: None)

    campaigns.ready_to_send(kluis, MARKETING, draft["id"], transport, NOW)
    second = marketing.post(f"{CAMPAIGNS}/{draft['id']}/send")
    assert_problem(second, 409, "urn:kluis:problem:conflict", "campaign_id")
    assert "being sent already" in second.json()["detail"]
    assert smtp.received == []
    assert marketing.get(f"{CAMPAIGNS}/{draft['id']}").json()["status"] == "draft"
    with pytest.raises(Conflict):
        campaigns.send_campaign(kluis, MARKETING, draft["id"], lambda: NOW, transport)
    later = client(kluis, "marketing", smtp, now=NOW + sender.LEASE)
    assert later.post(f"{CAMPAIGNS}/{draft['id']}/send").status_code == 202
    assert later.get(f"{CAMPAIGNS}/{draft['id']}").json()["status"] == "sent"
    assert len(smtp.received) == 2


def test_a_sender_whose_claim_was_taken_stops(kluis: Kluis, smtp: MailServer) -> None:
    """A sender that stalled past its claim and finds another sender holding the campaign
    stops before its next message, so two senders never work at once."""
    for n in range(20, 24):
        add_person(kluis, ADMIN, NOW, n, relationship="customer")
    draft = create(client(kluis, "marketing", smtp), SPRING | {"rate_per_minute": 60})
    url = smtp.url
    clock = iter([NOW + timedelta(seconds=s) for s in range(100)])
    stalled = NOW + timedelta(hours=1)

    def sleep(_seconds: float) -> None:
        # the first sender stalls after its first message; a second one claims the lapsed
        # campaign meanwhile
        sender.claim(kluis, draft["id"], 60, stalled)

    done = campaigns.send_campaign(
        kluis,
        MARKETING,
        draft["id"],
        lambda: next(clock),
        lambda: SmtpTransport(parse_smtp_url(url), sleep=lambda _s: None),
        sleep=sleep,
    )
    assert done.counts.get("sent") == 1
    assert done.counts.get("queued") == 3
    assert len(smtp.received) == 1


def test_campaign_errors(kluis: Kluis, smtp: MailServer) -> None:
    marketing = client(kluis, "marketing", smtp)
    sales = client(kluis, "sales", smtp)
    invalid = "urn:kluis:problem:invalid-field"
    cases: list[tuple[dict[str, Any], str]] = [
        (SPRING | {"topic": "nope"}, "topic"),
        (SPRING | {"subject": {"en": "Hi"}, "body": {"nl": "Hoi"}}, "body"),
        (SPRING | {"subject": {}, "body": {}}, "subject"),
        (SPRING | {"rate_per_minute": 0}, "rate_per_minute"),
        (SPRING | {"name": ""}, "name"),
        (SPRING | {"channel": "fax"}, "channel"),
        (SPRING | {"channel": "sms"}, "subject"),
    ]
    for body, field in cases:
        assert_problem(marketing.post(CAMPAIGNS, json=body), 422, invalid, field)
    assert_problem(sales.post(CAMPAIGNS, json=SPRING), 403, "urn:kluis:problem:permission-denied")
    draft = create(marketing)
    assert_problem(
        sales.post(f"{CAMPAIGNS}/{draft['id']}/send"), 403, "urn:kluis:problem:permission-denied"
    )
    for path in ("", "/preview"):
        assert_problem(
            marketing.get(f"{CAMPAIGNS}/999{path}"),
            404,
            "urn:kluis:problem:not-found",
            "campaign_id",
        )
    assert_problem(
        marketing.post(f"{CAMPAIGNS}/999/send"), 404, "urn:kluis:problem:not-found", "campaign_id"
    )
    assert_problem(marketing.get(f"{CAMPAIGNS}/0"), 422, invalid, "campaign_id")
    assert_problem(
        client(kluis, "marketing").post(f"{CAMPAIGNS}/{draft['id']}/send"),
        503,
        "urn:kluis:problem:mail-not-configured",
    )
    assert marketing.get(f"{CAMPAIGNS}/{draft['id']}").json()["status"] == "draft"
    assert_problem(
        anonymous_client(kluis).get(f"{CAMPAIGNS}/{draft['id']}"),
        401,
        "urn:kluis:problem:unauthenticated",
    )
    assert smtp.received == []
