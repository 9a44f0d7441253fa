"""A purpose's legitimate interest in Dutch (``legitimate_interest_nl``): set through the API and
the purpose form, stated by the Dutch privacy notice and record of processing (Art. 12(1),
13(1)(d), 30), the English standing in, with a compliance finding, while it is empty; and the
migration that gives the default catalogue's two purposes their Dutch text. On SQLite and
PostgreSQL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import text

from api_helpers import client_for
from conftest import ADMIN, NOW
from kluis import db
from kluis.compliance import findings, notice, ropa
from kluis.purposes import service as purposes
from kluis.purposes.rules import LawfulBasis
from kluis.runtime import Kluis
from migration_helpers import store_engine
from staff_helpers import signed_in

ENGLISH = "Keeping our customers informed about repairs."
DUTCH = "Onze klanten op de hoogte houden van reparaties."


def _interested(kluis: Kluis, dutch: str | None) -> None:
    base = purposes.get_purpose(kluis.engine, "customer_service")
    purposes.create_purpose(
        kluis.engine,
        ADMIN,
        dataclasses.replace(
            base,
            key="repair_news",
            lawful_basis=LawfulBasis.LEGITIMATE_INTEREST,
            legitimate_interest=ENGLISH,
            legitimate_interest_nl=dutch,
            covers_everyone=False,
        ),
        NOW,
    )


def _documents(kluis: Kluis, language: str) -> str:
    said, _media = notice.render(kluis, notice.build(kluis, language, NOW), "md")
    record, _media = ropa.render(ropa.build(kluis, language, NOW), "md")
    return said + record


def test_dutch_documents_state_the_dutch_interest_and_english_ones_the_english(
    kluis: Kluis,
) -> None:
    _interested(kluis, DUTCH)
    dutch = _documents(kluis, "nl")
    assert DUTCH in dutch
    assert ENGLISH not in dutch
    english = _documents(kluis, "en")
    assert ENGLISH in english
    assert DUTCH not in english
    codes = {f.code for f in findings.purposes_incomplete(kluis, NOW)}
    assert "purpose.no_legitimate_interest_nl" not in codes


def test_without_dutch_the_english_stands_in_and_a_finding_asks_for_it(kluis: Kluis) -> None:
    _interested(kluis, None)
    assert ENGLISH in _documents(kluis, "nl")
    [found] = [
        f
        for f in findings.purposes_incomplete(kluis, NOW)
        if f.code == "purpose.no_legitimate_interest_nl"
    ]
    assert found.subject == "repair_news"
    assert ENGLISH not in found.message


def test_the_api_sets_reads_and_clears_the_dutch_interest(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    changed = admin.patch(
        "/api/v1/purposes/sales_follow_up", json={"legitimate_interest_nl": DUTCH}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["legitimate_interest_nl"] == DUTCH
    assert purposes.get_purpose(kluis.engine, "sales_follow_up").legitimate_interest_nl == DUTCH
    cleared = admin.patch("/api/v1/purposes/sales_follow_up", json={"legitimate_interest_nl": None})
    assert cleared.json()["legitimate_interest_nl"] is None


def test_the_purpose_form_writes_the_dutch_interest_and_the_catalogue_page_shows_it(
    kluis: Kluis,
) -> None:
    client, csrf = signed_in(kluis, "admin")
    path = "/app/compliance/purposes/sales_follow_up"
    form = client.get(path)
    assert 'name="legitimate_interest_nl"' in form.text
    purpose = purposes.get_purpose(kluis.engine, "sales_follow_up")
    posted = {
        "csrf": csrf,
        "name_nl": purpose.name_nl,
        "name_en": purpose.name_en,
        "description_nl": purpose.description_nl,
        "description_en": purpose.description_en,
        "lawful_basis": purpose.lawful_basis.value,
        "legitimate_interest": purpose.legitimate_interest or "",
        "legitimate_interest_nl": DUTCH,
        "data_categories": "\n".join(purpose.data_categories),
        "data_use": purpose.data_use,
        "data_subjects": "\n".join(purpose.data_subjects),
        "retention": purpose.retention,
        "retention_anchor": purpose.retention_anchor.value,
        "recipients": "\n".join(purpose.recipients),
        "roles": list(purpose.roles),
    }
    saved = client.post(path, data=posted)
    assert saved.status_code == 303, saved.text
    assert purposes.get_purpose(kluis.engine, "sales_follow_up").legitimate_interest_nl == DUTCH
    page = client.get("/app/compliance/purposes", headers={"Accept-Language": "nl"}).text
    assert '<html lang="nl"' in page
    assert DUTCH in page
    assert (purpose.legitimate_interest or "?") not in page


def test_the_migration_gives_the_default_purposes_their_dutch_interest(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A default purpose whose English is still the catalogue's gets the catalogue's Dutch; one
    whose English staff rewrote keeps a null (Dutch cannot be made up for it)."""
    engine = store_engine(backend, tmp_path, request, "kluis_interest_migration")
    defaults = {p.key: p for p in purposes.default_catalogue()}
    try:
        db.upgrade(engine, "data", "d0020_reqmail")
        with engine.begin() as conn:
            for key, interest in (
                ("sales_follow_up", defaults["sales_follow_up"].legitimate_interest),
                ("existing_customer_marketing", "Our own rewritten interest."),
            ):
                conn.execute(
                    text(
                        "INSERT INTO purposes (key, name_en, name_nl, description_en, "
                        "description_nl, lawful_basis, legitimate_interest, data_categories, "
                        "data_use, data_subjects, retention, retention_anchor, recipients, "
                        "transfers, roles, covers_everyone, created_at, updated_at) VALUES "
                        "(:key, 'n', 'n', 'd', 'd', 'legitimate_interest', :interest, '[]', "
                        "'sales', '[]', 'P1Y', 'collection', '[]', '[]', '[]', false, "
                        "'2026-01-05 12:00:00', '2026-01-05 12:00:00')"
                    ),
                    {"key": key, "interest": interest},
                )
        db.upgrade(engine, "data", "d0021_house")
        with engine.connect() as conn:
            rows = dict(
                conn.execute(text("SELECT key, legitimate_interest_nl FROM purposes")).all()
            )
        assert rows == {
            "sales_follow_up": defaults["sales_follow_up"].legitimate_interest_nl,
            "existing_customer_marketing": None,
        }
        db.downgrade(engine, "data", "d0020_reqmail")
        db.upgrade(engine, "data", "d0021_house")
    finally:
        engine.dispose()
