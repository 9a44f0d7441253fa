"""Fixtures of the retention tests: a real SMTP server, a transport to it, and a way to record
a consent grant with a notice, as a form would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from conftest import MARKETING
from factories import EVERY_PAIR
from kluis.consent import catalogue
from kluis.consent import ledger as consent
from kluis.messaging.service import TransportFactory
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.runtime import Kluis
from mailserver import MailServer, mail_server

Grant = Callable[..., int]


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    with mail_server() as server:
        yield server


@pytest.fixture
def transport(smtp: MailServer) -> TransportFactory:
    url = smtp.url
    return lambda: SmtpTransport(parse_smtp_url(url), sleep=lambda _s: None)


@pytest.fixture
def grant(kluis: Kluis) -> Grant:
    """``grant(person, at, topic="offers", channel="email")``: a web-form grant with a notice."""
    notices: dict[str, int] = {}

    def record(person_id: str, at: datetime, topic: str = "offers", channel: str = "email") -> int:
        if "en" not in notices:
            notices["en"] = catalogue.add_notice(
                kluis, MARKETING, "en", "Yes, send me offers by e-mail.", at, covers=EVERY_PAIR
            ).id
        return consent.record(
            kluis,
            MARKETING,
            person_id,
            channel,
            topic,
            "granted",
            at,
            consent.Grant(method="web_form", notice_id=notices["en"]),
        )

    return record
