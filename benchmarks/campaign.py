"""Campaign benchmark: send one campaign to N consenting people through an SMTP server that runs
in another process, against plain smtplib sending the same messages.

Kluis does, per person: the audience query and an idempotent queued row, then a ``may_contact``
decision asked again when their page comes (audited), the address read and decrypted under the
purpose that grounds it (audited), rendering in the person's language with the unsubscribe
footer, signed one-click links and ``List-Unsubscribe`` headers (RFC 2369, RFC 8058), the row
marked ``sending`` before the mail server is spoken to and ``sent`` after.

The baseline renders the same messages with the same template engine (Jinja2, each text compiled
once, the same HTML layout) into the same MIME (``EmailMessage``: multipart/alternative of text
and HTML with the same headers and links of the same length) and sends them with plain smtplib
over one connection; its recipients are prebuilt outside the timed part. Both talk to the same
aiosmtpd server in a child process, so the server's work is not charged to either (CPU time
is this process's). The rate limit is lifted for the measurement. Baseline and Kluis alternate
(``harness.alternate``), each Kluis run sending a new campaign to the same people; the server
checks that every run reached each person exactly once.

    python benchmarks/campaign.py [--people 10000] [--pairs 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import secrets
import smtplib
import socket
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import SecretStr

from harness import Comparison, Result, Timing, alternate, report, stopwatch
from kluis.actors import Actor, Role
from kluis.consent.catalogue import load_default_topics
from kluis.contacts import collect
from kluis.contacts import people as contacts
from kluis.locale.catalogues import messages
from kluis.messaging import campaigns
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.opening import open_kluis
from kluis.purposes.service import load_default_catalogue
from kluis.runtime import Kluis
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
BASE_URL = "https://crm.example.com"
FROM = "news@example.com"


# The SMTP server, in a child process


def _serve(port: int, control: Connection) -> None:
    """Run aiosmtpd on ``port`` until told to stop; on "take", answer how many messages came
    since the last "take", to how many recipients, and the most any recipient got."""
    from aiosmtpd.controller import Controller  # lazy: only the child process serves SMTP

    seen: Counter[str] = Counter()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            seen.update(envelope.rcpt_tos)
            return "250 Message accepted"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    control.send("ready")
    while (command := control.recv()) != "stop":
        assert command == "take"
        control.send((sum(seen.values()), len(seen), max(seen.values(), default=0)))
        seen.clear()
    controller.stop()


@dataclass
class Server:
    port: int
    control: Connection
    process: Any

    def take(self) -> tuple[int, int, int]:
        self.control.send("take")
        count, recipients, most = self.control.recv()
        return int(count), int(recipients), int(most)

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


def populate(directory: Path, url: str, count: int) -> Kluis:
    settings = Settings(
        data_dir=directory / "kluis",
        master_key=SecretStr(new_master_key_text()),
        smtp_url=url,
        base_url=BASE_URL,
        mail_from_commercial=FROM,
    )
    kluis = open_kluis(settings, create=True)
    load_default_catalogue(kluis.engine, NOW)
    load_default_topics(kluis, NOW)
    collect.create_people(kluis, ACTOR, people(count), NOW, batch_size=1000)
    return kluis


def kluis_send(kluis: Kluis, url: str, count: int, run: int) -> Timing:
    campaign = campaigns.create_campaign(kluis, ACTOR, CAMPAIGN | {"name": f"Spring {run}"}, NOW)
    with stopwatch() as watch:
        view = campaigns.send_campaign(
            kluis,
            ACTOR,
            campaign.id,
            lambda: NOW,
            lambda: SmtpTransport(parse_smtp_url(url)),
            sleep=lambda _s: None,
        )
    assert view.counts == {"sent": count}, view.counts
    return watch.timing


# The baseline


@dataclass(frozen=True)
class Person:
    email: str
    given_name: str
    family_name: str
    language: str
    unsubscribe: str
    preferences: str


def prebuilt(count: int) -> list[Person]:
    """The baseline's recipients, with links as long as the signed ones Kluis sends."""
    found = []
    for person in people(count):
        fields = person.fields
        found.append(
            Person(
                str(fields["email"]),
                str(fields["given_name"]),
                str(fields["family_name"]),
                person.language,
                f"{BASE_URL}/unsubscribe/{secrets.token_urlsafe(96)}",
                f"{BASE_URL}/preferences/{secrets.token_urlsafe(64)}",
            )
        )
    return found


def footers() -> dict[str, tuple[str, str, str]]:
    """The footer's words in each language, as Kluis words them."""
    topic = {"en": "Offers", "nl": "Aanbiedingen"}
    found = {}
    for lang in ("en", "nl"):
        words = messages("common", lang)
        found[lang] = (
            words["footer_text"].format(organisation="Kluis", topic=topic[lang]),
            words["footer_unsubscribe"],
            words["footer_preferences"],
        )
    return found


