"""Sending through a real SMTP server (aiosmtpd): what arrives is parsed with the ``email``
package and checked, and every message carries the decision that let it go (or stopped it)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from conftest import ADMIN, MARKETING, NOW, SERVICE
from factories import add_marketed_person as add_person
from kluis.consent import catalogue
from kluis.consent import ledger as consent
from kluis.contacts import erasure as contacts
from kluis.contacts import flags
from kluis.errors import PersonErased
from kluis.messaging import service, tokens
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.runtime import Kluis
from mailserver import MailServer

OFFER = service.Content(
    subject={"en": "Our spring offer", "nl": "Onze lenteaanbieding"},
    body={
        "en": "Dear {{ given_name }},\n\nTwo for one on all cheeses.",
        "nl": "Beste {{ given_name }},\n\nTwee halen, een betalen op alle kazen.",
    },
)
NOTICE = service.Content(
    template="notice",
    params={"subject": "Opening hours", "body": "We are closed on Monday."},
)


def transport(server: MailServer, **options: object):  # type: ignore[no-untyped-def]
    return lambda: SmtpTransport(parse_smtp_url(server.url), sleep=lambda _s: None, **options)  # type: ignore[arg-type]


def test_a_prospect_without_consent_gets_service_mail_but_no_marketing(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = add_person(kluis, ADMIN, NOW, relationship="prospect")
    refused = service.send_message(
        kluis, MARKETING, person, "commercial", "offers", OFFER, NOW, transport(smtp)
    )
    assert (refused.status, refused.decision.reason.value) == ("refused", "no_consent")
    assert smtp.received == []
    sent = service.send_message(
        kluis, SERVICE, person, "transactional", "offers", NOTICE, NOW, transport(smtp)
    )
    assert sent.status == "sent"
    [mail] = smtp.received
    assert mail["To"] == "fenna.brouwersma1@example.com"
    assert mail["List-Unsubscribe"] is None
    assert "We are closed on Monday." in mail.get_body(("plain",)).get_content()
    stored = service.messages_of(kluis, ADMIN, person, "privacy_requests", NOW)
    assert [(m["kind"], m["status"], m["reason"]) for m in stored] == [
        ("commercial", "refused", "no_consent"),
        ("transactional", "sent", "transactional"),
    ]


def test_commercial_mail_carries_one_click_unsubscribe(kluis: Kluis, smtp: MailServer) -> None:
    person = add_person(kluis, ADMIN, NOW, relationship="customer", given_name="Ruth")
    sent = service.send_message(
        kluis, MARKETING, person, "commercial", "offers", OFFER, NOW, transport(smtp)
    )
    assert (sent.status, sent.decision.basis.value) == ("sent", "soft_opt_in")
    [mail] = smtp.received
    assert mail["Subject"] == "Onze lenteaanbieding"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Id"].startswith("<offers.")
    url = mail["List-Unsubscribe"].strip("<>").split(">")[0]
    token = urlsplit(url).path.rsplit("/", 1)[1]
    parsed = tokens.verify(kluis.vault.signing_key, "unsubscribe", token, 3600)
    assert (parsed.person_id, parsed.channel, parsed.topic) == (person, "email", "offers")
    text = mail.get_body(("plain",)).get_content()
    assert "Beste Ruth" in text
    assert url in text
    assert "Afmelden" in text
    html = mail.get_body(("html",)).get_content()
    assert f'href="{url}"' in html
    assert "ruth" not in url.lower()
    assert "fenna" not in url.lower()


def test_names_cannot_inject_markup(kluis: Kluis, smtp: MailServer) -> None:
    person = add_person(kluis, ADMIN, NOW, relationship="customer", given_name="<b>Bold</b>")
    service.send_message(
        kluis, MARKETING, person, "commercial", "offers", OFFER, NOW, transport(smtp)
    )
    html = smtp.received[0].get_body(("html",)).get_content()
    assert "<b>Bold</b>" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html
    assert "<b>Bold</b>" in smtp.received[0].get_body(("plain",)).get_content()


def test_consent_is_the_basis_and_its_event_the_evidence(kluis: Kluis, smtp: MailServer) -> None:
    person = add_person(kluis, ADMIN, NOW, relationship="prospect", language="en")
    notice = catalogue.add_notice(
        kluis, ADMIN, "en", "Yes, send me offers by e-mail.", NOW, covers=[("email", "offers")]
    )
    event = consent.record(
        kluis,
        MARKETING,
        person,
        "email",
        "offers",
        "granted",
        NOW,
        consent.Grant(method="web_form", notice_id=notice.id),
    )
    sent = service.send_message(
        kluis, MARKETING, person, "commercial", "offers", OFFER, NOW, transport(smtp)
    )
    assert (sent.decision.basis.value, sent.decision.evidence_event_id) == ("consent", event)
    assert smtp.received[0]["Subject"] == "Our spring offer"
    later = NOW + timedelta(days=1)
    consent.record(kluis, MARKETING, person, "email", "offers", "withdrawn", later)
    after = service.send_message(
        kluis, MARKETING, person, "commercial", "offers", OFFER, later, transport(smtp)
    )
    assert (after.status, after.decision.reason.value) == ("refused", "withdrawn")
    assert len(smtp.received) == 1


def test_restricted_and_erased_people_get_nothing(kluis: Kluis, smtp: MailServer) -> None:
    person = add_person(kluis, ADMIN, NOW)
    flags.set_flag(kluis, ADMIN, person, "restriction", True, "letter", NOW)
    refused = service.send_message(
        kluis, SERVICE, person, "transactional", "offers", NOTICE, NOW, transport(smtp)
    )
    assert (refused.status, refused.decision.reason.value) == ("refused", "restricted")
    contacts.erase_person(kluis, ADMIN, person, NOW)
    with pytest.raises(PersonErased):
        service.send_message(
            kluis, SERVICE, person, "transactional", "offers", NOTICE, NOW, transport(smtp)
        )
    assert smtp.received == []


def test_temporary_failures_are_retried_and_permanent_ones_recorded(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = add_person(kluis, ADMIN, NOW)
    smtp.handler.replies = ["451 4.3.0 try again later"]
    sent = service.send_message(
        kluis, SERVICE, person, "transactional", "offers", NOTICE, NOW, transport(smtp)
    )
    assert sent.status == "sent"
    assert len(smtp.received) == 1
    smtp.handler.replies = ["550 5.1.1 no such mailbox"]
    failed = service.send_message(
        kluis, ADMIN, person, "transactional", "offers", NOTICE, NOW, transport(smtp)
    )
    assert failed.status == "failed"
    assert failed.error is not None
    assert "550 5.1.1" in failed.error
    assert "mailbox" not in failed.error
    assert len(smtp.received) == 1
