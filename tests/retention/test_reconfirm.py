"""Re-confirmation through a real SMTP server and the app: the mail goes once, only to live
consents (never to anyone who withdrew, objected or is restricted), its link opens a page whose
button records ``reconfirmed`` and renews the date; silence lapses the consent at the date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from conftest import ADMIN, NOW
from factories import add_person
from kluis.api import get_now
from kluis.app import create_app
from kluis.consent import catalogue, decisions
from kluis.consent import ledger as consent
from kluis.consent.rules import add_months
from kluis.contacts import erasure as contacts
from kluis.contacts import flags
from kluis.locale.formats import say_date
from kluis.messaging import service as messaging
from kluis.messaging import tokens
from kluis.messaging.service import TransportFactory
from kluis.public import i18n
from kluis.retention import service
from kluis.runtime import Kluis
from mailserver import MailServer

Grant = Callable[..., int]

DEADLINE = datetime.combine(date(2028, 3, 14), NOW.timetz())
"""When a consent given at NOW must be re-confirmed (offers: 24 months)."""
ASK = DEADLINE - timedelta(days=23)
"""A day in the month before the deadline, when the mailing asks."""


def on(day: date) -> datetime:
    return datetime.combine(day, NOW.timetz())


def subscriber(kluis: Kluis, grant: Grant, n: int, language: str = "en") -> str:
    person = add_person(
        kluis,
        ADMIN,
        NOW,
        n,
        relationship="prospect",
        purposes=("email_marketing",),
        language=language,
        phone=None,
    )
    grant(person, NOW)
    return person


def page_client(kluis: Kluis, now: datetime) -> TestClient:
    app = create_app(kluis)
    app.dependency_overrides[get_now] = lambda: now
    return TestClient(app)


def link_of(mail: EmailMessage) -> str:
    """The re-confirmation link's path, as the person would click it in the text part."""
    text = mail.get_body(("plain",)).get_content()
    [line] = [w for w in text.split() if "/reconfirm/" in w]
    return urlsplit(line).path


def events(kluis: Kluis, person: str, action: str) -> list[consent.LedgerEntry]:
    return [
        e
        for e in consent.ledger(kluis, ADMIN, person, "privacy_requests", NOW).events
        if e.action == action
    ]


def test_the_mail_goes_once_and_only_to_live_consents(
    kluis: Kluis, grant: Grant, smtp: MailServer, transport: TransportFactory
) -> None:
    live = subscriber(kluis, grant, 1)
    withdrawn = subscriber(kluis, grant, 2)
    consent.record(
        kluis,
        ADMIN,
        withdrawn,
        "email",
        "offers",
        "withdrawn",
        NOW + timedelta(days=5),
        consent.Grant(method="unsubscribe_link", notice_id=None),
    )
    objected = subscriber(kluis, grant, 3)
    flags.set_flag(kluis, ADMIN, objected, "objection", True, "email", NOW + timedelta(days=5))
    restricted = subscriber(kluis, grant, 4)
    flags.set_flag(
        kluis, ADMIN, restricted, "restriction", True, "privacy_request", NOW + timedelta(days=5)
    )
    not_yet = add_person(
        kluis, ADMIN, NOW, 5, relationship="prospect", purposes=("email_marketing",), phone=None
    )
    grant(not_yet, NOW + timedelta(days=60))
    lapsed = add_person(
        kluis, ADMIN, NOW, 6, relationship="prospect", purposes=("email_marketing",), phone=None
    )
    catalogue.change_topic(kluis, ADMIN, "newsletter", {"reconfirm_months": 1}, NOW)
    grant(lapsed, NOW, topic="newsletter")  # lapsed on 14 April 2026

    report = service.send_reconfirmations(kluis, ASK, transport=transport)
    assert (report.asked, report.refused, report.failed) == (1, 0, 0)
    [mail] = smtp.received
    assert mail["To"] == "fenna.brouwersma1@example.com"
    assert mail["Subject"] == "Do you still want to hear from My organisation?"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "14 March 2028" in mail.get_body(("plain",)).get_content()
    assert link_of(mail).startswith("/reconfirm/")
    stored = messaging.messages_of(kluis, ADMIN, live, "privacy_requests", NOW)
    assert [(m["template"], m["status"], m["basis"]) for m in stored] == [
        ("reconfirm", "sent", "consent")
    ]
    for other in (withdrawn, objected, restricted, not_yet, lapsed):
        assert messaging.messages_of(kluis, ADMIN, other, "privacy_requests", NOW) == []

    again = service.send_reconfirmations(kluis, ASK + timedelta(days=5), transport=transport)
    assert again.asked == 0
    assert len(smtp.received) == 1
    # the consent granted later is asked in its own window
    later = service.send_reconfirmations(kluis, ASK + timedelta(days=60), transport=transport)
    assert later.asked == 1
    assert smtp.received[-1]["To"] == "fenna.brouwersma5@example.com"