class Baseline:
    """What a plain program sending the same campaign does: Jinja2 (each text compiled once,
    the same layout), ``EmailMessage``, smtplib over one connection."""

    def __init__(self) -> None:
        env = Environment(
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.layout = Environment(
            loader=PackageLoader("kluis.messaging", "templates"),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        ).get_template("email/layout.html")
        self.texts = {
            lang: (
                env.from_string(str(CAMPAIGN[f"subject_{lang}"])),
                env.from_string(str(CAMPAIGN[f"body_{lang}"])),
            )
            for lang in ("en", "nl")
        }
        self.footer = footers()

    def message(self, person: Person) -> EmailMessage:
        subject_t, body_t = self.texts[person.language]
        context = {
            "given_name": person.given_name,
            "family_name": person.family_name,
            "organisation": "Kluis",
        }
        subject = subject_t.render(context)
        body = body_t.render(context)
        note, unsubscribe, preferences = self.footer[person.language]
        text = (
            f"{body}\n\n-- \n{note}\n{unsubscribe}: {person.unsubscribe}\n"
            f"{preferences}: {person.preferences}\n"
        )
        page = self.layout.render(
            subject=subject,
            paragraphs=[p.strip() for p in body.split("\n\n") if p.strip()],
            footer={
                "text": note,
                "unsubscribe_label": unsubscribe,
                "unsubscribe_url": person.unsubscribe,
                "preferences_label": preferences,
                "preferences_url": person.preferences,
            },
            language=person.language,
        )
        message = EmailMessage()
        message["From"] = f"Kluis <{FROM}>"
        message["To"] = person.email
        message["Subject"] = subject
        message["Date"] = format_datetime(NOW)
        message["Message-ID"] = make_msgid(domain="crm.example.com")
        message["List-Unsubscribe"] = f"<{person.unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["List-Id"] = "<offers.crm.example.com>"
        message.set_content(text)
        message.add_alternative(page, subtype="html")
        message["Content-Language"] = person.language
        return message

    def send(self, host: str, port: int, recipients: list[Person]) -> Timing:
        with stopwatch() as watch, smtplib.SMTP(host, port, timeout=30) as smtp:
            for person in recipients:
                smtp.send_message(self.message(person))
        return watch.timing


def floor_send(host: str, port: int, flat: list[tuple[str, bytes]]) -> Timing:
    """Only the sending: smtplib with each message's bytes prebuilt (the transport's floor)."""
    with stopwatch() as watch, smtplib.SMTP(host, port, timeout=30) as smtp:
        for to, data in flat:
            smtp.sendmail(FROM, [to], data)
    return watch.timing


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    n = args.people
    server = start_server()
    url = f"smtp://127.0.0.1:{server.port}"
    recipients = prebuilt(n)
    baseline = Baseline()
    flat = [
        (person.email, baseline.message(person).as_bytes(policy=SMTP_POLICY))
        for person in recipients
    ]
    floors: list[Timing] = []

    def checked(timing: Timing, who: str) -> Timing:
        count, reached, most = server.take()
        assert (count, reached, most) == (n, n, 1), f"{who}: {count} sent to {reached}, {most}"
        return timing

    def base(_i: int) -> Timing:
        floors.append(checked(floor_send("127.0.0.1", server.port, flat), "floor"))
        return checked(baseline.send("127.0.0.1", server.port, recipients), "baseline")

    try:
        with tempfile.TemporaryDirectory() as tmp:
            kluis = populate(Path(tmp), url, n)
            try:
                result = alternate(
                    args.pairs, base, lambda i: checked(kluis_send(kluis, url, n, i), "kluis")
                )
            finally:
                kluis.close()
    finally:
        server.stop()
    floor = Comparison(tuple(zip(floors, (ours for _, ours in result.pairs), strict=True)))
    plain, ours = result.median("baseline"), result.median("kluis")
    print(f"campaign benchmark: {n} people (customers, soft opt-in), nl and en")
    print(
        f"  floor (smtplib, prebuilt bytes):            {n / floor.median('baseline'):8.0f} msg/s"
    )
    print(f"  baseline (Jinja2 + EmailMessage + smtplib): {n / plain:8.0f} msg/s")
    print(f"  kluis campaign send:                        {n / ours:8.0f} msg/s")
    print(f"  wall ratios {[round(r, 3) for r in result.wall_ratios]}")
    print(f"  CPU ratios  {[round(r, 3) for r in result.cpu_ratios]}")
    print(f"  against the floor: wall {[round(r, 3) for r in floor.wall_ratios]}")
    print(f"                     CPU  {[round(r, 3) for r in floor.cpu_ratios]}")
    report(
        Result(
            workload=f"campaign send ({n:,}, SMTP in another process)",
            goal=">= 0.5x plain smtplib, same rendering and MIME",
            figure=f"{n / ours:.0f} msg/s ({1000 * ours / n:.2f} ms each), "
            f"baseline {n / plain:.0f} msg/s",
            ratio=result.summary(),
            met=result.ratio_median >= 0.5,
        )
    )
    report(
        Result(
            workload=f"campaign send ({n:,}) against sending prebuilt bytes",
            goal="none (the transport's floor)",
            figure=f"floor {n / floor.median('baseline'):.0f} msg/s",
            ratio=floor.summary(),
            met=None,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
