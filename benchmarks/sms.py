"""SMS benchmark: send one SMS campaign to N people through a local server in Twilio's API shape
that runs in another process, against plain HTTP posts of the same requests with the same client.

Kluis does, per person: the audience query and an idempotent queued row, a ``may_contact``
decision asked again when their page comes (audited), the phone number read and decrypted under
the purpose that grounds it (audited), the text rendered in the person's language with the
opt-out line, the row marked ``sending`` before the provider is spoken to, the POST to
``/2010-04-01/Accounts/{sid}/Messages.json`` (httpx, one kept-alive connection, basic
authentication), and the row marked ``sent`` with the provider's message id.

The baseline posts the same forms (To, From, Body with the opt-out line, StatusCallback), built
outside the timed part, with the same client (``httpx.Client``, the same authentication) over
one connection to the same server. The server runs in a child process, so its work is charged
to neither side's CPU time; both wait for it alike in wall time. The rate limit is lifted.
Baseline and Kluis alternate (``harness.alternate``), each Kluis run a new campaign to the same
people; the server checks that every run reached each number exactly once.

    python benchmarks/sms.py [--people 10000] [--pairs 3]
"""

# ruff: noqa: E402

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

import argparse
import json
import multiprocessing
import socket
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx
from pydantic import SecretStr

from harness import Result, Timing, alternate, report, stopwatch
from kluis.actors import Actor, Role
from kluis.consent.catalogue import load_default_topics
from kluis.contacts import collect
from kluis.contacts import people as contacts
from kluis.messaging import campaigns, text_rules, texting
from kluis.opening import open_kluis
from kluis.purposes import service as purposes
from kluis.purposes.service import load_default_catalogue
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.vault.keys import new_master_key_text

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
ACTOR = Actor(ref="benchmark", role=Role.ADMIN)
ACCOUNT = "AC0123456789abcdef0123456789abcdef"
TOKEN = "bench-auth-token"  # noqa: S105 (the local test server's)
SENDER = "+3197010000001"
BASE_URL = "https://crm.example.com"
GIVEN = ["Anouk", "Bram", "Daan", "Eva", "Fleur", "Joris", "Lotte", "Milan", "Noor", "Sem"]
CAMPAIGN = {
    "name": "Spring",
    "channel": "sms",
    "topic": "offers",
    "body_nl": "Hallo {{ given_name }}, deze week twee halen een betalen op alle kazen!",
    "body_en": "Hello {{ given_name }}, two for one on all cheeses this week!",
    "rate_per_minute": 100_000,
}
TEXTS = {
    "nl": "Hallo {given_name}, deze week twee halen een betalen op alle kazen!",
    "en": "Hello {given_name}, two for one on all cheeses this week!",
}


# The provider, in a child process


def _serve(port: int, control: Connection) -> None:
    """Answer Twilio's Messages API on ``port`` until told to stop; on "take", answer how many
    messages came since the last "take", to how many numbers, and the most any number got."""
    seen: Counter[str] = Counter()
    ids = iter(range(1, 1 << 62))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode()))
            seen[form.get("To", "")] += 1
            data = json.dumps({"sid": f"SM{next(ids):032x}", "status": "queued"}).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    control.send("ready")
    while (command := control.recv()) != "stop":
        assert command == "take"
        control.send((sum(seen.values()), len(seen), max(seen.values(), default=0)))
        seen.clear()
    server.shutdown()


@dataclass
class Server:
    port: int
    control: Connection
    process: Any

    def take(self) -> tuple[int, int, int]:
        self.control.send("take")
        count, numbers, most = self.control.recv()
        return int(count), int(numbers), int(most)

    def stop(self) -> None:
        self.control.send("stop")
        self.process.join(30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server() -> Server:
    port = _free_port()
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(port, theirs), daemon=True
    )
    process.start()
    assert ours.recv() == "ready"
    return Server(port, ours, process)


# The people


def number(n: int) -> str:
    return f"+316{20000000 + n}"


def people(count: int) -> Iterator[contacts.NewPerson]:
    """Customers told at the sale (the soft opt-in purpose), with SMS configured as a soft
    opt-in channel: every one of them is in the audience."""
    for n in range(count):
        yield contacts.NewPerson(
            relationship="customer",
            purposes=["customer_service", "existing_customer_marketing"],
            language="nl" if n % 3 else "en",
            fields={
                "given_name": GIVEN[n % len(GIVEN)],
                "family_name": f"Visser {n}",
                "phone": number(n),
            },
        )


