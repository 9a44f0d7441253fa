"""An invented population for trying Kluis: companies, customers and prospects with example.com
addresses and invented Dutch and English names, consents with a notice and evidence, some
withdrawn, some due for re-confirmation soon. Nothing here is real personal data."""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from kluis.actors import Actor
from kluis.auth import service as users
from kluis.consent import catalogue as consent_catalogue
from kluis.consent import evidence as consent_evidence
from kluis.consent import ledger as consent
from kluis.contacts import collect, companies
from kluis.contacts import people as contacts
from kluis.purposes import service as purposes
from kluis.runtime import Kluis

GIVEN = (
    "Anouk", "Bram", "Daan", "Eva", "Fleur", "Joris", "Lotte", "Milan", "Noor", "Sem", "Femke",
    "Thijs", "Saar", "Ruben", "Isa", "Oliver", "Amelia", "Harry", "Grace", "George", "Emily",
)  # fmt: skip
FAMILY = (
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos",
    "van Dijk", "Hendriks", "Dekker", "Smith", "Taylor", "Brown", "Wilson", "Evans", "Walker",
)  # fmt: skip
COMPANIES = (
    ("Bakkerij Het Zoete Hoekje", "Utrecht"),
    ("Fietsenmakerij De Spaak", "Haarlem"),
    ("Tuincentrum Groen & Co", "Zwolle"),
    ("Northwind Traders", "London"),
    ("Koffiebranderij De Boon", "Groningen"),
)
INTERESTS = ("fietsen", "koffie", "tuin", "boeken", "reizen", "koken")
NOTICE = (
    "Ja, ik wil de nieuwsbrief per e-mail ontvangen. Afmelden kan altijd via de link onderaan "
    "elke e-mail."
)


@dataclass(frozen=True)
class Population:
    """What a slice's part of the demo builds on: the invented people (with the purposes each
    was collected for), the companies and a seeded random source, so a part's choices are
    repeatable for one ``count``."""

    people: Sequence[tuple[str, Sequence[str]]]
    """(person id, purpose keys) of every invented person."""
    company_ids: Sequence[int]
    rng: random.Random


class DemoPart(Protocol):
    """A slice's part of ``kluis demo`` (``Slice(demo=...)``): adds its own invented records
    through its services (so they are sealed, purpose-bound and audited like real ones) and
    returns what it added, counted by kind, for the summary line."""

    def __call__(
        self, k: Kluis, actor: Actor, population: Population, now: datetime
    ) -> dict[str, int]: ...


def populate(
    k: Kluis, actor: Actor, count: int, now: datetime, *, parts: Sequence[DemoPart] = ()
) -> dict[str, int]:
    """Add ``count`` invented people (and the catalogue, topics and a few companies), then each
    slice's part (``parts``, from the registry)."""
    purposes.load_default_catalogue(k.engine, now)
    consent_catalogue.load_default_topics(k, now)
    rng = random.Random(count)  # noqa: S311 (invented data, not security)
    run = secrets.token_hex(3)
    # the staff there are own the people and companies in turn (none: they stay unowned)
    staff: list[int | None] = [u.id for u in users.list_users(k.engine) if u.active] or [None]
    company_ids = [
        companies.create_company(
            k,
            actor,
            {"name": name, "city": city, "country": "NL"},
            now,
            owner_id=staff[n % len(staff)],
        ).id
        for n, (name, city) in enumerate(COMPANIES)
    ]
    notice = consent_catalogue.add_notice(
        k, actor, "nl", NOTICE, now, covers=[("email", "newsletter")]
    )
    people: list[contacts.NewPerson] = []
    for n in range(count):
        customer = rng.random() < 0.6
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        keys = ["customer_service", "invoicing"] if customer else ["sales_follow_up"]
        marketing = rng.random() < 0.5
        if marketing:
            keys.append("email_marketing")
        if customer and n % 10 < 7:  # most customers were told of the soft opt-in at the sale
            keys.append("existing_customer_marketing")
        local = f"{given}.{family}".lower().replace(" ", "")
        fields: dict[str, str | list[str] | None] = {
            "given_name": given,
            "family_name": family,
            "email": f"{local}.{run}{n}@example.com",
            "phone": f"+31 6 {rng.randint(10_000_000, 99_999_999)}",
        }
        if customer:
            fields["address"] = f"Dorpsstraat {rng.randint(1, 300)}\n1234 AB Ergens"
        if marketing or not customer:
            fields["interests"] = rng.sample(INTERESTS, 2)
        people.append(
            contacts.NewPerson(
                relationship="customer" if customer else "prospect",
                purposes=keys,
                fields=fields,
                language=rng.choice(("nl", "nl", "en")),
                company_id=rng.choice(company_ids) if rng.random() < 0.3 else None,
                owner_id=staff[n % len(staff)],
            )
        )
    ids = collect.create_people(k, actor, people, now, source="demo")
    granted = withdrawn = due = 0
    for person_id, item in zip(ids, people, strict=True):
        if "email_marketing" not in item.purposes:
            continue
        roll = rng.random()
        # some consents were given almost two years ago: due for re-confirmation soon
        when = (
            now - timedelta(days=700) if roll < 0.2 else now - timedelta(days=rng.randint(1, 300))
        )
        evidence = (
            consent_evidence.add_evidence(
                k,
                actor,
                person_id,
                "email_marketing",
                "text/plain",
                b"Signed paper form (invented)",
                when,
                filename="formulier.txt",
            )
            if roll > 0.9
            else None
        )
        consent.record(
            k, actor, person_id, "email", "newsletter", "granted", when,
            consent.Grant(
                method="paper_form" if evidence else "web_form",
                notice_id=notice.id,
                evidence_id=evidence,
            ),
        )  # fmt: skip
        granted += 1
        due += roll < 0.2
        if 0.2 <= roll < 0.3:
            consent.record(
                k, actor, person_id, "email", "newsletter", "withdrawn", now,
                consent.Grant(method="unsubscribe_link", notice_id=None),
            )  # fmt: skip
            withdrawn += 1
    summary = {
        "people": len(ids),
        "companies": len(company_ids),
        "consents": granted,
        "withdrawals": withdrawn,
        "due for re-confirmation": due,
    }
    population = Population(
        [(i, tuple(p.purposes)) for i, p in zip(ids, people, strict=True)], company_ids, rng
    )
    for part in parts:
        summary.update(part(k, actor, population, now))
    return summary
