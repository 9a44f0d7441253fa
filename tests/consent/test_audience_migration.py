"""Migration d0017_audience fills the audience's copies from the rows a store already holds (issue
17), on SQLite and PostgreSQL: after the upgrade every ``audience_people`` row and every
``permissions`` row says what ``facts_from_rows`` reads from people, flags and purposes; d0024
counts them (``audience_counts``) as a recount does."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, inspect, text

from conftest import NOW
from kluis import db
from kluis.consent import audience_counts
from kluis.consent.audience_index import facts_from_rows, kept_facts
from kluis.db import insert_rows, to_db_time
from kluis.ids import new_person_ids
from kluis.purposes import repository
from kluis.purposes.service import default_catalogue
from kluis.purposes.tables import PurposeRow
from migration_helpers import store_engine


def _seed_catalogue(engine: Engine) -> None:
    """The default catalogue as a store at d0016 held it: today's rows without the columns
    added since (``legitimate_interest_nl``, d0021), which today's service would write."""
    held = {column["name"] for column in inspect(engine).get_columns("purposes")}
    with engine.begin() as conn:
        for purpose in default_catalogue():
            values = {"key": purpose.key, "created_at": NOW, "updated_at": NOW}
            values |= repository._values(purpose)
            conn.execute(insert(PurposeRow).values({k: v for k, v in values.items() if k in held}))


def test_the_migration_fills_the_audience_copies(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    engine = store_engine(backend, tmp_path, request, "kluis_audience_migration")
    try:
        db.upgrade(engine, "data", "d0016")
        _seed_catalogue(engine)
        at = to_db_time(NOW)
        ids = new_person_ids(6)
        relationships = ["customer", "prospect", "other", "customer", "customer", "prospect"]
        people = [
            (
                person_id,
                relationship,
                "nl",
                at,
                at,
                at,
                b"sealed" if n % 2 == 0 else None,
                b"sealed" if n % 3 == 0 else None,
                b"sealed" if n == 5 else None,
            )
            for n, (person_id, relationship) in enumerate(zip(ids, relationships, strict=True))
        ]
        purposes = [(ids[0], "customer_service", at), (ids[0], "email_marketing", at)]
        purposes += [(ids[n], "existing_customer_marketing", at) for n in (1, 3, 4)]
        purposes += [(ids[3], "customer_service", at)]
        flags = [(ids[1], True, False), (ids[2], False, True), (ids[4], True, True)]
        permissions = [
            (ids[n], channel, "newsletter", "granted", n + 1, at, None)
            for n in (0, 1, 2, 4)
            for channel in ("email", "sms")
        ]
        with engine.begin() as conn:
            insert_rows(
                conn,
                "people",
                (
                    "id",
                    "relationship",
                    "language",
                    "created_at",
                    "updated_at",
                    "last_interaction_at",
                    "email",
                    "phone",
                    "address",
                ),
                people,
            )
            insert_rows(
                conn, "person_purposes", ("person_id", "purpose_key", "collected_at"), purposes
            )
            insert_rows(conn, "person_flags", ("person_id", "objected", "restricted"), flags)
            insert_rows(
                conn,
                "permissions",
                ("person_id", "channel", "topic", "status", "event_id", "since", "reconfirm_by"),
                permissions,
            )
        db.upgrade(engine, "data")
        with engine.connect() as conn:
            truth = facts_from_rows(conn, ids)
            kept = kept_facts(conn, ids)
            held = dict(
                conn.execute(
                    text("SELECT person_id, count(*) FROM permissions GROUP BY person_id")
                ).all()
            )
        assert truth[ids[0]] == (
            True,
            False,
            False,
            "customer_service email_marketing",
            True,
            True,
            False,
        )
        assert truth[ids[5]][4:] == (False, False, True)
        for person_id in ids:
            assert kept[person_id] == [truth[person_id]] * (1 + held.get(person_id, 0))
        with engine.connect() as conn:  # d0024 counts what the store held
            counts = audience_counts.kept(conn)
            assert counts == audience_counts.recounted(conn)
        assert sum(counts[0].values()) == len(permissions)
        assert counts[1]
        db.downgrade(engine, "data", "d0016")
        db.upgrade(engine, "data")
    finally:
        engine.dispose()