def test_the_link_opens_a_page_whose_button_renews_the_consent(
    kluis: Kluis, grant: Grant, smtp: MailServer, transport: TransportFactory
) -> None:
    person = subscriber(kluis, grant, 1)
    silent = subscriber(kluis, grant, 2)  # asked too; never answers
    service.send_reconfirmations(kluis, ASK, transport=transport)
    [path] = [link_of(m) for m in smtp.received if m["To"] == "fenna.brouwersma1@example.com"]
    clicked = ASK + timedelta(days=2, hours=3)
    client = page_client(kluis, clicked)

    shown = client.get(path)
    assert shown.status_code == 200
    assert shown.headers["cache-control"] == "no-store"
    assert "Do you still want these messages?" in shown.text
    assert "14 March 2028" in shown.text
    assert '<form method="post">' in shown.text
    assert events(kluis, person, "reconfirmed") == []

    done = client.post(path)
    assert done.status_code == 200
    assert "Thank you for confirming" in done.text
    renewed_until = add_months(clicked, 24)
    assert say_date(renewed_until, "en") in done.text
    [event] = events(kluis, person, "reconfirmed")
    assert (event.captured_by, event.method, event.captured_at) == ("person", "email_link", clicked)
    kept = consent.kept_state(kluis, person)
    [(_key, permission)] = kept.items()
    assert (permission.status.value, permission.reconfirm_by) == ("granted", renewed_until)

    # pressing again, or opening the link again, records nothing more
    assert client.post(path).status_code == 200
    assert "Thank you for confirming" in client.get(path).text
    assert len(events(kluis, person, "reconfirmed")) == 1

    # nothing lapses at the old date (only the silent one), and the next period asks again
    assert service.sweep(kluis, DEADLINE).consents_expired == 1
    decision = decisions.decide(kluis, ADMIN, person, "email", "commercial", "offers", DEADLINE)
    assert decision.allowed
    next_ask = renewed_until - timedelta(days=10)
    assert (
        service.send_reconfirmations(kluis, ASK + timedelta(days=20), transport=transport).asked
        == 0
    )
    assert service.send_reconfirmations(kluis, next_ask, transport=transport).asked == 1
    assert [m["To"] for m in smtp.received[2:]] == ["fenna.brouwersma1@example.com"]
    assert (
        messaging.messages_of(kluis, ADMIN, silent, "privacy_requests", NOW)[-1]["created_at"]
        == ASK
    )


def test_silence_lapses_the_consent_at_the_date(
    kluis: Kluis, grant: Grant, smtp: MailServer, transport: TransportFactory
) -> None:
    person = subscriber(kluis, grant, 1)
    assert service.send_reconfirmations(kluis, ASK, transport=transport).asked == 1
    path = link_of(smtp.received[0])

    just_before = DEADLINE - timedelta(minutes=1)
    assert decisions.decide(
        kluis, ADMIN, person, "email", "commercial", "offers", just_before
    ).allowed
    refused = decisions.decide(kluis, ADMIN, person, "email", "commercial", "offers", DEADLINE)
    assert (refused.allowed, refused.reason.value) == (False, "expired")

    report = service.sweep(kluis, DEADLINE)
    assert report.consents_expired == 1
    [expired] = events(kluis, person, "expired")
    assert expired.captured_at == DEADLINE

    late = page_client(kluis, DEADLINE + timedelta(days=1)).post(path)
    assert late.status_code == 410
    assert i18n.strings("en")["token_lapsed"] in late.text
    assert events(kluis, person, "reconfirmed") == []


