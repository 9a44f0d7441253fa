"""The audience in SQL is ``may_contact`` applied person by person (issue 3), on SQLite and
PostgreSQL: on random populations with random relationships, grants, withdrawals,
re-confirmations, expiries, objections, restrictions and erasures, checked at a random moment.

The ``kluis`` fixture lives for the whole test while hypothesis runs the body many times, so each
example works on a topic of its own and erases everyone it created when it ends: the store is
then as empty of people as it was, and the counts over the whole population are the example's.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ADMIN, MARKETING, NOW, examples
from factories import EVERY_PAIR, add_notice, new_person
from kluis.consent import catalogue, ledger
from kluis.consent import decisions as consent_decisions
from kluis.consent.grant_rules import every
from kluis.consent.rules import Basis, Channel, Decision, Reason, live
from kluis.contacts import collect, flags
from kluis.contacts import erasure as contacts
from kluis.errors import InvalidField
from kluis.runtime import Kluis

SERIAL = itertools.count(1)
"""Unique numbers for e-mail addresses and topic keys across the examples of a run."""

CHANNELS = ("email", "sms")  # e-mail has the soft opt-in by default, sms does not


@dataclass(frozen=True)
class Step:
    """One thing that happens to a person, ``day`` days after NOW."""

    day: int
    what: str  # granted, withdrawn, reconfirmed, expired, objection, restriction, erase
    channel: str
    other_topic: bool
    active: bool


steps = st.builds(
    Step,
    day=st.integers(min_value=0, max_value=1100),
    what=st.sampled_from(
        ["granted"] * 5
        + ["withdrawn"] * 2
        + ["reconfirmed"] * 3
        + ["expired", "objection", "restriction", "erase"]
    ),
    channel=st.sampled_from(CHANNELS),
    other_topic=st.sampled_from([False, False, False, True]),
    active=st.booleans(),
)


@dataclass(frozen=True)
class Plan:
    relationship: str
    steps: list[Step]


plans = st.builds(
    Plan,
    relationship=st.sampled_from(["customer", "prospect", "other"]),
    steps=st.lists(steps, max_size=5).map(lambda s: sorted(s, key=lambda x: x.day)),
)


def notice(kluis: Kluis, topics: tuple[str, ...] = ()) -> int:
    text = "Yes, send me offers by e-mail and text message."
    return add_notice(
        kluis, "en", text, covers=EVERY_PAIR | every([c.value for c in Channel], topics)
    )


def record(kluis: Kluis, person: str, step: Step, key: str, notice_id: int) -> None:
    at = NOW + timedelta(days=step.day)
    grant = ledger.Grant(method="double_opt_in", notice_id=notice_id)
    ledger.record(
        kluis,
        MARKETING,
        person,
        step.channel,
        key,
        step.what,
        at,
        grant if step.what == "granted" else None,
        captured_by="person" if step.what == "withdrawn" else None,
    )


def play(kluis: Kluis, person: str, plan: Plan, topic: str, other: str, notice_id: int) -> bool:
    """Record the person's steps through the services; True when they end up erased."""
    for step in plan.steps:
        at = NOW + timedelta(days=step.day)
        if step.what == "erase":
            contacts.erase_person(kluis, ADMIN, person, at)
            return True
        if step.what in ("objection", "restriction"):
            flags.set_flag(kluis, ADMIN, person, step.what, step.active, "email", at)
            continue
        key = other if step.other_topic else topic
        current = ledger.kept_state(kluis, person).get((Channel(step.channel), key))
        if step.what == "reconfirmed" and not live(current, at):
            # a withdrawn or lapsed consent cannot be revived by a re-confirmation
            with pytest.raises(InvalidField) as refused:
                record(kluis, person, step, key, notice_id)
            assert refused.value.field == "action"
        else:
            record(kluis, person, step, key, notice_id)
    return False


@settings(
    max_examples=examples(30),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    population=st.lists(plans, max_size=25),
    reconfirm_months=st.sampled_from([1, 6, 24]),
    day=st.integers(min_value=0, max_value=1200),
    hours=st.sampled_from([0, 12]),
    on_a_date=st.one_of(st.none(), st.integers(min_value=0, max_value=99)),
    batch=st.integers(min_value=1, max_value=7),
)
def test_the_sql_audience_is_may_contact_person_by_person(
    kluis: Kluis,
    population: list[Plan],
    reconfirm_months: int,
    day: int,
    hours: int,
    on_a_date: int | None,
    batch: int,
) -> None:
    serial = next(SERIAL)
    topic, other = f"audience_{serial}", f"audience_{serial}_other"
    for key in (topic, other):
        catalogue.create_topic(kluis, ADMIN, key, key, key, NOW, reconfirm_months)
    notice_id = notice(kluis, (topic, other))
    first = next(SERIAL) * 100
    ids = collect.create_people(
        kluis,
        ADMIN,
        [
            new_person(first + n, relationship=plan.relationship)
            for n, plan in enumerate(population)
        ],
        NOW,
    )
    present = set(ids)
    try:
        for person, plan in zip(ids, population, strict=True):
            if play(kluis, person, plan, topic, other, notice_id):
                present.discard(person)
        dates = []
        for person in sorted(present):
            kept = ledger.kept_state(kluis, person)
            assert kept == ledger.folded_state(kluis, person)
            dates += sorted(p.reconfirm_by for p in kept.values() if p.reconfirm_by is not None)
        now = NOW + timedelta(days=day, hours=hours)
        if on_a_date is not None and dates:
            now = dates[on_a_date % len(dates)]  # the very moment a consent lapses
        for channel in CHANNELS:
            check(kluis, ids, present, channel, topic, now, batch)
    finally:
        for person in present:
            contacts.erase_person(kluis, ADMIN, person, NOW)


def check(
    kluis: Kluis,
    ids: list[str],
    present: set[str],
    channel: str,
    topic: str,
    now: datetime,
    batch: int,
) -> None:
    decisions = {
        person: consent_decisions.decide(
            kluis, MARKETING, person, channel, "commercial", topic, now
        )
        for person in ids
    }
    for person in set(ids) - present:
        assert decisions[person] == Decision(False, Basis.NONE, Reason.ERASED)
    allowed = {person: d for person, d in decisions.items() if d.allowed}
    refused = Counter(d.reason.value for person, d in decisions.items() if not d.allowed)
    del refused[Reason.ERASED.value]  # the erased are gone from the store: not counted

    streamed = [
        item
        for rows in consent_decisions.audience(kluis, channel, topic, now, batch=batch)
        for item in rows
    ]
    assert [person for person, _ in streamed] == sorted(person for person, _ in streamed)
    assert dict(streamed) == allowed
    assert len(streamed) == len(allowed)

    assert consent_decisions.audience_count(kluis, channel, topic, now) == len(allowed)
    counts = consent_decisions.audience_counts(kluis, channel, topic, now)
    assert (counts.channel, counts.topic) == (channel, topic)
    assert counts.allowed == len(allowed)
    assert counts.refused == dict(refused)
