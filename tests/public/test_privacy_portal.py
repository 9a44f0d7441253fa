"""The public privacy-request portal (``/privacy``), through the app and a real SMTP server:
the link goes to the address on file and only a POST on it records a verified request, once;
an unknown address gets the same page and a "nothing held" e-mail; bad, expired and orphaned
links give a clear page; nl and en."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from conftest import ADMIN, NOW, PRIVACY
from factories import add_person
from kluis.api import get_now
from kluis.app import create_app
from kluis.contacts import erasure as contacts
from kluis.contacts.tables import people
from kluis.messaging import service as messaging
from kluis.messaging import tokens
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.requests import service as requests
from kluis.requests.views import RequestView
from kluis.runtime import Kluis
from mailserver import MailServer

KNOWN = "fenna.brouwersma1@example.com"
UNKNOWN = "nobody.here@example.com"
TYPES = ("access", "portability", "rectification", "restriction", "objection", "erasure")


def make_client(kluis: Kluis, smtp: MailServer | None, now: datetime = NOW) -> TestClient:
    app = create_app(kluis)
    app.dependency_overrides[get_now] = lambda: now
    if smtp is not None:
        url = smtp.url
        app.state.transport_factory = lambda: SmtpTransport(
            parse_smtp_url(url), sleep=lambda _s: None
        )
    return TestClient(app)


@pytest.fixture
def client(kluis: Kluis, smtp: MailServer) -> TestClient:
    return make_client(kluis, smtp)


def assert_page(response: Any, status: int, *texts: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "script-src" not in response.headers["content-security-policy"]
    assert "set-cookie" not in response.headers
    page: str = response.text
    assert page.lstrip().startswith("<!DOCTYPE html>")
    assert "Traceback" not in page
    for text in texts:
        assert text in page, f"{text!r} is not on the page"
    return page


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def link_path(message: EmailMessage) -> str:
    found = re.search(r"https?://\S+/privacy/confirm/\S+", text_part(message))
    assert found is not None, text_part(message)
    url = urlsplit(found.group(0))
    return f"{url.path}?{url.query}"


def portal_requests(kluis: Kluis) -> list[RequestView]:
    return requests.list_requests(kluis, PRIVACY, NOW)


def people_count(kluis: Kluis) -> int:
    with kluis.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(people)).scalar_one())


def ask(client: TestClient, address: str, kind: str = "access", lang: str = "en") -> Any:
    return client.post(f"/privacy?lang={lang}", data={"email": address, "type": kind})


# The form ---------------------------------------------------------------------------------------


def test_the_form_offers_six_requests_with_nothing_chosen(client: TestClient) -> None:
    page = assert_page(
        client.get("/privacy?lang=en"),
        200,
        "Privacy request",
        "What would you like to ask for?",
        "A copy of your data",
        "(Article 15 GDPR)",
        "(Article 17 GDPR)",
        "We will contact you to ask what should change.",
    )
    radios = re.findall(r'<input type="radio"[^>]*>', page)
    assert [re.search(r'value="(\w+)"', r).group(1) for r in radios] == list(TYPES)  # type: ignore[union-attr]
    assert not any("checked" in r for r in radios)
    for kind in TYPES:
        assert f'<label for="type-{kind}">' in page
        assert f'aria-describedby="type-{kind}-help"' in page
    assert '<label for="email">E-mail address</label>' in page
    assert "<script" not in page

    dutch = assert_page(
        client.get("/privacy", headers={"Accept-Language": "nl"}),
        200,
        "Privacyverzoek",
        "Wissen van je gegevens",
        "(artikel 17 AVG)",
        "We nemen contact met je op om te vragen wat er moet veranderen.",
    )
    assert "checked" not in dutch


# A known address --------------------------------------------------------------------------------


def test_a_known_address_gets_a_link_and_only_the_post_records_the_request(
    kluis: Kluis, smtp: MailServer, client: TestClient
) -> None:
    person = add_person(kluis, ADMIN, NOW, 1, language="en")
    # Typed differently from how it is on file: the blind index matches the normalised address.
    page = assert_page(ask(client, " Fenna.Brouwersma1@EXAMPLE.com ", "erasure"), 200)
    assert "If we hold data under this e-mail address, we sent a link to it" in page
    assert "fenna" not in page.lower()

    [mail] = smtp.received
    assert mail["To"] == KNOWN
    assert mail["Subject"] == "Confirm your privacy request to My organisation"
    assert mail["Content-Language"] == "en"
    assert mail["List-Unsubscribe"] is None
    body = text_part(mail)
    assert "Dear Fenna1," in body
    assert "erasure of your data (Article 17 GDPR)" in body
    assert "The link works for 72 hours." in body
    path = link_path(mail)
    assert person not in path  # the token is signed, not readable as the id
    sent = messaging.messages_of(kluis, ADMIN, person, "privacy_requests", NOW)
    assert [(m["template"], m["status"]) for m in sent] == [("privacy_verify", "sent")]

    # Opening the link (a mail scanner may) records nothing.
    page = assert_page(
        client.get(path), 200, "Confirm your request", "Erasure of your data", "(Article 17 GDPR)"
    )
    assert re.findall(r'<form method="(\w+)"', page) == ["post"]
    assert portal_requests(kluis) == []

    later = make_client(kluis, smtp, NOW + timedelta(hours=2))
    page = assert_page(later.post(path), 200, "Request received", "14 April 2026")
    [request] = portal_requests(kluis)
    assert (request.type, request.person_id, request.channel) == ("erasure", person, "portal")
    assert (request.verified_by, request.status, request.created_by) == (
        "email_link",
        "verified",
        "person",
    )
    assert request.received_at == NOW + timedelta(hours=2)
    assert request.due_at == datetime(2026, 4, 14, 11, 30, tzinfo=NOW.tzinfo)
    assert f"under number {request.id}:" in page

    # A second press (or a second tab) finds the same request.
    again = assert_page(later.post(path), 200, f"under number {request.id}:")
    assert again == page
    assert len(portal_requests(kluis)) == 1


def test_a_dutch_person_gets_dutch_mail_and_pages_whatever_the_form_was_in(
    kluis: Kluis, smtp: MailServer, client: TestClient
) -> None:
    add_person(kluis, ADMIN, NOW, 1, language="nl")
    assert_page(ask(client, KNOWN, "rectification", lang="en"), 200, "Check your mailbox")
    [mail] = smtp.received
    assert mail["Subject"] == "Bevestig je privacyverzoek aan My organisation"
    assert "verbetering van je gegevens (artikel 16 AVG)" in text_part(mail)
    path = link_path(mail)
    assert_page(client.get(path), 200, "Verzoek bevestigen", "Verbetering van je gegevens")
    assert_page(
        client.post(path),
        200,
        "Verzoek ontvangen",
        "14 april 2026",
        "We nemen contact met je op om te vragen wat we moeten verbeteren.",
    )
    [request] = portal_requests(kluis)
    assert (request.type, request.language) == ("rectification", "nl")


# An unknown address -----------------------------------------------------------------------------


def test_an_unknown_address_gets_the_same_page_and_a_nothing_held_mail(
    kluis: Kluis, smtp: MailServer, client: TestClient
) -> None:
    add_person(kluis, ADMIN, NOW, 1, language="en")
    known = ask(client, KNOWN, "access")
    unknown = ask(client, UNKNOWN, "access")
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    assert dict(known.headers) == dict(unknown.headers)

    assert sorted(str(m["To"]) for m in smtp.received) == sorted([KNOWN, UNKNOWN])
    mail = next(m for m in smtp.received if m["To"] == UNKNOWN)
    assert mail["Subject"] == "Your privacy request to My organisation"
    assert "We hold no personal data under this address" in text_part(mail)
    assert "a copy of your data (Article 15 GDPR)" in text_part(mail)
    assert "/privacy/confirm/" not in text_part(mail)
    assert portal_requests(kluis) == []
    assert people_count(kluis) == 1

    # In Dutch, the page and the mail follow the form's language.
    smtp.received.clear()
    assert_page(ask(client, UNKNOWN, "objection", lang="nl"), 200, "Kijk in je mailbox")
    [mail] = smtp.received
    assert mail["Subject"] == "Je privacyverzoek aan My organisation"
    assert "bezwaar tegen direct marketing (artikel 21 AVG)" in text_part(mail)
    assert people_count(kluis) == 1


def test_a_failed_send_gives_the_same_page_and_logs_no_address(
    kluis: Kluis, smtp: MailServer, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    add_person(kluis, ADMIN, NOW, 1, language="en")
    expected = ask(client, UNKNOWN).text
    smtp.received.clear()
    smtp.handler.replies.extend(["550 5.1.1 mailbox unavailable"] * 2)
    with caplog.at_level(logging.WARNING):
        for address in (KNOWN, UNKNOWN):
            response = ask(client, address)
            assert_page(response, 200)
            assert response.text == expected
    assert smtp.received == []
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 2
    assert all("was not sent" in r.getMessage() for r in warnings)
    assert "example.com" not in caplog.text
    assert "fenna" not in caplog.text.lower()


def test_without_a_mail_server_the_portal_says_it_is_unavailable(kluis: Kluis) -> None:
    add_person(kluis, ADMIN, NOW, 1, language="en")
    client = make_client(kluis, None)
    for address in (KNOWN, UNKNOWN):
        assert_page(ask(client, address), 503, "because we cannot send e-mail")


# Bad input --------------------------------------------------------------------------------------


def test_a_bad_address_names_the_field_without_repeating_it(
    kluis: Kluis, smtp: MailServer, client: TestClient
) -> None:
    typed = "zq<b>not-an-address@@"
    page = assert_page(
        ask(client, typed, "erasure"),
        422,
        "Please check the marked fields.",
        "E-mail address",
        "This is not a valid e-mail address.",
    )
    assert "zq" not in page
    assert "not-an-address" not in page
    assert 'aria-invalid="true"' in page
    assert "email-error" in page
    # The request chosen stays chosen; the address is typed again.
    assert re.search(r'value="erasure"[^>]*checked', page)
    assert_page(
        client.post("/privacy?lang=nl", data={"email": "", "type": "access"}),
        422,
        "Vul je e-mailadres in.",
    )
    page = assert_page(
        client.post("/privacy?lang=nl", data={"email": KNOWN, "type": "everything"}),
        422,
        "Kies wat je wilt vragen.",
    )
    assert "Vul je e-mailadres in." not in page
    assert KNOWN not in page
    assert smtp.received == []


def test_an_oversized_form_is_refused(kluis: Kluis, smtp: MailServer, client: TestClient) -> None:
    response = client.post(
        "/privacy?lang=en", data={"email": UNKNOWN, "type": "access", "padding": "x" * 5000}
    )
    assert_page(response, 413, "This form is too large.")
    chunked = client.post(
        "/privacy?lang=en",
        content=iter([b"email=a%40example.com&type=access&pad=", b"x" * 4096]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_page(chunked, 413)
    assert smtp.received == []


# Bad links --------------------------------------------------------------------------------------


def test_tampered_misused_and_expired_links_give_a_clear_page(
    kluis: Kluis, smtp: MailServer, client: TestClient
) -> None:
    add_person(kluis, ADMIN, NOW, 1, language="en")
    ask(client, KNOWN, "access")
    path = link_path(smtp.received[0])
    token = urlsplit(path).path.rsplit("/", 1)[1]
    assert path.endswith("?lang=en")
    tampered = f"/privacy/confirm/{token[:-4]}{'AAAA' if not token.endswith('AAAA') else 'BBBB'}"
    for method in ("get", "post"):
        assert_page(getattr(client, method)(tampered), 400, "Deze link werkt niet")
        assert_page(getattr(client, method)(f"{tampered}?lang=en"), 400, "This link does not")
    # A link made for another use (an unsubscribe link's token) is no privacy link.
    other = tokens.sign(kluis.vault.signing_key, tokens.LinkToken("preferences", "x"))
    assert_page(client.post(f"/privacy/confirm/{other}?lang=en"), 400, "changed or cut off")
    # A privacy token without a request in it is refused too.
    bare = tokens.sign(kluis.vault.signing_key, tokens.LinkToken("privacy", "x"), NOW)
    assert_page(client.post(f"/privacy/confirm/{bare}?lang=nl"), 400, "Deze link werkt niet")

    hours = kluis.settings.privacy_link_hours
    in_time = make_client(kluis, smtp, NOW + timedelta(hours=hours))
    assert_page(in_time.get(path), 200, "Confirm your request")
    late = make_client(kluis, smtp, NOW + timedelta(hours=hours, seconds=1))
    for method in ("get", "post"):
        page = assert_page(getattr(late, method)(path), 410, "This link has expired")
        assert 'href="/privacy?lang=en"' in page
    assert portal_requests(kluis) == []


def test_the_link_of_an_erased_person_creates_nothing(
    kluis: Kluis, smtp: MailServer, client: TestClient
) -> None:
    person = add_person(kluis, ADMIN, NOW, 1, language="en")
    ask(client, KNOWN, "access")
    path = link_path(smtp.received[0])
    contacts.erase_person(kluis, ADMIN, person, NOW)
    for method in ("get", "post"):
        page = assert_page(getattr(client, method)(path), 410, "no longer on file")
        assert "Request received" not in page
    assert portal_requests(kluis) == []
    # Asked again, the address is now unknown: the "nothing held" e-mail.
    smtp.received.clear()
    ask(client, KNOWN, "access")
    [mail] = smtp.received
    assert "We hold no personal data under this address" in text_part(mail)


def test_one_address_gets_at_most_five_mails_an_hour_and_the_page_does_not_tell(
    kluis: Kluis, smtp: MailServer, client: TestClient
) -> None:
    pages = [ask(client, "mail.bomb.target@example.com") for _ in range(7)]
    assert {(p.status_code, p.text) for p in pages} == {(pages[0].status_code, pages[0].text)}
    assert len(smtp.received) == 5


def test_one_client_sending_too_many_forms_is_asked_to_wait(
    kluis: Kluis, smtp: MailServer, client: TestClient
) -> None:
    from kluis.ui.limits import PER_CLIENT

    for n in range(PER_CLIENT):
        assert ask(client, f"someone{n}@example.com").status_code == 200
    refused = ask(client, "one.more@example.com")
    assert refused.status_code == 429
    assert "Try again in an hour" in refused.text
