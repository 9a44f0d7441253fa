"""The property of issue 20: for random populations and channels, the people a campaign reaches
are exactly those ``may_contact`` allows (who have an address on that channel), on every channel
Kluis sends: e-mail through a real SMTP server, SMS and WhatsApp through the local provider
server. Each example has its own topic and erases its people afterwards."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from conftest import ADMIN, MARKETING, NOW, examples
from factories import add_notice, add_person, grant_consent, marketed
from kluis.consent import catalogue, decisions
from kluis.consent import ledger as consent
from kluis.contacts import erasure, flags
from kluis.messaging import campaigns, texting
from kluis.messaging.tables import MessageRow
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.runtime import Kluis
from mailserver import MailServer
from smsprovider import ProviderServer
from text_helpers import phone_of, with_provider

SERIAL = itertools.count(1)

people = st.fixed_dictionaries(
    {
        "relationship": st.sampled_from(["customer", "prospect", "other"]),
        "consent": st.sampled_from(["none", "granted", "withdrawn"]),
        "objection": st.booleans(),
        "restriction": st.booleans(),
        "phone": st.booleans(),
        "marketed": st.booleans(),
        "language": st.sampled_from(["nl", "en"]),
    }
)


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    with ProviderServer() as server:
        yield server


def clock() -> datetime:
    return NOW


def add(k: Kluis, n: int, spec: dict[str, Any], topic: str, notice: int, channel: str) -> str:
    purposes = marketed(spec["relationship"]) if spec["marketed"] else ("customer_service",)
    extra = {} if spec["phone"] else {"phone": None}
    person = add_person(
        k,
        ADMIN,
        NOW,
        n,
        relationship=spec["relationship"],
        purposes=purposes,
        language=spec["language"],
        **extra,
    )
    if spec["consent"] in ("granted", "withdrawn"):
        grant_consent(k, person, channel, topic, notice)
    if spec["consent"] == "withdrawn":
        consent.record(k, MARKETING, person, channel, topic, "withdrawn", NOW)
    for flag in ("objection", "restriction"):
        if spec[flag]:
            flags.set_flag(k, ADMIN, person, flag, True, "email", NOW)
    return person


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    population=st.lists(people, max_size=6), channel=st.sampled_from(["email", "sms", "whatsapp"])
)
def test_a_campaign_reaches_exactly_whom_may_contact_allows(
    kluis: Kluis,
    provider: ProviderServer,
    smtp: MailServer,
    population: list[dict[str, Any]],
    channel: str,
) -> None:
    k = with_provider(kluis, provider)
    serial = next(SERIAL)
    topic = f"property_{serial}"
    catalogue.create_topic(k, ADMIN, topic, topic, topic, NOW, 24)
    notice = add_notice(k, covers=[(c, topic) for c in ("email", "sms", "whatsapp")])
    first = serial * 100
    ids = [add(k, first + i, spec, topic, notice, channel) for i, spec in enumerate(population)]
    provider.received.clear()
    smtp.received.clear()
    try:
        values: dict[str, Any] = {
            "channel": channel,
            "topic": topic,
            "body_nl": "Hoi {{ given_name }}",
        }
        if channel == "email":
            values["subject_nl"] = "Hoi"
        if channel == "whatsapp":
            values["whatsapp_template"] = {"name": "t", "content": {"nl": "HX1", "en": "HX2"}}
        draft = campaigns.create_campaign(k, MARKETING, values, NOW)
        sms_url, whatsapp_url = k.settings.sms_url, k.settings.whatsapp_url
        assert sms_url
        assert whatsapp_url
        text_url = sms_url if channel == "sms" else whatsapp_url
        campaigns.send_campaign(
            k,
            MARKETING,
            draft.id,
            clock,
            lambda: SmtpTransport(parse_smtp_url(smtp.url), sleep=lambda _s: None),
            texting=lambda: texting.TwilioTransport(texting.parse_provider_url(text_url, channel)),
            sleep=lambda _s: None,
        )
        allowed = {
            person
            for person in ids
            if decisions.decide(k, MARKETING, person, channel, "commercial", topic, NOW).allowed
        }
        with k.engine.connect() as conn:
            rows = conn.execute(
                select(MessageRow.person_id, MessageRow.allowed, MessageRow.status).where(
                    MessageRow.campaign_id == draft.id
                )
            ).all()
        assert {person for person, ok, _ in rows if ok} == allowed
        addressed = {
            person
            for person, spec in zip(ids, population, strict=True)
            if person in allowed and (channel == "email" or spec["phone"])
        }
        assert {person for person, _, status in rows if status == "sent"} == addressed
        index = {person: first + i for i, person in enumerate(ids)}
        if channel == "email":
            reached = {str(m["To"]) for m in smtp.received}
            wanted = {f"fenna.brouwersma{index[p]}@example.com" for p in addressed}
        else:
            reached = {r.form["To"].removeprefix("whatsapp:") for r in provider.received}
            wanted = {phone_of(index[p]) for p in addressed}
        assert reached == wanted
    finally:
        for person in ids:
            erasure.erase_person(k, ADMIN, person, NOW)
