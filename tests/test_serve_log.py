"""What ``kluis serve`` writes to its console (the access log among it) holds no person's value
and no link token, after a scenario that puts both in requests: people created and searched
through the API, a search tried in the address, a sign-up confirmed, a marketing mail's
unsubscribe and preferences links opened, a privacy request confirmed.

The server runs as ``python -m kluis serve`` in a subprocess on a free loopback port, on the
backend under test, sending mail to a real SMTP server in this process.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import pytest

import ports
from api_helpers import token_for
from conftest import ADMIN, NOW
from factories import EVERY_PAIR
from kluis.consent import catalogue
from kluis.runtime import Kluis
from kluis.settings import Settings
from mailserver import MailServer

NOTICE_EN = "Yes, send me e-mail about the topics I tick. I can unsubscribe at any time."
TOKEN_LINK = re.compile(r"/(?:unsubscribe|preferences|confirm|reconfirm)/([A-Za-z0-9_.-]+)")

PEOPLE = [
    {
        "given_name": "Wiebrenda",
        "family_name": "Zwartkruis",
        "email": "wiebrenda.zwartkruis@example.com",
        "phone": "+31 6 23456781",
    },
    {
        "given_name": "Tjitske",
        "family_name": "Hoogeboom",
        "email": "tjitske.hoogeboom@example.com",
        "phone": "06 34567812",
    },
]
SIGNUP = {"given_name": "Marrigje", "family_name": "Oosterwold"}
SIGNUP_EMAIL = "marrigje.oosterwold@example.com"
SEARCHES = [
    PEOPLE[0]["email"],
    PEOPLE[0]["phone"],
    PEOPLE[1]["family_name"],
    f"{PEOPLE[1]['given_name']} {PEOPLE[1]['family_name']}",
]


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> str:
        """Stops the server (as Ctrl-C would) and returns all it wrote."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.log.read_text()


