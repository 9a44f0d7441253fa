"""A campaign narrowed to a tag (d0020_tags), on SQLite and PostgreSQL: for random people (tagged
or not, consent granted, withdrawn or none, an address or none, objected), the messages queued
are exactly the tagged people ``decide`` allows (recipients = tagged ∩ allowed), the preview
counts them, and it refuses every other tagged person for the reason ``decide`` gives. A tag
never reaches anyone the consent rule refuses.

The ``kluis`` fixture lives for the whole test while hypothesis runs the body many times, so each
example works on a topic and a tag of its own and erases everyone it created when it ends.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from conftest import ADMIN, MARKETING, NOW, examples
from factories import new_person
from kluis.consent import catalogue
from kluis.consent import decisions as consent_decisions
from kluis.consent import ledger as consent
from kluis.consent.grant_rules import every
from kluis.contacts import collect, erasure, flags, tags
from kluis.contacts import people as contacts_people
from kluis.errors import NotFound
from kluis.messaging import campaigns
from kluis.messaging.tables import MessageRow
from kluis.runtime import Kluis

SERIAL = itertools.count(1)
PURPOSES = ("customer_service", "email_marketing", "existing_customer_marketing")


@dataclass(frozen=True)
class Someone:
    tagged: bool
    relationship: str
    purposes: frozenset[str]
    email: bool
    consent: str  # none, granted, withdrawn
    objected: bool


people = st.builds(
    Someone,
    tagged=st.booleans(),
    relationship=st.sampled_from(["customer", "prospect"]),
    purposes=st.frozensets(st.sampled_from(PURPOSES), min_size=1),
    email=st.sampled_from([True, True, True, False]),
    consent=st.sampled_from(["none", "granted", "granted", "withdrawn"]),
    objected=st.sampled_from([False, False, False, True]),
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
    return collect.create_people(kluis, ADMIN, items, NOW)


@settings(
    max_examples=examples(12),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(population=st.lists(people, max_size=8))
def test_recipients_are_the_tagged_people_the_consent_rule_allows(
    kluis: Kluis, population: list[Someone]
) -> None:
    serial = next(SERIAL)
    topic, tag = f"tagged_{serial}", f"tag-{serial}"
    catalogue.create_topic(kluis, ADMIN, topic, topic, topic, NOW, 6)
    notice_id = catalogue.add_notice(
        kluis, ADMIN, "en", f"Offers by e-mail ({serial}).", NOW, covers=every(["email"], [topic])
    ).id
    tags.create_tag(kluis, ADMIN, tag, tag, tag, NOW)
    ids = add(kluis, population, serial * 100)
    try:
        grant = consent.Grant(method="double_opt_in", notice_id=notice_id)
        for person, someone in zip(ids, population, strict=True):
            if someone.consent != "none":
                consent.record(kluis, MARKETING, person, "email", topic, "granted", NOW, grant)
            if someone.consent == "withdrawn":
                consent.record(kluis, MARKETING, person, "email", topic, "withdrawn", NOW)
            if someone.objected:
                flags.set_flag(kluis, ADMIN, person, "objection", True, "email", NOW)
        tagged = [p for p, s in zip(ids, population, strict=True) if s.tagged]
        for person, someone in zip(ids, population, strict=True):
            if someone.tagged:  # under a purpose they were collected for
                tags.tag_people(kluis, ADMIN, [person], tag, min(someone.purposes), NOW)
        decided = {
            p: consent_decisions.decide(kluis, MARKETING, p, "email", "commercial", topic, NOW)
            for p in tagged
        }
        allowed = {p for p, d in decided.items() if d.allowed}
        made = campaigns.create_campaign(
            kluis,
            MARKETING,
            {"topic": topic, "subject_en": "Offer", "body_en": "Hello", "tag": tag},
            NOW,
        )
        assert made.tag == tag
        preview = campaigns.preview(kluis, made.id, NOW)
        assert preview.allowed == len(allowed)
        assert preview.refused == dict(
            Counter(d.reason.value for d in decided.values() if not d.allowed)
        )
        assert campaigns.enqueue(kluis, MARKETING, made.id, NOW) == len(allowed)
        with kluis.engine.connect() as conn:
            queued = set(
                conn.execute(
                    select(MessageRow.person_id).where(MessageRow.campaign_id == made.id)
                ).scalars()
            )
        assert queued == allowed
    finally:
        for person in ids:
            erasure.erase_person(kluis, ADMIN, person, NOW)


def test_a_campaign_names_a_tag_that_exists(kluis: Kluis) -> None:
    with pytest.raises(NotFound) as caught:
        campaigns.create_campaign(
            kluis,
            MARKETING,
            {"topic": "offers", "subject_en": "Offer", "body_en": "Hello", "tag": "nothing"},
            NOW,
        )
    assert caught.value.field == "tag"
