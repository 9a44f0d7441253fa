"""The audience, the preview's refusals and the campaign agree exactly (issue 14), on SQLite and
PostgreSQL, with a real SMTP server: random people (relationship, the purposes they were
collected for, an e-mail address or none, consent granted, withdrawn or lapsed, objections,
restrictions) are counted by ``audience_count``, refused by reason in the preview, decided one by
one by ``decide``, and then sent the campaign. Exactly the people counted receive it, once; each
was read under the purpose that grounds their decision, which they were collected for; everyone
else is refused for the reason the preview gave.

The ``kluis`` fixture lives for the whole test while hypothesis runs the body many times, so each
example works on a topic of its own and erases everyone it created when it ends.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ADMIN, MARKETING, NOW, examples
from factories import new_person
from kluis.audit import service as audit
from kluis.consent import catalogue
from kluis.consent import decisions as consent_decisions
from kluis.consent import ledger as consent
from kluis.consent.grant_rules import every
from kluis.contacts import collect as contacts
from kluis.contacts import erasure, flags
from kluis.contacts import people as contacts_people
from kluis.messaging import campaigns
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.runtime import Kluis
from mailserver import MailServer

SERIAL = itertools.count(1)
PURPOSES = ("customer_service", "email_marketing", "existing_customer_marketing", "invoicing")
GROUNDS = {"consent": "email_marketing", "soft_opt_in": "existing_customer_marketing"}


@dataclass(frozen=True)
class Someone:
    relationship: str
    purposes: frozenset[str]
    email: bool
    consent: str  # none, granted, withdrawn, expired, lapsed
    objected: bool
    restricted: bool


people = st.builds(
    Someone,
    relationship=st.sampled_from(["customer", "customer", "prospect", "other"]),
    purposes=st.frozensets(st.sampled_from(PURPOSES), min_size=1),
    email=st.sampled_from([True, True, True, False]),
    consent=st.sampled_from(["none", "granted", "granted", "withdrawn", "expired", "lapsed"]),
    objected=st.sampled_from([False, False, False, False, True]),
    restricted=st.sampled_from([False, False, False, False, False, True]),
)


def add(kluis: Kluis, population: list[Someone], first: int) -> list[str]:
    items = []
    for n, someone in enumerate(population):
        item = new_person(
            first + n, relationship=someone.relationship, purposes=sorted(someone.purposes)
        )
        fields = {name: value for name, value in item.fields.items() if name != "phone"}
        if not someone.email:
            fields["email"] = None
        items.append(
            contacts_people.NewPerson(item.relationship, item.purposes, fields, item.language)
        )
    return contacts.create_people(kluis, ADMIN, items, NOW)


def play(kluis: Kluis, person: str, someone: Someone, topic: str, notice_id: int) -> None:
    grant = consent.Grant(method="double_opt_in", notice_id=notice_id)
    if someone.consent != "none":
        consent.record(kluis, MARKETING, person, "email", topic, "granted", NOW, grant)
    if someone.consent in ("withdrawn", "expired"):
        day = NOW + timedelta(days=1)
        consent.record(kluis, MARKETING, person, "email", topic, someone.consent, day)
    for flag in ("objection", "restriction"):
        if getattr(someone, "objected" if flag == "objection" else "restricted"):
            flags.set_flag(kluis, ADMIN, person, flag, True, "email", NOW)


@settings(
    max_examples=examples(12),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(population=st.lists(people, max_size=12))
def test_the_audience_the_preview_and_the_campaign_agree(
    kluis: Kluis, smtp: MailServer, population: list[Someone]
) -> None:
    serial = next(SERIAL)
    topic = f"agree_{serial}"
    catalogue.create_topic(kluis, ADMIN, topic, topic, topic, NOW, 6)
    notice_id = catalogue.add_notice(
        kluis, ADMIN, "en", f"Offers by e-mail ({serial}).", NOW, covers=every(["email"], [topic])
    ).id
    ids = add(kluis, population, serial * 100)
    smtp.handler.received.clear()
    try:
        for person, someone in zip(ids, population, strict=True):
            play(kluis, person, someone, topic, notice_id)
        renewed = NOW + timedelta(days=150)
        for person, someone in zip(ids, population, strict=True):
            if someone.consent == "granted":
                consent.record(kluis, MARKETING, person, "email", topic, "reconfirmed", renewed)
        now = NOW + timedelta(days=200)  # past the six-month re-confirm-by date of "lapsed"
        check(kluis, smtp, ids, population, topic, now + timedelta(minutes=1), serial * 100)
    finally:
        for person in ids:
            erasure.erase_person(kluis, ADMIN, person, NOW)


def check(
    kluis: Kluis,
    smtp: MailServer,
    ids: list[str],
    population: list[Someone],
    topic: str,
    at: datetime,
    first: int,
) -> None:
    decisions = {
        person: consent_decisions.decide(kluis, MARKETING, person, "email", "commercial", topic, at)
        for person in ids
    }
    allowed = {person for person, d in decisions.items() if d.allowed}
    refused = Counter(d.reason.value for d in decisions.values() if not d.allowed)
    for person, someone in zip(ids, population, strict=True):
        decision = decisions[person]
        if decision.allowed:
            assert someone.email
            assert decision.purpose == GROUNDS[decision.basis.value]
            assert decision.purpose in someone.purposes

    campaign = campaigns.create_campaign(
        kluis,
        MARKETING,
        {
            "name": topic,
            "topic": topic,
            "subject_en": "Offer",
            "body_en": "Hello {{ given_name }}",
            "subject_nl": "Aanbieding",
            "body_nl": "Hallo {{ given_name }}",
            "rate_per_minute": 100_000,
        },
        at,
    )
    assert consent_decisions.audience_count(kluis, "email", topic, at) == len(allowed)
    preview = campaigns.preview(kluis, campaign.id, at)
    assert preview.allowed == len(allowed)
    assert preview.refused == dict(refused)

    url = smtp.url
    done = campaigns.send_campaign(
        kluis,
        MARKETING,
        campaign.id,
        lambda: at,
        lambda: SmtpTransport(parse_smtp_url(url), sleep=lambda _s: None),
        sleep=lambda _s: None,
    )
    assert done.status == "sent"
    assert done.counts == ({"sent": len(allowed)} if allowed else {})
    assert done.refused == dict(refused)
    addresses = {f"fenna.brouwersma{first + ids.index(person)}@example.com" for person in allowed}
    received = Counter(str(m["To"]) for m in smtp.handler.received)
    assert received == Counter(dict.fromkeys(addresses, 1))

    reads = [
        entry
        for person in ids
        for entry in audit.list_entries(kluis.engine, person_id=person, action="person.read")
        if entry.details.get("via") == "message"
    ]
    assert {entry.person_id for entry in reads} == allowed
    for entry in reads:
        assert entry.purpose == decisions[str(entry.person_id)].purpose
