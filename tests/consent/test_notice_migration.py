"""d0013 gives old notices exactly the channel and topic pairs they were used for (the consent
events citing them and the sign-ups still pending under them), a never-used notice nothing, and
puts the database's own check behind the rule: an event citing a notice that does not cover
its pair is refused by the foreign key. On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, exc, text

from kluis import db
from migration_helpers import store_engine

PERSON = "01a229b1-d2c6-7003-8619-62820c07c7c5"
AT = "2026-01-05 12:00:00.000000"


def _event(notice: int | None, channel: str, topic: str, action: str = "granted") -> str:
    notice_sql = "NULL" if notice is None else str(notice)
    return (
        "INSERT INTO consent_events (person_id, channel, topic, action, method, notice_id, "  # noqa: S608 (test constants)
        f"captured_by, captured_at) VALUES ('{PERSON}', '{channel}', '{topic}', '{action}', "
        f"'paper_form', {notice_sql}, 'user:1', '{AT}')"
    )


def _seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO people (id, relationship, language, created_at, updated_at, "  # noqa: S608 (test constants)
                f"last_interaction_at) VALUES ('{PERSON}', 'customer', 'nl', '{AT}', '{AT}', "
                f"'{AT}')"
            )
        )
        for key in ("offers", "promotions", "newsletter"):
            conn.execute(
                text(
                    "INSERT INTO topics (key, name_en, name_nl, reconfirm_months, created_at) "  # noqa: S608 (test constants)
                    f"VALUES ('{key}', '{key}', '{key}', 24, '{AT}')"
                )
            )
        for notice_id in (1, 2, 3):
            conn.execute(
                text(
                    "INSERT INTO consent_notices (id, language, text, content_hash, created_at) "  # noqa: S608 (test constants)
                    f"VALUES ({notice_id}, 'nl', 'Ja, stuur mij nieuws {notice_id}.', "
                    f"'{notice_id:064d}', '{AT}')"
                )
            )
        # notice 1 was cited for two pairs (one of them the wrong one: kept, it is
        # history); notice 2 was never used; notice 3 waits in a pending sign-up.
        conn.execute(text(_event(1, "email", "newsletter")))
        conn.execute(text(_event(1, "whatsapp", "promotions")))
        conn.execute(text(_event(1, "email", "newsletter")))
        conn.execute(text(_event(None, "sms", "offers", "withdrawn")))
        conn.execute(
            text(
                "INSERT INTO signups (id, email_digest, sealed, language, topics, notice_id, "  # noqa: S608 (test constants)
                "created_at, expires_at) VALUES ('s1', :digest, :sealed, 'nl', "
                f"'[\"offers\", \"newsletter\"]', 3, '{AT}', '{AT}')"
            ),
            {"digest": b"\x01" * 16, "sealed": b"\x02" * 40},
        )


def _coverage(engine: Engine) -> set[tuple[int, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT notice_id, channel, topic FROM consent_notice_coverage")
        ).all()
    return {(int(r[0]), str(r[1]), str(r[2])) for r in rows}


def test_old_notices_cover_what_they_were_used_for(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    engine = store_engine(backend, tmp_path, request, "kluis_notice_migration")
    try:
        db.upgrade(engine, "data", "d0011")
        _seed(engine)
        db.upgrade(engine, "data", "d0013")

        assert _coverage(engine) == {
            (1, "email", "newsletter"),
            (1, "whatsapp", "promotions"),
            (3, "email", "offers"),
            (3, "email", "newsletter"),
        }
        with engine.connect() as conn:
            notices = conn.execute(text("SELECT notices FROM signups")).scalar_one()
        if isinstance(notices, str):
            import json

            notices = json.loads(notices)
        assert notices == {"offers": 3, "newsletter": 3}

        # The history stays, and still covered events can be added...
        with engine.begin() as conn:
            conn.execute(text(_event(1, "email", "newsletter")))
            conn.execute(text(_event(None, "email", "offers", "withdrawn")))
        # ... but the database refuses an event citing a notice that does not cover its pair,
        # and one citing the never-used notice.
        for notice, channel, topic in ((1, "sms", "newsletter"), (2, "email", "offers")):
            with pytest.raises(exc.IntegrityError), engine.begin() as conn:
                conn.execute(text(_event(notice, channel, topic)))
        # The ledger is still append-only after SQLite copied the table.
        with pytest.raises(exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(text("UPDATE consent_events SET method = 'in_person'"))

        db.downgrade(engine, "data", "d0011")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT notice_id FROM signups")).scalar_one() == 3
            assert conn.execute(text("SELECT count(*) FROM consent_events")).scalar_one() == 6
        with pytest.raises(exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(text("UPDATE consent_events SET method = 'in_person'"))
        db.upgrade(engine, "data", "d0013")
        assert (3, "email", "offers") in _coverage(engine)
    finally:
        engine.dispose()
