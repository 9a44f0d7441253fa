"""The kept audience counts (``consent.audience_counts``, issue 17), on SQLite and PostgreSQL:
the triggers keep them for every writer, a count at any ``now`` reads the grants of its own
re-confirm-by month exactly, and ``recount`` (``kluis audience-recount``) repairs them.

The property test over every kind of change is ``test_audience_index``'s: after each step the
kept counts equal a recount, and the cells equal a walk of the indexes at several ``now``s."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text

from cli_helpers import ok, ok_json
from conftest import ADMIN, MARKETING, NOW
from factories import EVERY_PAIR, add_notice, new_person
from kluis.consent import audience_counts, catalogue, ledger
from kluis.consent import decisions as consent_decisions
from kluis.consent.audience_repository import audience_cells, walked_cells
from kluis.consent.grant_rules import every
from kluis.consent.rules import DEFAULT_GROUNDS
from kluis.contacts import collect, flags, rectify
from kluis.contacts import erasure as contacts
from kluis.runtime import Kluis
from kluis.settings import Settings

SERIAL = itertools.count(1)
SERVICE, CONSENT = "customer_service", "email_marketing"


def in_step(conn: Connection) -> bool:
    return audience_counts.kept(conn) == audience_counts.recounted(conn)


def topic_with_notice(kluis: Kluis) -> tuple[str, int]:
    topic = f"kept_{next(SERIAL)}"
    catalogue.create_topic(kluis, ADMIN, topic, topic, topic, NOW, 24)
    notice_id = add_notice(
        kluis, "en", "Yes, send me news by e-mail.", covers=EVERY_PAIR | every(["email"], [topic])
    )
    return topic, notice_id


def people(kluis: Kluis, count: int, **fields: object) -> list[str]:
    first = next(SERIAL) * 100
    return collect.create_people(
        kluis,
        ADMIN,
        [
            new_person(first + n, purposes=[SERVICE, CONSENT], **fields)  # type: ignore[arg-type]
            for n in range(count)
        ],
        NOW,
    )


def grant(kluis: Kluis, person: str, topic: str, notice_id: int, at: datetime) -> None:
    ledger.record(
        kluis,
        MARKETING,
        person,
        "email",
        topic,
        "granted",
        at,
        ledger.Grant(method="double_opt_in", notice_id=notice_id),
    )


def test_the_triggers_are_there(kluis: Kluis) -> None:
    with kluis.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        names = set(conn.execute(text(query)).scalars())
    assert set(audience_counts.TRIGGER_NAMES) <= names


def test_a_count_at_any_moment_tells_apart_the_grants_of_its_own_month(kluis: Kluis) -> None:
    """Grants re-confirmed by 14 March, 24 March and 10 April 2028 (granted 24 months before):
    kept under 2028-03 and 2028-04; counted at moments inside and between those months."""
    topic, notice_id = topic_with_notice(kluis)
    ids = people(kluis, 4, relationship="prospect")
    for person, day in zip(ids, (0, 10, 27), strict=False):
        grant(kluis, person, topic, notice_id, NOW + timedelta(days=day))
    expected = {
        datetime(2028, 3, 1, tzinfo=UTC): 0,
        NOW.replace(year=2028) - timedelta(seconds=1): 0,
        NOW.replace(year=2028): 1,
        datetime(2028, 3, 31, 23, 59, tzinfo=UTC): 2,
        datetime(2028, 4, 1, tzinfo=UTC): 2,
        datetime(2028, 4, 10, 9, 30, tzinfo=UTC): 3,
        datetime(2028, 6, 1, tzinfo=UTC): 3,
    }
    try:
        for at, lapsed in expected.items():
            counts = consent_decisions.audience_counts(kluis, "email", topic, at)
            assert counts.refused.get("expired", 0) == lapsed, at
            assert counts.allowed == 3 - lapsed, at
        with kluis.engine.connect() as conn:
            assert in_step(conn)
            for at in expected:
                kept = audience_cells(conn, "email", topic, at, DEFAULT_GROUNDS)
                assert kept == walked_cells(conn, "email", topic, at, DEFAULT_GROUNDS), at
    finally:
        for person in ids:
            contacts.erase_person(kluis, ADMIN, person, NOW)


def test_every_writer_keeps_the_counts(kluis: Kluis) -> None:
    """Bulk creation, a grant, re-confirmation, withdrawal and expiry, a relationship, address and
    purpose change, objection and restriction, a partial and a full erasure (the cascade)."""
    topic, notice_id = topic_with_notice(kluis)
    ids = people(kluis, 3, relationship="customer")
    first, second, third = ids
    steps = [
        lambda: grant(kluis, first, topic, notice_id, NOW),
        lambda: grant(kluis, second, topic, notice_id, NOW),
        lambda: ledger.record(  # re-confirm-by 2028-03-14 becomes 2028-04-03: another month
            kluis, MARKETING, first, "email", topic, "reconfirmed", NOW + timedelta(days=20)
        ),
        lambda: ledger.record(kluis, MARKETING, second, "email", topic, "withdrawn", NOW),
        lambda: grant(kluis, third, topic, notice_id, NOW),
        lambda: ledger.record(kluis, ADMIN, third, "email", topic, "expired", NOW),
        lambda: rectify.update_person(
            kluis, ADMIN, first, SERVICE, {"relationship": "prospect"}, NOW
        ),
        lambda: rectify.update_person(kluis, ADMIN, first, SERVICE, {"email": None}, NOW),
        lambda: rectify.update_person(kluis, ADMIN, second, SERVICE, {"purposes": [SERVICE]}, NOW),
        lambda: flags.set_flag(kluis, ADMIN, first, "objection", True, "email", NOW),
        lambda: flags.set_flag(kluis, ADMIN, second, "restriction", True, "email", NOW),
        lambda: flags.set_flag(kluis, ADMIN, first, "objection", False, "email", NOW),
        lambda: contacts.erase_person(kluis, ADMIN, third, NOW),
    ]
    seen = []
    try:
        for step in steps:
            step()
            with kluis.engine.connect() as conn:
                assert in_step(conn)
                seen.append(audience_counts.kept(conn))
    finally:
        for person in (first, second):
            contacts.erase_person(kluis, ADMIN, person, NOW)
    with kluis.engine.connect() as conn:
        assert in_step(conn)
        left = conn.execute(
            text("SELECT count(*) FROM audience_counts WHERE topic = :t AND n <> 0"), {"t": topic}
        ).scalar_one()
    assert left == 0
    assert len({repr(counts) for counts in seen}) > len(steps) // 2


def test_a_recount_repairs_counts_gone_wrong(kluis: Kluis, kluis_env: Settings) -> None:
    topic, notice_id = topic_with_notice(kluis)
    ids = people(kluis, 2, relationship="customer")
    grant(kluis, ids[0], topic, notice_id, NOW)
    try:
        with kluis.engine.begin() as conn:
            conn.execute(
                text("UPDATE audience_counts SET n = n + 5 WHERE topic = :t"), {"t": topic}
            )
            conn.execute(text("DELETE FROM audience_people_counts"))
            assert not in_step(conn)
        assert ok_json("audience-recount")["wrong"] >= 2
        with kluis.engine.connect() as conn:
            assert in_step(conn)
        assert "0 were wrong" in ok("audience-recount").stdout
    finally:
        for person in ids:
            contacts.erase_person(kluis, ADMIN, person, NOW)


def test_concurrent_writers_lose_no_count(kluis: Kluis) -> None:
    """Writers in parallel transactions change the same kept counts (the same topic and group):
    each adds its delta under the count's row lock, so none is lost (on SQLite the writers take
    turns anyway)."""
    topic, notice_id = topic_with_notice(kluis)
    ids = people(kluis, 8, relationship="prospect")
    errors: list[BaseException] = []

    def grant_all(mine: list[str]) -> None:
        try:
            for person in mine:
                grant(kluis, person, topic, notice_id, NOW)
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=grant_all, args=(ids[n::2],)) for n in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with kluis.engine.connect() as conn:
            assert in_step(conn)
        assert consent_decisions.audience_counts(kluis, "email", topic, NOW).allowed == 8
    finally:
        for person in ids:
            contacts.erase_person(kluis, ADMIN, person, NOW)
