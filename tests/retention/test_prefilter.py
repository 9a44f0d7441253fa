"""The sweep's SQL pre-filter (``facts.due``) narrows the people the rules look at, never the
people they act on: over generated people (every anchor, consents live, withdrawn and lapsed,
contracts, fields no purpose uses, legal holds) the pre-filter and the rule give what the rule
alone gives, on SQLite and PostgreSQL, at moments years apart. And once a sweep returns, the
write-ahead logs hold neither an erased person's ciphertext nor their wrapped key."""

from __future__ import annotations

import os
import random
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from conftest import ADMIN, NOW
from factories import add_person
from kluis.db import insert_rows, to_db_time
from kluis.ids import new_person_ids
from kluis.purposes.rules import parse_duration
from kluis.retention import facts, repository, rules, service
from kluis.runtime import Kluis

PURPOSES = (
    "age_verification",
    "customer_service",
    "email_marketing",
    "existing_customer_marketing",
    "invoicing",
    "sales_follow_up",
)
SEALED = ("given_name", "email", "phone", "birth_date", "address", "interests", "notes")


def moment(rng: random.Random, around: datetime, days: int) -> datetime:
    return around + timedelta(days=rng.randint(-days, days), seconds=rng.randint(0, 86_399))


def generated(kluis: Kluis, count: int, seed: int) -> list[str]:
    """``count`` people written straight through the driver with random facts."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    ids = new_person_ids(count)
    rows: dict[str, list[tuple[Any, ...]]] = {"people": [], "purposes": [], "perms": []}
    holds = []
    event = 0
    for person_id in ids:
        last = moment(rng, NOW, 900)
        ended = moment(rng, NOW - timedelta(days=2500), 400) if rng.random() < 0.3 else None
        fields = [name for name in SEALED if rng.random() < 0.4]
        rows["people"].append(
            (
                person_id,
                rng.choice(("customer", "prospect")),
                "nl",
                to_db_time(NOW),
                to_db_time(NOW),
                to_db_time(last),
                None if ended is None else to_db_time(ended),
                *(os.urandom(24) if name in fields else None for name in SEALED),
            )
        )
        for key in rng.sample(PURPOSES, rng.randint(0, 3)):
            rows["purposes"].append((person_id, key, to_db_time(moment(rng, NOW, 900))))
        for topic in rng.sample(("offers", "newsletter"), rng.randint(0, 2)):
            event += 1
            since = moment(rng, NOW, 700)
            status = rng.choice(("granted", "granted", "withdrawn"))
            reconfirm = since + timedelta(days=rng.randint(30, 700)) if rng.random() < 0.7 else None
            rows["perms"].append(
                (
                    person_id,
                    "email",
                    topic,
                    status,
                    event,
                    to_db_time(since),
                    None if reconfirm is None else to_db_time(reconfirm),
                )
            )
        if rng.random() < 0.1:
            holds.append((person_id, "case 7", to_db_time(moment(rng, NOW, 800)), "test"))
    people_columns = (
        "id",
        "relationship",
        "language",
        "created_at",
        "updated_at",
        "last_interaction_at",
        "contract_ended_at",
        *SEALED,
    )
    with kluis.engine.begin() as conn:
        insert_rows(conn, "people", people_columns, rows["people"])
        insert_rows(
            conn, "person_purposes", ("person_id", "purpose_key", "collected_at"), rows["purposes"]
        )
        insert_rows(
            conn,
            "permissions",
            ("person_id", "channel", "topic", "status", "event_id", "since", "reconfirm_by"),
            rows["perms"],
        )
        for person_id, reason, until, by in holds:
            conn.execute(
                text(
                    "INSERT INTO legal_holds (person_id, reason, until, created_by, created_at)"
                    " VALUES (:p, :r, :u, :b, :c)"
                ),
                {"p": person_id, "r": reason, "u": until, "b": by, "c": to_db_time(NOW)},
            )
    return ids


def acted(found: list[tuple[rules.PersonFacts, list[Any]]], now: datetime) -> dict[str, Any]:
    """Per person the rule acts on (or a hold stops, or with a lapsed consent): its verdict."""
    result = {}
    for person, perms in found:
        verdict = rules.verdict(person, now)
        lapsed = [
            p.topic
            for p in perms
            if p.status == "granted" and p.reconfirm_by and now >= p.reconfirm_by
        ]
        if verdict.acts or verdict.held_until is not None or lapsed:
            result[person.person_id] = (verdict, sorted(lapsed))
    return result


def test_the_sql_pre_filter_and_the_rule_act_on_whom_the_rule_alone_acts_on(
    kluis: Kluis,
) -> None:
    ids = generated(kluis, 400, seed=17)
    looked_at = []
    for days in (-400, 0, 200, 380, 700, 1500, 2600, 3000):
        now = NOW + timedelta(days=days)
        alone = acted(
            [f for page in facts.pages(kluis, 64) for f in facts.of(kluis, page, now)], now
        )
        pages = list(facts.due(kluis, now, 64))
        filtered = acted([f for page in pages for f in page.facts], now)
        assert sum(page.seen for page in pages) == len(ids)
        assert filtered == alone, days
        assert alone, days  # the moment tests something
        looked_at.append(sum(len(page.facts) for page in pages))
    assert min(looked_at) < len(ids)  # and the filter narrows


def test_a_catalogue_too_large_for_one_pass_is_tested_reason_by_reason(
    kluis: Kluis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over ``repository.MASK_KEYS`` purposes the pre-filter tests each reason on its own; it
    names the same people as the one pass does."""
    generated(kluis, 200, seed=29)
    for days in (0, 700, 2600):
        now = NOW + timedelta(days=days)
        one_pass = acted([f for page in facts.due(kluis, now, 50) for f in page.facts], now)
        with monkeypatch.context() as patched:
            patched.setattr(repository, "MASK_KEYS", 0)
            named = [f for page in facts.due(kluis, now, 50) for f in page.facts]
        assert acted(named, now) == one_pass, days
        assert one_pass, days


