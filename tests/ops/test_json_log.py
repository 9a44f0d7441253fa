"""``kluis serve`` with ``KLUIS_LOG_FORMAT=json`` at ``KLUIS_LOG_LEVEL=debug``: every line it writes
is one JSON object, and none holds a personal value, after a working day's requests: people
created and searched, a sign-up confirmed, an import with rejected rows, a campaign sent, an
erasure carried out, and requests that fail with people's values in their path and body.

The server runs as ``python -m kluis serve`` in a subprocess on a free loopback port, sending
mail to a real SMTP server in this process (whose own log is not the server's).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
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
from test_serve_log import Served

PEOPLE = [
    {
        "given_name": "Hiltje",
        "family_name": "Dijkstraat",
        "email": "hiltje.dijkstraat@example.com",
        "phone": "+31 6 41234567",
    },
    {
        "given_name": "Sjoukje",
        "family_name": "Wiersema",
        "email": "sjoukje.wiersema@example.com",
        "phone": "06 52345678",
    },
]
SIGNUP = {
    "given_name": "Aukje",
    "family_name": "Terpstrama",
    "email": "aukje.terpstrama@example.com",
}
IMPORTED = (
    "Voornaam,Achternaam,E-mail,Telefoon\n"
    "Geertruida,Holtkampen,geertruida.holtkampen@example.com,0687654321\n"
    "Berendina,Kloosterhuis,berendina.kloosterhuis@example,06-not-a-number\n"
    "Jeltje,Veldhuizenga,jeltje veldhuizenga at example.com,0676543210\n"
)
IMPORTED_VALUES = [
    "Geertruida", "Holtkampen", "geertruida.holtkampen@example.com", "0687654321",
    "Berendina", "Kloosterhuis", "berendina.kloosterhuis@example", "06-not-a-number",
    "Jeltje", "Veldhuizenga", "jeltje veldhuizenga at example.com", "0676543210",
]  # fmt: skip
NOTICE_EN = "Yes, send me e-mail about the topics I tick. I can unsubscribe at any time."
CUSTOMER = ["customer_service", "existing_customer_marketing"]


@dataclass
class ServedWithWorker(Served):
    """The server and a ``kluis worker`` beside it; ``stop`` stops both and returns both logs."""

    worker: Served

    def stop(self) -> str:
        return super().stop() + self.worker.stop()


@pytest.fixture
def served_json(
    kluis_env: Settings, kluis: Kluis, empty_queue: None, smtp: MailServer, tmp_path: Path
) -> Iterator[Served]:
    reservation = ports.Reserved()  # held until the server listens
    url = f"http://127.0.0.1:{reservation.port}"
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "KLUIS_SMTP_URL": smtp.url,
        "KLUIS_BASE_URL": url,
        "KLUIS_LOG_FORMAT": "json",
        "KLUIS_LOG_LEVEL": "debug",
        "KLUIS_METRICS_TOKEN": "scrape-token-for-tests-only",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "kluis", "serve", "--port", str(reservation.port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    server = Served(url, process, log)
    if kluis.engine.dialect.name == "postgresql":
        # on PostgreSQL the server runs no jobs: a worker takes the import, logging as JSON too
        worker_log = tmp_path / "worker.log"
        with worker_log.open("wb") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "kluis", "worker"],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
            )
        server = ServedWithWorker(url, process, log, Served(url, worker, worker_log))
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                httpx.get(f"{url}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"kluis serve did not start: {server.stop()}")
                time.sleep(0.1)
        reservation.release()
        yield server
    finally:
        reservation.release()
        server.stop()


def _until(check: object, what: str) -> None:
    deadline = time.monotonic() + 300
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def _links(smtp: MailServer, url: str, part: str) -> list[str]:
    found: list[str] = []
    for message in smtp.received:
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""  # type: ignore[attr-defined]
        for link in re.findall(re.escape(url) + r"[^\s<>\"]+", text):
            path = urlsplit(link)._replace(scheme="", netloc="").geturl()
            if part in path:
                found.append(path)
    return found


def test_the_json_log_is_one_object_a_line_and_holds_no_personal_value(
    kluis: Kluis, smtp: MailServer, served_json: Served
) -> None:
    url = served_json.url
    bearer = token_for(kluis, "admin", now=NOW)
    catalogue.add_notice(kluis, ADMIN, "en", NOTICE_EN, NOW, covers=EVERY_PAIR)
    notice = next(n.id for n in catalogue.list_notices(kluis) if n.language == "en")
    with (
        httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {bearer}"}, timeout=120
        ) as api,
        httpx.Client(base_url=url, timeout=120) as public,
    ):
        ids = _scenario(api, public, smtp, url, notice)
    written = served_json.stop()

    lines = written.splitlines()
    entries = [json.loads(line) for line in lines]  # each line is one JSON object
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    access = [e for e in entries if e["logger"] == "uvicorn.access"]
    assert {e["status"] for e in access} >= {200, 201, 202, 404, 422}
    assert any(e["target"] == "/api/v1/contacts/search?[redacted]" for e in access)
    assert any(e["logger"] == "kluis.serve" for e in entries)

    values = {*IMPORTED_VALUES, *SIGNUP.values(), *ids}
    for person in PEOPLE:
        values.update(person.values())
    values.update({"31641234567", "641234567", "0652345678", "652345678", "31652345678"})
    values.update({quote(v) for v in list(values)} | {quote(v, safe="") for v in list(values)})
    lowered = written.lower()
    for value in sorted(values):
        assert value.lower() not in lowered, "a personal value is in the server's log"


def _scenario(
    api: httpx.Client, public: httpx.Client, smtp: MailServer, url: str, notice: int
) -> list[str]:
    """A day's requests carrying people's values; returns the ids of the people created."""
    ids: list[str] = []
    for person in PEOPLE:
        created = api.post(
            "/api/v1/contacts", json={"relationship": "customer", "purposes": CUSTOMER, **person}
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    service = {"purpose": "customer_service"}
    for text in (PEOPLE[0]["email"], PEOPLE[1]["phone"], PEOPLE[1]["family_name"]):
        found = api.post("/api/v1/contacts/search", params=service, json={"q": text})
        assert found.status_code == 200, found.text

    signup = public.post(
        "/signup?lang=en",
        data={**SIGNUP, "language": "en", "topic": ["offers"], "notice-offers": str(notice)},
    )
    assert signup.status_code == 200, signup.text
    _until(lambda: _links(smtp, url, "/confirm/"), "no confirmation mail")
    [confirm] = _links(smtp, url, "/confirm/")
    assert public.post(confirm).status_code == 200

    imported = api.post(
        "/api/v1/imports",
        files={"file": ("klanten.csv", IMPORTED.encode(), "text/csv")},
        data={"purpose": ["customer_service"]},
    )
    assert imported.status_code in (200, 202), imported.text
    job = imported.headers["Location"]
    _until(lambda: api.get(job).json()["status"] == "done", "the import did not finish")
    assert api.get(job).json()["rejected"] >= 2, api.get(job).text

    campaign = api.post(
        "/api/v1/campaigns",
        json={
            "name": "Spring",
            "topic": "offers",
            "subject": {"en": "Offers", "nl": "Aanbod"},
            "body": {"en": "Hello {{ given_name }}", "nl": "Hallo {{ given_name }}"},
        },
    )
    assert campaign.status_code == 201, campaign.text
    where = campaign.headers["Location"]
    # mail servers quote the address they refuse; the reply reaches Kluis, never its log
    smtp.handler.replies.append(f"550 5.1.1 <{PEOPLE[0]['email']}>: no mailbox here")
    assert api.post(f"{where}/send").status_code == 202
    _until(lambda: api.get(where).json()["status"] == "sent", "the campaign was not sent")

    smtp.handler.replies.append(f"450 4.2.0 <{SIGNUP['email']}>: mailbox busy")
    asked = public.post("/privacy?lang=en", data={"email": SIGNUP["email"], "type": "access"})
    assert asked.status_code == 200, asked.text
    # The verification mail is a job: wait until it has met the busy mailbox, so that the log
    # the test reads holds that try (the server stopping first would leave nothing to check).
    _until(lambda: not smtp.handler.replies, "the verification mail was never tried")

    erasure = api.post(
        "/api/v1/requests",
        json={"type": "erasure", "person_id": ids[1], "verified_by": "in_person"},
    )
    assert erasure.status_code == 201, erasure.text
    done = api.post(f"/api/v1/requests/{erasure.json()['id']}/process", json={"mail": False})
    assert done.status_code == 200, done.text

    # Requests that fail, with people's values where a careless client puts them.
    assert api.get(f"/api/v1/contacts/{PEOPLE[0]['email']}", params=service).status_code in (
        404,
        422,
    )
    assert (
        api.get("/api/v1/contacts", params={**service, "q": PEOPLE[0]["email"]}).status_code == 422
    )
    bad = api.post(
        "/api/v1/contacts",
        json={
            "relationship": "customer",
            "purposes": CUSTOMER,
            **PEOPLE[0],
            "email": "hiltje at home",
        },
    )
    assert bad.status_code == 422
    assert (
        public.post("/app/sign-in", data={"email": PEOPLE[1]["email"], "password": "x"}).status_code
        < 500
    )
    assert api.get("/metrics").status_code == 401
    return ids
