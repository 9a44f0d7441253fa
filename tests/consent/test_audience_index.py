"""The audience's copy of what the rule reads of people (``consent.audience_index``) never
drifts from contacts' rows (issue 17), on SQLite and PostgreSQL: after every kind of change
(people created in bulk, relationship and addresses rectified, purposes changed, objection and
restriction recorded and lifted, consent granted, re-confirmed, withdrawn and expired, a partial
erasure with or without the ledger, a full erasure) each copy (the ``audience_people`` row and
every ``permissions`` row) equals what ``facts_from_rows`` reads, the kept counts
(``audience_counts``) equal a recount of the rows they count, and the counts still agree with
``may_contact`` person by person and, at ``now``s on both sides of the re-confirm-by dates, with
a walk of the audience indexes.

Like ``test_audience``, each example works on a topic of its own and erases everyone it created.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from conftest import ADMIN, MARKETING, NOW, examples
from factories import EVERY_PAIR, add_notice, new_person
from kluis.consent import audience_counts, catalogue, ledger
from kluis.consent import decisions as consent_decisions
from kluis.consent.audience_index import (
    ADDRESS_BITS,
    decode,
    encode,
    facts_from_rows,
    kept_facts,
    purpose_text,
)
from kluis.consent.audience_repository import audience_cells, walked_cells
from kluis.consent.grant_rules import every
from kluis.consent.rules import CHANNEL_FIELDS, DEFAULT_GROUNDS
from kluis.consent.tables import AudiencePerson, PermissionRow
from kluis.contacts import collect, flags, rectify
from kluis.contacts import erasure as contacts
from kluis.errors import KluisError
from kluis.runtime import Kluis

SERIAL = itertools.count(1)
SERVICE, CONSENT, SOFT = "customer_service", "email_marketing", "existing_customer_marketing"


@dataclass(frozen=True)
class Change:
    """One change to person number ``who`` (modulo the population), ``day`` days after NOW."""

    who: int
    what: str
    value: str
    day: int


changes = st.builds(
    Change,
    who=st.integers(min_value=0, max_value=50),
    what=st.sampled_from(
        [
            "relationship",
            "email",
            "phone",
            "purposes",
            "objection",
            "restriction",
            "granted",
            "withdrawn",
            "expired",
            "keep_only",
            "erase",
        ]
    ),
    value=st.sampled_from(["customer", "prospect", "", "on", "off", "ledger"]),
    day=st.integers(min_value=0, max_value=30),
)


@dataclass(frozen=True)
class Newcomer:
    relationship: str
    soft: bool
    email: bool


newcomers = st.builds(
    Newcomer,
    relationship=st.sampled_from(["customer", "prospect", "other"]),
    soft=st.booleans(),
    email=st.booleans(),
)


def apply(kluis: Kluis, person: str, change: Change, topic: str, notice_id: int) -> bool:
    """Make the change through the services; True when the person is erased by it. A change the
    services refuse (a purpose needing a consent the person lacks, ...) changes nothing."""
    at = NOW + timedelta(days=change.day)
    on = change.value in ("on", "customer", "ledger")
    try:
        if change.what == "erase":
            contacts.erase_person(kluis, ADMIN, person, at)
            return True
        if change.what == "relationship":
            value = change.value if change.value in ("customer", "prospect") else "other"
            rectify.update_person(kluis, ADMIN, person, SERVICE, {"relationship": value}, at)
        elif change.what == "email":
            email = f"index{next(SERIAL)}@example.com" if on else None
            rectify.update_person(kluis, ADMIN, person, SERVICE, {"email": email}, at)
        elif change.what == "phone":
            phone = f"+31 6 {20000000 + next(SERIAL)}" if on else None
            rectify.update_person(kluis, ADMIN, person, SERVICE, {"phone": phone}, at)
        elif change.what == "purposes":
            wanted = [SERVICE] + ([SOFT] if on else []) + ([CONSENT] if change.value == "" else [])
            rectify.update_person(kluis, ADMIN, person, SERVICE, {"purposes": wanted}, at)
        elif change.what in ("objection", "restriction"):
            flags.set_flag(kluis, ADMIN, person, change.what, on, "email", at)
        elif change.what in ("granted", "withdrawn", "expired"):
            grant = ledger.Grant(method="double_opt_in", notice_id=notice_id)
            ledger.record(
                kluis,
                MARKETING,
                person,
                "email",
                topic,
                change.what,
                at,
                grant if change.what == "granted" else None,
            )
        elif change.what == "keep_only":
            with kluis.engine.begin() as conn:
                contacts.keep_only(
                    kluis,
                    ADMIN,
                    person,
                    [SERVICE],
                    at,
                    reason="request",
                    conn=conn,
                    ledger=change.value == "ledger",
                )
    except KluisError:
        pass
    return False


def assert_in_step(kluis: Kluis, ids: list[str]) -> None:
    """Every copy of every person's facts equals what contacts' rows say; the erased have none;
    the kept counts equal a recount (of the whole store: every test's writes keep them)."""
    with kluis.engine.connect() as conn:
        assert audience_counts.kept(conn) == audience_counts.recounted(conn)
        truth = facts_from_rows(conn, ids)
        kept = kept_facts(conn, ids)
        rows = dict(
            conn.execute(
                select(PermissionRow.person_id, func.count())
                .where(PermissionRow.person_id.in_(ids))
                .group_by(PermissionRow.person_id)
            ).all()
        )
    assert set(kept) == set(truth)
    for person, facts in truth.items():
        assert kept[person] == [facts] * (1 + rows.get(person, 0)), person


def assert_counts_agree(kluis: Kluis, ids: list[str], present: set[str], topic: str) -> None:
    now = NOW + timedelta(days=31)
    decisions = {
        person: consent_decisions.decide(
            kluis, MARKETING, person, "email", "commercial", topic, now
        )
        for person in present
    }
    counts = consent_decisions.audience_counts(kluis, "email", topic, now)
    assert counts.allowed == sum(d.allowed for d in decisions.values())
    assert counts.refused == dict(
        Counter(d.reason.value for d in decisions.values() if not d.allowed)
    )
    streamed = [
        person
        for rows in consent_decisions.audience(kluis, "email", topic, now, batch=3)
        for person, _ in rows
    ]
    assert streamed == sorted(p for p, d in decisions.items() if d.allowed)
    with kluis.engine.connect() as conn:
        for at in LATER:
            kept = audience_cells(conn, "email", topic, at, DEFAULT_GROUNDS)
            assert kept == walked_cells(conn, "email", topic, at, DEFAULT_GROUNDS), at


LATER = [
    NOW + timedelta(days=31),
    datetime(2028, 3, 1, tzinfo=UTC),
    datetime(2028, 3, 14, 9, 29, 59, tzinfo=UTC),
    NOW.replace(year=2028) + timedelta(days=10),
    datetime(2028, 4, 1, tzinfo=UTC),
    NOW.replace(year=2028) + timedelta(days=25, hours=3),
    datetime(2028, 5, 1, tzinfo=UTC),
]
"""Moments to count at: before any re-confirm-by date (grants made NOW + 0..30 days, to be
re-confirmed 24 months on), in the first month they fall in, at its turn, in the next, after."""


@settings(
    max_examples=examples(30),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    population=st.lists(newcomers, min_size=1, max_size=8),
    steps=st.lists(changes, max_size=12),
)
def test_the_audience_copies_never_drift_from_the_people(
    kluis: Kluis, population: list[Newcomer], steps: list[Change]
) -> None:
    topic = f"index_{next(SERIAL)}"
    catalogue.create_topic(kluis, ADMIN, topic, topic, topic, NOW, 24)
    notice_id = add_notice(
        kluis, "en", "Yes, send me news by e-mail.", covers=EVERY_PAIR | every(["email"], [topic])
    )
    first = next(SERIAL) * 100
    ids = collect.create_people(
        kluis,
        ADMIN,
        [
            new_person(
                first + n,
                relationship=p.relationship,
                purposes=[SERVICE, SOFT] if p.soft else [SERVICE],
                **({} if p.email else {"email": None}),
            )
            for n, p in enumerate(population)
        ],
        NOW,
    )
    present = set(ids)
    try:
        assert_in_step(kluis, ids)
        for change in steps:
            person = ids[change.who % len(ids)]
            if person not in present:
                continue
            if apply(kluis, person, change, topic, notice_id):
                present.discard(person)
            assert_in_step(kluis, ids)
        assert_counts_agree(kluis, ids, present, topic)
    finally:
        for person in present:
            contacts.erase_person(kluis, ADMIN, person, NOW)
    with kluis.engine.connect() as conn:
        left = conn.scalar(
            select(func.count())
            .select_from(AudiencePerson)
            .where(AudiencePerson.person_id.in_(ids))
        )
    assert left == 0


def test_every_address_field_has_its_bit_and_facts_survive_storage() -> None:
    assert set(ADDRESS_BITS) == set(CHANNEL_FIELDS.values())
    for spelled in itertools.product([False, True], repeat=6):
        facts = (*spelled[:3], "a b", *spelled[3:])
        assert decode(*encode(facts)) == facts


def test_purpose_text_is_sorted_by_code_point_and_without_repeats() -> None:
    assert purpose_text(["b_x", "a", "b", "a"]) == "a b b_x"
    assert purpose_text([]) == ""