def test_a_catalogue_change_that_leaves_a_field_unused_is_found_by_the_pre_filter(
    kluis: Kluis,
) -> None:
    """A purpose that may no longer use a category its people's fields hold: the fields go."""
    generated(kluis, 150, seed=3)
    with kluis.engine.begin() as conn:
        conn.execute(
            text("UPDATE purposes SET data_categories = :c WHERE key = 'customer_service'"),
            {"c": '["user.name"]'},
        )
    now = NOW + timedelta(days=10)
    alone = acted([f for page in facts.pages(kluis, 50) for f in facts.of(kluis, page, now)], now)
    filtered = acted([f for page in facts.due(kluis, now, 50) for f in page.facts], now)
    assert filtered == alone
    assert any(v.clear_fields for v, _ in alone.values())


def test_the_last_ended_anchor_is_the_last_day_whose_period_has_ended() -> None:
    rng = random.Random(5)  # noqa: S311 - reproducible test data, not secrets
    for text_ in ("P1D", "P30D", "P1M", "P6W", "P1Y", "P2Y", "P7Y", "P1Y1M", "P18M", "P0D"):
        retention = parse_duration(text_)
        for _ in range(60):
            today = date(2024, 1, 1) + timedelta(days=rng.randint(0, 900))
            last = rules.last_ended_anchor(retention, today)
            assert last is not None
            assert retention.after(last) <= today < retention.after(last + timedelta(days=1))
    assert rules.last_ended_anchor(parse_duration("P100Y"), date(1990, 1, 1)) is not None


def test_after_a_sweep_the_write_ahead_logs_hold_no_erased_ciphertext_or_key(
    kluis: Kluis, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite only: PostgreSQL keeps no write-ahead log beside the store")
    people = [
        add_person(kluis, ADMIN, NOW, n, relationship="prospect", purposes=("sales_follow_up",))
        for n in range(1, 4)
    ]
    with kluis.engine.connect() as conn:
        sealed = [
            bytes(v)
            for (v,) in conn.execute(
                text("SELECT email FROM people WHERE id IN (:a, :b, :c)"),
                dict(zip("abc", people, strict=True)),
            )
        ]
    with kluis.vault.engine.connect() as conn:
        keys = [
            bytes(v)
            for (v,) in conn.execute(
                text("SELECT wrapped_key FROM person_keys WHERE person_id IN (:a, :b, :c)"),
                dict(zip("abc", people, strict=True)),
            )
        ]
    assert len(sealed) == len(keys) == 3
    report = service.sweep(kluis, NOW + timedelta(days=400), batch_size=2, page_size=2)
    assert report.erased == 3
    directory = kluis.settings.data_dir
    for name, secrets in (("kluis.db-wal", sealed), ("keyring.db-wal", keys)):
        wal = directory / name
        blob = wal.read_bytes() if wal.exists() else b""
        for secret in secrets:
            assert secret not in blob, name


def test_a_person_holding_a_purpose_the_sweep_does_not_know_waits_for_the_next_sweep(
    kluis: Kluis,
) -> None:
    """A purpose created after the sweep read the catalogue has no rule the sweep knows: it
    must not make the person look as if nothing kept them (the filter's "no purpose" reason is
    "no purpose row at all", which the foreign key to ``purposes`` makes the same thing)."""
    person = add_person(
        kluis, ADMIN, NOW, 1, relationship="prospect", purposes=("sales_follow_up",)
    )
    later = NOW + timedelta(days=400)
    full = facts._catalogue(kluis)
    without = {key: value for key, value in full.items() if key != "sales_follow_up"}
    with kluis.engine.connect() as conn:
        rows = repository.people_rows(conn, [person])
        held = repository.purposes(conn, [person])
        assert facts._facts(conn, without, rows, held, {}, later) == []
        [(known, _)] = facts._facts(conn, full, rows, held, {}, later)
    assert rules.verdict(known, later).erase