def populate(directory: Path, url: str, count: int) -> Kluis:
    settings = Settings(
        data_dir=directory / "kluis",
        master_key=SecretStr(new_master_key_text()),
        sms_url=url,
        base_url=BASE_URL,
        soft_opt_in_channels="email,sms",
    )
    kluis = open_kluis(settings, create=True)
    load_default_catalogue(kluis.engine, NOW)
    load_default_topics(kluis, NOW)
    current = purposes.get_purpose(kluis.engine, "existing_customer_marketing")
    purposes.change_purpose(
        kluis.engine,
        ACTOR,
        current.key,
        {"data_categories": [*current.data_categories, "user.contact.phone_number"]},
        NOW,
    )
    collect.create_people(kluis, ACTOR, people(count), NOW, batch_size=1000)
    return kluis


def client() -> httpx.Client:
    """The client both sides use: the one Kluis's transport makes (``texting.make_client``)."""
    return texting.make_client(texting.ProviderConfig("twilio", "sms", ACCOUNT, TOKEN, SENDER, ""))


def kluis_send(kluis: Kluis, url: str, count: int, run: int) -> Timing:
    campaign = campaigns.create_campaign(kluis, ACTOR, CAMPAIGN | {"name": f"Spring {run}"}, NOW)
    config = texting.parse_provider_url(url, "sms")
    with stopwatch() as watch:
        view = campaigns.send_campaign(
            kluis,
            ACTOR,
            campaign.id,
            lambda: NOW,
            texting=lambda: texting.TwilioTransport(config, client=client()),
            sleep=lambda _s: None,
        )
    assert view.counts == {"sent": count}, view.counts
    return watch.timing


def forms(count: int) -> list[dict[str, str]]:
    """The baseline's requests: what Kluis posts, built outside the timed part."""
    found = []
    for n, person in enumerate(people(count)):
        body = TEXTS[person.language].format(given_name=person.fields["given_name"])
        found.append(
            {
                "To": number(n),
                "From": SENDER,
                "Body": text_rules.with_opt_out(body, person.language, SENDER),
                "StatusCallback": f"{BASE_URL}/webhooks/twilio/sms/status/{1_000_000 + n}",
            }
        )
    return found


def baseline_send(messages_url: str, prebuilt: list[dict[str, str]]) -> Timing:
    with stopwatch() as watch, client() as http:
        for form in prebuilt:
            answer = http.post(messages_url, data=form)
            assert answer.status_code == 201
            answer.json()
    return watch.timing


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    n = args.people
    server = start_server()
    url = f"twilio://{ACCOUNT}:{TOKEN}@127.0.0.1:{server.port}/?from={quote(SENDER)}&tls=false"
    messages_url = texting.parse_provider_url(url, "sms").messages_url
    prebuilt = forms(n)

    def checked(timing: Timing, who: str) -> Timing:
        count, reached, most = server.take()
        assert (count, reached, most) == (n, n, 1), f"{who}: {count} sent to {reached}, {most}"
        return timing

    try:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"SMS campaign to {n:,} people, {args.pairs} pairs", flush=True)
            kluis = populate(Path(tmp), url, n)
            try:
                comparison = alternate(
                    args.pairs,
                    lambda _i: checked(baseline_send(messages_url, prebuilt), "baseline"),
                    lambda i: checked(kluis_send(kluis, url, n, i), "kluis"),
                )
            finally:
                kluis.close()
    finally:
        server.stop()
    ours = comparison.median("kluis")
    base = comparison.median("baseline")
    print(
        f"  baseline {n / base:,.0f} messages/s, Kluis {n / ours:,.0f} messages/s; "
        f"{comparison.summary()}",
        flush=True,
    )
    report(
        Result(
            workload=f"SMS campaign, {n:,} people",
            goal=">= 0.5 of plain HTTP posts",
            figure=f"{n / ours:,.0f} messages/s (plain posts {n / base:,.0f}/s)",
            ratio=f"{comparison.ratio_median:.2f} (min {comparison.ratio_min:.2f})",
            met=comparison.ratio_median >= 0.5,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
