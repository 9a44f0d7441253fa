"""The property of issue 20 for phone call lists: for random populations, the call list is
exactly the people ``may_contact`` allows on the phone for the topic, and opening each call
shows a number exactly when the decision allows and the person has one. Each example has its
own topic and erases its people afterwards."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from call_helpers import phone_kluis
from conftest import ADMIN, MARKETING, NOW, examples
from factories import add_notice, add_person, grant_consent, marketed
from kluis.consent import catalogue, decisions
from kluis.consent import ledger as consent
from kluis.contacts import erasure, flags
from kluis.messaging import calls, campaigns
from kluis.runtime import Kluis

SERIAL = itertools.count(1)

people = st.fixed_dictionaries(
    {
        "relationship": st.sampled_from(["customer", "prospect", "other"]),
        "consent": st.sampled_from(["none", "granted", "withdrawn"]),
        "objection": st.booleans(),
        "restriction": st.booleans(),
        "phone": st.booleans(),
        "marketed": st.booleans(),
    }
)


def add(k: Kluis, n: int, spec: dict[str, Any], topic: str, notice: int) -> str:
    purposes = marketed(spec["relationship"]) if spec["marketed"] else ("customer_service",)
    extra = {} if spec["phone"] else {"phone": None}
    person = add_person(
        k, ADMIN, NOW, n, relationship=spec["relationship"], purposes=purposes, **extra
    )
    if spec["consent"] in ("granted", "withdrawn"):
        grant_consent(k, person, "phone", topic, notice)
    if spec["consent"] == "withdrawn":
        consent.record(k, MARKETING, person, "phone", topic, "withdrawn", NOW)
    for flag in ("objection", "restriction"):
        if spec[flag]:
            flags.set_flag(k, ADMIN, person, flag, True, "phone", NOW)
    return person


@settings(
    max_examples=examples(20),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(population=st.lists(people, max_size=6))
def test_a_call_list_is_exactly_whom_may_contact_allows(
    kluis: Kluis, population: list[dict[str, Any]]
) -> None:
    k = phone_kluis(kluis)
    serial = next(SERIAL)
    topic = f"calls_{serial}"
    catalogue.create_topic(k, ADMIN, topic, topic, topic, NOW, 24)
    notice = add_notice(k, covers=[("phone", topic)])
    first = serial * 100
    ids = [add(k, first + i, spec, topic, notice) for i, spec in enumerate(population)]
    try:
        draft = campaigns.create_campaign(
            k, MARKETING, {"channel": "phone", "topic": topic, "body_nl": "Goedemiddag"}, NOW
        )
        found = calls.make_list(k, MARKETING, draft.id, NOW)
        allowed = {
            person
            for person in ids
            if decisions.decide(k, MARKETING, person, "phone", "commercial", topic, NOW).allowed
        }
        assert {i.person_id for i in found.items} == allowed
        phones = {p for p, spec in zip(ids, population, strict=True) if spec["phone"]}
        for item in found.items:
            call = calls.open_call(k, MARKETING, item.id, NOW)
            assert call.allowed
            assert (call.phone is not None) == (item.person_id in phones)
    finally:
        for person in ids:
            erasure.erase_person(k, ADMIN, person, NOW)
