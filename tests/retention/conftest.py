"""Fixtures of the retention tests: a real SMTP server, a transport to it, and a way to record
a consent grant with a notice, as a form would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from factories import add_notice, grant_consent
from kluis.messaging.service import TransportFactory
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.runtime import Kluis
from mailserver import MailServer

Grant = Callable[..., int]


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
            notices["en"] = add_notice(kluis, now=at)
        return grant_consent(kluis, person_id, channel, topic, notices["en"], at=at)

    return record