def test_a_lapsed_consent_cannot_be_renewed_even_before_a_sweep_marks_it(
    kluis: Kluis, grant: Grant, smtp: MailServer, transport: TransportFactory
) -> None:
    person = subscriber(kluis, grant, 1)
    service.send_reconfirmations(kluis, ASK, transport=transport)
    path = link_of(smtp.received[0])
    client = page_client(kluis, DEADLINE)
    assert client.get(path).status_code == 410
    assert client.post(path).status_code == 410
    assert events(kluis, person, "reconfirmed") == []


def test_the_page_speaks_the_persons_language(
    kluis: Kluis, grant: Grant, smtp: MailServer, transport: TransportFactory
) -> None:
    subscriber(kluis, grant, 1, language="nl")
    service.send_reconfirmations(kluis, ASK, transport=transport)
    mail = smtp.received[0]
    assert mail["Subject"] == "Wil je nog berichten van My organisation?"
    page = page_client(kluis, ASK).get(link_of(mail))
    assert page.status_code == 200
    assert '<html lang="nl">' in page.text
    assert "Wil je deze berichten nog?" in page.text
    assert "14 maart 2028" in page.text
    assert "Aanbiedingen" in page.text


def test_bad_expired_and_orphaned_links_give_a_page(
    kluis: Kluis, grant: Grant, smtp: MailServer, transport: TransportFactory
) -> None:
    person = subscriber(kluis, grant, 1)
    service.send_reconfirmations(kluis, ASK, transport=transport)
    path = link_of(smtp.received[0])

    tampered = page_client(kluis, ASK).get(path[:-3] + "xyz")
    assert tampered.status_code == 400
    assert i18n.strings("nl")["token_tampered"] in tampered.text

    unsubscribe = tokens.sign(
        kluis.vault.signing_key, tokens.LinkToken("unsubscribe", person, "email", "offers"), ASK
    )
    other_use = page_client(kluis, ASK).get(f"/reconfirm/{unsubscribe}")
    assert other_use.status_code == 400  # an unsubscribe link is not a re-confirmation link

    expired = page_client(kluis, ASK + timedelta(days=91)).get(path)
    assert expired.status_code == 410
    assert i18n.strings("nl")["token_expired"] in expired.text

    contacts.erase_person(kluis, ADMIN, person, ASK + timedelta(days=1))
    orphaned = page_client(kluis, ASK + timedelta(days=2)).post(path)
    assert orphaned.status_code == 410
    assert i18n.strings("nl")["token_gone"] in orphaned.text


def test_the_link_lasts_until_the_deadline_whatever_the_link_age_setting(
    kluis: Kluis, grant: Grant, smtp: MailServer, transport: TransportFactory
) -> None:
    subscriber(kluis, grant, 1)
    kluis.settings.link_max_age_days = 7
    kluis.settings.reconfirm_days_before = 60
    service.send_reconfirmations(kluis, DEADLINE - timedelta(days=59), transport=transport)
    path = link_of(smtp.received[0])
    assert page_client(kluis, DEADLINE - timedelta(minutes=5)).post(path).status_code == 200


def test_the_jobs_mail_only_when_mail_is_set_up(
    kluis: Kluis, grant: Grant, smtp: MailServer, transport: TransportFactory
) -> None:
    subscriber(kluis, grant, 1)
    assert "reconfirm" not in service.run_jobs(kluis, ASK)
    result = service.run_jobs(kluis, ASK, transport)
    assert result["reconfirm"].asked == 1
    assert result["sweep"].seen == 1


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_strings_exist_in_both_languages(language: str) -> None:
    strings = i18n.strings(language)
    for key in (
        "reconfirm_title",
        "reconfirm_intro",
        "reconfirm_nothing_yet",
        "reconfirm_button",
        "reconfirm_silence",
        "reconfirmed_title",
        "reconfirmed_body",
        "token_lapsed",
    ):
        assert strings[key].strip()
