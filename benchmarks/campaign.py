"""Campaign benchmark: send one campaign to N consenting people through a local SMTP server.

Prints messages per second for Kluis and the ratio to a baseline measured in the same run. Kluis
does, per person: the audience query and an idempotent queued row, then a ``may_contact``
decision asked again at send time (audited), the address read and decrypted under the purpose
that grounds it, the soft opt-in's (audited), rendering in the person's language with the
unsubscribe footer, signed one-click links and ``List-Unsubscribe`` headers, the row marked
``sending`` before the mail server is spoken to and ``sent`` after. The baseline is plain
``smtplib`` sending the same pre-rendered messages (the bytes Kluis sent, as the server
received them) over one connection. The rate limit is lifted for the measurement. Machines
here are noisy; the ratio is the figure that counts.

The server is aiosmtpd, started in this process (as in the tests); it keeps what it receives.

    python benchmarks/campaign.py [--people 10000] [--batch 1000]
"""

from __future__ import annotations

import argparse
import smtplib
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from pydantic import SecretStr

from kluis.actors import Actor, Role
from kluis.consent.catalogue import load_default_topics
from kluis.contacts import collect
from kluis.contacts import people as contacts
from kluis.messaging import campaigns
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.opening import open_kluis
from kluis.purposes.service import load_default_catalogue
from kluis.settings import Settings
from kluis.vault.keys import new_master_key_text

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
ACTOR = Actor(ref="benchmark", role=Role.ADMIN)
GIVEN = ["Anouk", "Bram", "Daan", "Eva", "Fleur", "Joris", "Lotte", "Milan", "Noor", "Sem"]
FAMILY = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"]
CAMPAIGN = {
    "name": "Spring",
    "topic": "offers",
    "subject_en": "Our spring offer, {{ given_name }}",
    "body_en": "Dear {{ given_name }} {{ family_name }},\n\nTwo for one on all cheeses this week."
    "\n\nSee you soon,\n{{ organisation }}",
    "subject_nl": "Onze lenteaanbieding, {{ given_name }}",
    "body_nl": "Beste {{ given_name }} {{ family_name }},\n\nTwee halen, een betalen op alle "
    "kazen deze week.\n\nTot ziens,\n{{ organisation }}",
    "rate_per_minute": 100_000,
}


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class Handler:
    keep: bool = True
    received: list[Received] = field(default_factory=list)
    count: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        if self.keep:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
            )
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def people(count: int) -> Iterator[contacts.NewPerson]:
    """Customers told at the sale (the soft opt-in purpose): Art. 13(2) ePrivacy Directive lets
    them receive offers by e-mail until they opt out, so every one of them is in the audience."""
    for n in range(count):
        yield contacts.NewPerson(
            relationship="customer",
            purposes=["customer_service", "existing_customer_marketing"],
            language="nl" if n % 3 else "en",
            fields={
                "given_name": GIVEN[n % len(GIVEN)],
                "family_name": f"{FAMILY[n % len(FAMILY)]} {n}",
                "email": f"person{n}@example.com",
            },
        )


def kluis_run(directory: Path, url: str, count: int, batch: int) -> tuple[float, float, int]:
    """Populate, then send the campaign; returns (populate seconds, send seconds, sent)."""
    settings = Settings(
        data_dir=directory / "kluis",
        master_key=SecretStr(new_master_key_text()),
        smtp_url=url,
        base_url="https://crm.example.com",
    )
    kluis = open_kluis(settings, create=True)
    load_default_catalogue(kluis.engine, NOW)
    load_default_topics(kluis, NOW)
    start = time.perf_counter()
    collect.create_people(kluis, ACTOR, people(count), NOW, batch_size=batch)
    populated = time.perf_counter() - start
    campaign = campaigns.create_campaign(kluis, ACTOR, CAMPAIGN, NOW)
    start = time.perf_counter()
    view = campaigns.send_campaign(
        kluis,
        ACTOR,
        campaign.id,
        lambda: NOW,
        lambda: SmtpTransport(parse_smtp_url(url)),
        sleep=lambda _s: None,
    )
    sent = time.perf_counter() - start
    kluis.close()
    assert view.counts == {"sent": count}, view.counts
    return populated, sent, view.counts["sent"]


def baseline(host: str, port: int, messages: list[Received]) -> float:
    start = time.perf_counter()
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        for m in messages:
            smtp.sendmail(m.mail_from, m.rcpt_tos, m.content)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1000, help="people created per transaction")
    args = parser.parse_args()
    n = args.people
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        url = f"smtp://127.0.0.1:{controller.port}"
        with tempfile.TemporaryDirectory() as tmp:
            populated, sent, count = kluis_run(Path(tmp), url, n, args.batch)
        messages = list(handler.received)
        assert len(messages) == count == n
        assert len({m.rcpt_tos[0] for m in messages}) == n, "someone got the campaign twice"
        handler.keep = False
        base = baseline("127.0.0.1", controller.port, messages)
        assert handler.count == 2 * n
    finally:
        controller.stop()
    size = sum(len(m.content) for m in messages) / n
    print(f"campaign benchmark: {n} people (customers, soft opt-in), nl and en, {size:.0f} bytes")
    print(f"  populate (kluis bulk create):                   {n / populated:10.0f} people/s")
    print(f"  baseline smtplib, pre-rendered, one connection: {n / base:10.0f} messages/s")
    print(
        f"  kluis campaign send (decided, audited, rendered): {n / sent:8.0f} messages/s"
        f"  ratio {base / sent:.3f} (1/{sent / base:.1f})"
    )


if __name__ == "__main__":
    main()