@pytest.fixture
def served(
    kluis_env: Settings, kluis: Kluis, empty_queue: None, smtp: MailServer, tmp_path: Path
) -> Iterator[Served]:
    """On PostgreSQL with a worker; ``empty_queue``: it runs no job an earlier test left queued
    (its ids would name this test's rows)."""
    reservation = ports.Reserved()  # held until the server listens
    url = f"http://127.0.0.1:{reservation.port}"
    log = tmp_path / "serve.log"
    env = {**os.environ, "KLUIS_SMTP_URL": smtp.url, "KLUIS_BASE_URL": url}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "kluis", "serve", "--port", str(reservation.port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    server = Served(url, process, log)
    job_worker = None
    if kluis.engine.dialect.name == "postgresql":
        # on PostgreSQL the server runs no jobs (the portal's verification mail is one)
        with (tmp_path / "worker.log").open("wb") as out:
            job_worker = subprocess.Popen(
                [sys.executable, "-m", "kluis", "worker"],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                httpx.get(f"{url}/signup", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"kluis serve did not start: {server.stop()}")
                time.sleep(0.1)
        reservation.release()
        yield server
    finally:
        reservation.release()
        if job_worker is not None:
            job_worker.send_signal(signal.SIGTERM)
            try:
                job_worker.wait(timeout=120)
            except subprocess.TimeoutExpired:
                job_worker.kill()
                job_worker.wait()
        server.stop()


def _wait_for_mail(smtp: MailServer, count: int) -> None:
    deadline = time.monotonic() + 120
    while len(smtp.received) < count:
        assert time.monotonic() < deadline, "the mail did not arrive"
        time.sleep(0.05)


def _texts(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    headers = " ".join(str(value) for _name, value in message.items())
    return f"{headers}\n{body.get_content()}"  # type: ignore[attr-defined]


def _paths(message: EmailMessage, url: str) -> list[str]:
    """The paths (with their query) of the links to this Kluis in a mail, headers included."""
    found = re.findall(re.escape(url) + r"[^\s<>\"]+", _texts(message))
    return [urlsplit(link)._replace(scheme="", netloc="").geturl() for link in found]


def test_the_server_log_holds_no_personal_values_and_no_tokens(
    kluis: Kluis, smtp: MailServer, served: Served
) -> None:
    url = served.url
    bearer = token_for(kluis, "admin", now=NOW)
    catalogue.add_notice(kluis, ADMIN, "en", NOTICE_EN, NOW, covers=EVERY_PAIR)
    notice = next(n.id for n in catalogue.list_notices(kluis) if n.language == "en")
    with (
        httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {bearer}"}, timeout=120
        ) as api,
        httpx.Client(base_url=url, timeout=120) as public,
    ):
        _scenario(api, public, smtp, url, notice)
    tokens = {bearer}
    for message in smtp.received:
        tokens.update(TOKEN_LINK.findall(_texts(message)))
    assert len(tokens) >= 5, tokens

    served_log = served.stop()
    assert '"POST /api/v1/contacts/search?[redacted] HTTP/1.1" 200' in served_log
    assert '"GET /api/v1/contacts?[redacted] HTTP/1.1" 422' in served_log
    assert "/unsubscribe/[redacted]" in served_log
    assert "/privacy/confirm/[redacted]" in served_log
    values = {SIGNUP_EMAIL, *SIGNUP.values(), *SEARCHES}
    for person in PEOPLE:
        values.update(person.values())
    values.update({"31623456781", "623456781", "0634567812", "634567812"})
    values.update({quote(v) for v in list(values)} | {quote(v, safe="") for v in list(values)})
    for secret in sorted(values | tokens):
        assert secret.lower() not in served_log.lower(), "a value or token is in the server log"


def _scenario(
    api: httpx.Client, public: httpx.Client, smtp: MailServer, url: str, notice: int
) -> None:
    """Requests that carry people's values and link tokens, each answered as it should be."""
    purpose = {"purpose": "customer_service"}

    for person in PEOPLE:
        created = api.post(
            "/api/v1/contacts",
            json={"relationship": "customer", "purposes": ["customer_service"], **person},
        )
        assert created.status_code == 201, created.text
    for text in SEARCHES:
        found = api.post("/api/v1/contacts/search", params=purpose, json={"q": text})
        assert found.status_code == 200, found.text
        assert found.json()["total"] == 1
    # Old clients that still put the text in the address are refused, and not logged either.
    assert api.get("/api/v1/contacts", params={**purpose, "q": SEARCHES[0]}).status_code == 422
    public.get(f"/api/v1/contacts/{PEOPLE[1]['email']}", params=purpose)

    signup = public.post(
        "/signup?lang=en",
        data={
            "email": SIGNUP_EMAIL,
            **SIGNUP,
            "language": "en",
            "topic": ["offers"],
            "notice-offers": str(notice),
        },
    )
    assert signup.status_code == 200, signup.text
    [confirmation] = smtp.received
    [confirm] = [p for p in _paths(confirmation, url) if "/confirm/" in p]
    assert public.get(confirm).status_code == 200
    assert public.post(confirm).status_code == 200

    marketing = api.post(
        "/api/v1/contacts/search", params={"purpose": "email_marketing"}, json={"q": SIGNUP_EMAIL}
    )
    assert marketing.status_code == 200, marketing.text
    [signed_up] = marketing.json()["items"]
    sent = api.post(
        "/api/v1/messages",
        json={
            "person_id": signed_up["id"],
            "kind": "commercial",
            "topic": "offers",
            "subject": {"en": "Offers", "nl": "Aanbod"},
            "body": {"en": "Hello {{ given_name }}", "nl": "Hallo {{ given_name }}"},
        },
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["status"] == "sent", sent.text
    offer = smtp.received[-1]
    links = _paths(offer, url)
    unsubscribe = [p for p in links if p.startswith("/unsubscribe/")]
    preferences = [p for p in links if p.startswith("/preferences/")]
    assert unsubscribe, links
    assert preferences, links
    for path in preferences:
        assert public.get(path).status_code == 200
    for path in unsubscribe:
        assert public.get(path).status_code == 200
    assert public.post(unsubscribe[0], data={"List-Unsubscribe": "One-Click"}).status_code == 200

    asked = public.post("/privacy?lang=en", data={"email": PEOPLE[0]["email"], "type": "access"})
    assert asked.status_code == 200, asked.text
    _wait_for_mail(smtp, 3)  # the portal mails after its page has been sent
    [privacy] = [p for p in _paths(smtp.received[-1], url) if p.startswith("/privacy/confirm/")]
    assert public.get(privacy).status_code == 200
    assert public.post(privacy).status_code == 200
