"""A privacy request's outcome as a code and its values (issue 15): the API and the CLI keep the
English sentence Kluis always wrote, a Dutch page says it in Dutch with fields and purposes by
name; and the migration that reads the stored English back into codes, on SQLite and
PostgreSQL."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import select, text

from kluis import db, migrations
from kluis.locale.formats import say_date
from kluis.requests.outcomes import Code, Outcome, of
from kluis.requests.tables import PrivacyRequest
from kluis.ui import staff
from migration_helpers import store_engine

SENTENCES: list[tuple[Outcome, str]] = [
    (
        Outcome(Code.COPY, {"how": "email", "article": "15"}),
        "copy of the personal data sent by e-mail (Art. 15)",
    ),
    (
        Outcome(Code.COPY, {"how": "handed_over", "article": "20"}),
        "copy of the personal data handed over (Art. 20)",
    ),
    (
        Outcome(Code.RECTIFIED, {"fields": ["custom.lid", "family_name"]}),
        "rectified: custom.lid, family_name (Art. 16)",
    ),
    (Outcome(Code.RESTRICTED), "processing restricted to storage (Art. 18)"),
    (
        Outcome(Code.RESTRICTED, {"lifted_on": "2026-03-14"}),
        "processing restricted to storage (Art. 18); lifted 2026-03-14",
    ),
    (Outcome(Code.OBJECTION), "direct marketing stopped on every channel (Art. 21(3))"),
    (
        Outcome(Code.ERASED),
        "erased: rows deleted, key destroyed, id in the erasure register (Art. 17)",
    ),
    (
        Outcome(Code.ERASED, {"waiting": True}),
        "erased: rows deleted, key destroyed, id in the erasure register (Art. 17); waiting "
        "for connected systems, a final certificate follows",
    ),
    (
        Outcome(Code.ERASED_EXCEPT, {"kept": ["invoicing", "payroll"]}),
        "erased except what invoicing, payroll must keep by law (Art. 17(3)(b)); the rest is "
        "restricted to that purpose",
    ),
    (Outcome(Code.REFUSED, {"reason": "Niet nodig."}), "Niet nodig."),
]
"""Every code with the English sentence the code wrote before outcomes had codes."""

FIELDS = {"family_name": "Achternaam", "custom.lid": "Lidmaatschap"}
PURPOSES = {"invoicing": "Facturering", "payroll": "Salarisadministratie"}


def _dutch(outcome: Outcome) -> str:
    return outcome.said(
        staff.translations("nl").gettext,
        lambda name: FIELDS[name],
        lambda key: PURPOSES[key],
        lambda day: say_date(day, "nl"),
    )


@pytest.mark.parametrize(("outcome", "english"), SENTENCES)
def test_the_api_and_the_cli_keep_the_english_sentence(outcome: Outcome, english: str) -> None:
    assert outcome.english() == english
    assert of(outcome.code.value, outcome.stored()) == outcome


@pytest.mark.parametrize(("outcome", "english"), SENTENCES[:-1])
def test_a_dutch_page_says_every_outcome_in_dutch_without_code_names(
    outcome: Outcome, english: str
) -> None:
    said = _dutch(outcome)
    assert said != english
    for code_name in (*FIELDS, *PURPOSES, "2026-03-14", "Art."):
        assert code_name not in said
    for key, name in (FIELDS | PURPOSES).items():
        assert (name in said) == (key in english)
    if outcome.values.get("lifted_on"):
        assert "Opgeheven op 14 maart 2026." in said
    if outcome.values.get("waiting"):
        assert "een definitieve bevestiging volgt" in said


def test_a_refusal_and_an_old_text_are_shown_as_written() -> None:
    assert _dutch(Outcome(Code.REFUSED, {"reason": "Niet nodig."})) == "Niet nodig."
    assert _dutch(Outcome(Code.TEXT, {"text": "done by hand"})) == "done by hand"
    assert of(None, None) is None


def _migration() -> ModuleType:
    versions = Path(migrations.__file__).parent / "data" / "versions"
    path = versions / "d0023_words_request_outcomes.py"
    spec = importlib.util.spec_from_file_location("d0023_words", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("outcome", "english"), SENTENCES)
def test_the_migration_reads_every_sentence_kluis_wrote_back_into_its_code(
    outcome: Outcome, english: str
) -> None:
    migration = _migration()
    status = "refused" if outcome.code is Code.REFUSED else "completed"
    assert migration.parse(status, english) == (outcome.code.value, outcome.stored())
    assert migration.english(outcome.code.value, outcome.stored()) == english


OLD_ROWS: list[tuple[str, str | None]] = [
    ("completed", english) for outcome, english in SENTENCES if outcome.code is not Code.REFUSED
] + [
    ("refused", "Niet nodig."),
    ("completed", "done by hand, see the paper file"),
    ("received", None),
]


def test_the_migration_turns_stored_english_into_codes_and_back(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Each outcome the code wrote becomes its code and values; a text no pattern fits stays as
    it was (code ``text``); the downgrade writes the same English back."""
    engine = store_engine(backend, tmp_path, request, "kluis_outcome_migration")
    try:
        db.upgrade(engine, "data", "d0022_reqmsgid")
        with engine.begin() as conn:
            for number, (status, outcome) in enumerate(OLD_ROWS, start=1):
                conn.execute(
                    text(
                        "INSERT INTO privacy_requests (id, type, person_id, channel, status, "
                        "language, received_at, due_at, outcome, recipients_to_notify, sent, "
                        "created_by, updated_at) VALUES (:id, 'access', 'p', 'staff', :status, "
                        "'nl', '2026-01-05 12:00:00', '2026-02-05 12:00:00', :outcome, '[]', "
                        "'[]', 'admin', '2026-01-05 12:00:00')"
                    ),
                    {"id": number, "status": status, "outcome": outcome},
                )
        db.upgrade(engine, "data", "d0023_words")
        with engine.connect() as conn:
            stored: dict[int, Any] = {
                row.id: of(row.outcome_code, row.outcome_values)
                for row in conn.execute(
                    select(
                        PrivacyRequest.id,
                        PrivacyRequest.outcome_code,
                        PrivacyRequest.outcome_values,
                    )
                )
            }
        for number, (_status, outcome) in enumerate(OLD_ROWS, start=1):
            found = stored[number]
            if outcome is None:
                assert found is None
                continue
            assert found.english() == outcome
        assert stored[len(OLD_ROWS) - 1] == Outcome(
            Code.TEXT, {"text": "done by hand, see the paper file"}
        )
        assert stored[len(OLD_ROWS) - 2] == Outcome(Code.REFUSED, {"reason": "Niet nodig."})
        db.downgrade(engine, "data", "d0022_reqmsgid")
        with engine.connect() as conn:
            back = dict(conn.execute(text("SELECT id, outcome FROM privacy_requests")).all())
        assert back == {number: row[1] for number, row in enumerate(OLD_ROWS, start=1)}
        db.upgrade(engine, "data", "d0023_words")
    finally:
        engine.dispose()
