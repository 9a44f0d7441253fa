"""Campaigns against a real SMTP server: preview, send, one-click unsubscribe, resume after a
crash without sending anyone twice."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest

from conftest import ADMIN, MARKETING, NOW, SALES
from factories import add_marketed_person as add_person
from kluis.actors import PERSON
from kluis.audit import service as audit
from kluis.consent import catalogue
from kluis.consent import ledger as consent
from kluis.contacts import flags
from kluis.errors import Conflict, InvalidField, PermissionDenied
from kluis.messaging import campaigns, service
from kluis.messaging.tokens import TokenInvalid
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.runtime import Kluis
from mailserver import MailServer

SPRING = {
    "name": "Spring",
    "topic": "offers",
    "subject_en": "Spring offer",
    "body_en": "Hello {{ given_name }},\n\nAll cheese half price.",
    "subject_nl": "Lenteaanbieding",
    "body_nl": "Hallo {{ given_name }},\n\nAlle kaas halve prijs.",
}


def clock() -> datetime:
    return NOW


def transport(server: MailServer):  # type: ignore[no-untyped-def]
    return lambda: SmtpTransport(parse_smtp_url(server.url), sleep=lambda _s: None)


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


def test_preview_send_and_counts(kluis: Kluis, smtp: MailServer) -> None:
    population(kluis)
    draft = campaigns.create_campaign(kluis, MARKETING, SPRING, NOW)
    preview = campaigns.preview(kluis, draft.id, NOW)
    assert preview.allowed == 2
    assert preview.refused == {"no_consent": 1, "withdrawn": 1, "objected": 1}
    seen: list[tuple[int, int]] = []
    sent = campaigns.send_campaign(
        kluis,
        MARKETING,
        draft.id,
        clock,
        transport(smtp),
        progress=lambda done, total: seen.append((done, total)),
        sleep=lambda _s: None,
    )
    assert sent.status == "sent"
    assert sent.counts == {"sent": 2}
    assert sent.refused == preview.refused
    assert seen == [(1, 2), (2, 2)]
    assert recipients(smtp) == Counter(
        {"fenna.brouwersma1@example.com": 1, "fenna.brouwersma2@example.com": 1}
    )
    subjects = sorted(str(m["Subject"]) for m in smtp.received)
    assert subjects == ["Lenteaanbieding", "Spring offer"]
    with pytest.raises(Conflict):
        campaigns.send_campaign(kluis, MARKETING, draft.id, clock, transport(smtp))
    with pytest.raises(PermissionDenied):
        campaigns.create_campaign(kluis, SALES, SPRING, NOW)


def test_a_campaign_that_renders_too_much_is_refused_when_composed(kluis: Kluis) -> None:
    loop = "{% for i in range(100000) %}{{ given_name }} {% endfor %}"
    with pytest.raises(InvalidField, match="renders to more than") as caught:
        campaigns.create_campaign(kluis, MARKETING, SPRING | {"body_nl": loop}, NOW)
    assert caught.value.field == "body_nl"


def test_one_click_unsubscribe_from_the_received_header(kluis: Kluis, smtp: MailServer) -> None:
    people = population(kluis)
    first = campaigns.create_campaign(kluis, MARKETING, SPRING, NOW)
    campaigns.send_campaign(
        kluis, MARKETING, first.id, clock, transport(smtp), sleep=lambda _s: None
    )
    mail = next(m for m in smtp.received if m["To"] == "fenna.brouwersma1@example.com")
    url = str(mail["List-Unsubscribe"]).split(",")[0].strip().strip("<>")
    token = urlsplit(url).path.rsplit("/", 1)[1]
    later = NOW + timedelta(hours=1)
    service.unsubscribe(kluis, token, later)
    service.unsubscribe(kluis, token, later)
    ledger = consent.ledger(kluis, ADMIN, people["customer"], "privacy_requests", later).events
    assert [(e.action, e.method, e.captured_by) for e in ledger] == [
        ("withdrawn", "unsubscribe_link", "person")
    ]
    # The audit log names the person themselves as the one who acted (auth.rules.PERSON).
    recorded = audit.list_entries(
        kluis.engine, person_id=people["customer"], action="consent.recorded"
    )
    assert recorded[-1].actor == PERSON.ref == "person"
    with pytest.raises(TokenInvalid):
        service.unsubscribe(kluis, token[:-3] + "abc", later)
    smtp.received.clear()
    second = campaigns.create_campaign(kluis, MARKETING, SPRING | {"name": "Summer"}, later)
    campaigns.send_campaign(
        kluis, MARKETING, second.id, lambda: later, transport(smtp), sleep=lambda _s: None
    )
    assert recipients(smtp) == Counter({"fenna.brouwersma2@example.com": 1})


class Killed(BaseException):
    """Stands for the process being killed mid-send."""


def test_a_killed_send_resumes_without_sending_anyone_twice(kluis: Kluis, smtp: MailServer) -> None:
    for n in range(10, 16):
        add_person(kluis, ADMIN, NOW, n, relationship="customer")
    draft = campaigns.create_campaign(kluis, MARKETING, SPRING, NOW)

    class Dying(SmtpTransport):
        sends = 0

        def send(self, message):  # type: ignore[no-untyped-def]
            Dying.sends += 1
            if Dying.sends == 3:
                raise Killed
            super().send(message)

    with pytest.raises(Killed):
        campaigns.send_campaign(
            kluis,
            MARKETING,
            draft.id,
            clock,
            lambda: Dying(parse_smtp_url(smtp.url)),
            batch=2,
            sleep=lambda _s: None,
        )
    assert len(smtp.received) == 2
    resumed = campaigns.send_campaign(
        kluis, MARKETING, draft.id, clock, transport(smtp), sleep=lambda _s: None
    )
    assert resumed.counts == {"sent": 6}
    assert max(recipients(smtp).values()) == 1
    assert len(smtp.received) == 6


def test_a_person_who_withdraws_after_queueing_is_skipped(kluis: Kluis, smtp: MailServer) -> None:
    people = population(kluis)
    draft = campaigns.create_campaign(kluis, MARKETING, SPRING, NOW)
    assert campaigns.enqueue(kluis, MARKETING, draft.id, NOW) == 2
    consent.record(kluis, MARKETING, people["consenting"], "email", "offers", "withdrawn", NOW)
    sent = campaigns.send_campaign(
        kluis, MARKETING, draft.id, clock, transport(smtp), sleep=lambda _s: None
    )
    assert sent.counts == {"sent": 1, "refused": 1}
    assert recipients(smtp) == Counter({"fenna.brouwersma1@example.com": 1})
