"""The limits on the public forms that send e-mail hold across web processes: two apps, each on
its own engines over the same stores (as ``kluis serve --workers 2`` runs them), enforce the
same limits as one, on the privacy portal and on the sign-up form alike."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import ADMIN, NOW
from factories import EVERY_PAIR
from kluis.api import get_now
from kluis.app import create_app
from kluis.consent import catalogue
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.opening import open_kluis
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.ui.limits import PER_ADDRESS, PER_CLIENT
from mailserver import MailServer

NOTICE = "Ja, mail me over de onderwerpen die ik aanvink. Afmelden kan altijd."


def make_client(kluis: Kluis, smtp: MailServer) -> TestClient:
    app = create_app(kluis)
    app.dependency_overrides[get_now] = lambda: NOW
    url = smtp.url
    app.state.transport_factory = lambda: SmtpTransport(parse_smtp_url(url), sleep=lambda _s: None)
    return TestClient(app)


def ask(client: TestClient, address: str) -> Any:
    return client.post("/privacy?lang=en", data={"email": address, "type": "access"})


def signup_data(kluis: Kluis, address: str) -> dict[str, str | list[str]]:
    notice = str(catalogue.add_notice(kluis, ADMIN, "nl", NOTICE, NOW, covers=EVERY_PAIR).id)
    return {
        "email": address,
        "given_name": "Noor",
        "family_name": "Visser",
        "language": "nl",
        "topic": ["offers", "newsletter"],
        "notice-offers": notice,
        "notice-newsletter": notice,
    }


@pytest.fixture
def two(settings: Settings, kluis: Kluis, smtp: MailServer) -> Iterator[list[TestClient]]:
    """Clients of two apps: one on the test's Kluis, one on a second opening of its stores."""
    second = open_kluis(settings, migrate=False)
    try:
        with make_client(kluis, smtp) as first, make_client(second, smtp) as other:
            yield [first, other]
    finally:
        second.close()


def test_one_address_gets_at_most_five_mails_whichever_process_answers(
    two: list[TestClient], smtp: MailServer
) -> None:
    pages = [ask(two[n % 2], "mail.bomb.target@example.com") for n in range(PER_ADDRESS + 3)]
    assert {(p.status_code, p.text) for p in pages} == {(200, pages[0].text)}
    assert len(smtp.received) == PER_ADDRESS


def test_one_client_is_asked_to_wait_after_the_limit_counted_by_both_processes(
    two: list[TestClient], smtp: MailServer
) -> None:
    for n in range(PER_CLIENT):
        assert ask(two[n % 2], f"someone{n}@example.com").status_code == 200
    for client in two:
        refused = ask(client, "one.more@example.com")
        assert refused.status_code == 429
        assert "Try again in an hour" in refused.text


def test_sign_ups_for_one_address_stop_mailing_after_five_across_processes(
    kluis: Kluis, two: list[TestClient], smtp: MailServer
) -> None:
    data = signup_data(kluis, "same.address@example.com")
    pages = [two[n % 2].post("/signup", data=data) for n in range(PER_ADDRESS + 2)]
    assert {p.status_code for p in pages} == {200}
    assert len({p.text for p in pages}) == 1
    assert len(smtp.received) == PER_ADDRESS
