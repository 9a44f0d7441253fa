"""The record of processing (Art. 30(1)) and the privacy notice (Art. 13): complete for every
purpose of the default catalogue and for an added one, in both languages and every format."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest
from markupsafe import escape

from api_helpers import anonymous_client, assert_problem, client_for
from cli_helpers import ok, refused
from conftest import ADMIN, NOW, SALES
from factories import add_person
from kluis.compliance import findings, i18n, notice, ropa
from kluis.compliance.ropa import ITEMS
from kluis.errors import InvalidField, PermissionDenied
from kluis.purposes import service as purposes
from kluis.purposes.rules import LawfulBasis, RetentionAnchor, Transfer
from kluis.runtime import Kluis
from kluis.settings import Settings

LANGS = ("nl", "en")

ADDED = purposes.Purpose(
    key="event_invitations",
    name_en="Event invitations",
    name_nl="Uitnodigingen voor evenementen",
    description_en="Inviting customers to our yearly open day.",
    description_nl="Klanten uitnodigen voor onze jaarlijkse open dag.",
    lawful_basis=LawfulBasis.LEGITIMATE_INTEREST,
    legitimate_interest="Keeping in touch with existing customers.",
    data_categories=("user.name", "user.contact.address"),
    data_use="marketing.communications",
    data_subjects=("customer",),
    retention="P18M",
    retention_anchor=RetentionAnchor.LAST_INTERACTION,
    recipients=("Printing company (processor)",),
    transfers=(Transfer("United States", "EU-US Data Privacy Framework"),),
    roles=("marketing",),
)


def _with_added(kluis: Kluis) -> list[purposes.Purpose]:
    purposes.create_purpose(kluis.engine, ADMIN, ADDED, NOW)
    return purposes.list_purposes(kluis.engine)


def test_the_csv_record_cannot_start_a_formula(kluis: Kluis) -> None:
    purposes.create_purpose(
        kluis.engine,
        ADMIN,
        dataclasses.replace(ADDED, name_en="=HYPERLINK(A1)", recipients=("@SUM(A1)",)),
        NOW,
    )
    text, _media = ropa.render(ropa.build(kluis, "en", NOW), "csv")
    [row] = [r for r in csv.reader(io.StringIO(text)) if r[0] == ADDED.key]
    assert "'=HYPERLINK(A1)" in row
    assert not any(cell.startswith(("=", "@")) for cell in row)


def test_strings_have_the_same_keys_in_both_languages() -> None:
    assert set(i18n.STRINGS["nl"]) == set(i18n.STRINGS["en"])


@pytest.mark.parametrize("lang", LANGS)
def test_every_art_30_item_is_there_for_every_purpose(kluis: Kluis, lang: str) -> None:
    catalogue = _with_added(kluis)
    record = ropa.build(kluis, lang, NOW)
    assert [a.purpose for a in record.activities] == [p.key for p in catalogue]
    for act, purpose in zip(record.activities, catalogue, strict=True):
        assert [i.key for i in act.items] == list(ITEMS)
        for item in act.items:
            assert item.label.startswith("(")
            assert item.lines, (purpose.key, item.key)
            assert all(line.strip() for line in item.lines), (purpose.key, item.key)
        by_key = {i.key: i for i in act.items}
        assert kluis.settings.organisation_name in by_key["a"].lines[0]
        assert (purpose.name_en if lang == "en" else purpose.name_nl) in by_key["b"].lines[0]
        for category in purpose.data_categories:
            assert any(
                category in line and ropa.category_name(category, lang) in line
                for line in by_key["c_data"].lines
            )
        for subject in purpose.data_subjects:
            assert any(subject in line for line in by_key["c_subjects"].lines)
        for recipient in purpose.recipients:
            assert recipient in by_key["d"].lines
        for transfer in purpose.transfers:
            assert any(transfer.safeguard in line for line in by_key["e"].lines)
        assert by_key["f"].lines[0] == i18n.keep_for(
            purpose.retention, purpose.retention_anchor.value, lang
        )
    added = next(a for a in record.activities if a.purpose == ADDED.key)
    assert "Keeping in touch with existing customers." in " ".join(added.items[1].lines)
    assert "United States" in added.items[5].lines[0]
    assert record.security_measures


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", ropa.FORMATS)
def test_every_format_carries_every_item_of_every_purpose(
    kluis: Kluis, lang: str, fmt: str
) -> None:
    catalogue = _with_added(kluis)
    record = ropa.build(kluis, lang, NOW)
    text, media_type = ropa.render(record, fmt)
    t = i18n.strings(lang)
    labels = [t[f"item_{key}"] for key in ITEMS]
    if fmt == "json":
        data = json.loads(text)
        assert data["controller"]["name"] == kluis.settings.organisation_name
        for act in data["activities"]:
            assert list(act["art30"]) == list(ITEMS)
            assert all(act["art30"][k]["text"] for k in ITEMS)
        assert {a["purpose"] for a in data["activities"]} == {p.key for p in catalogue}
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0][2 : 2 + len(ITEMS)] == labels
        assert [r[0] for r in rows[1:]] == [p.key for p in catalogue]
        for row in rows[1:]:
            assert all(cell.strip() for cell in row)
    else:
        for purpose in catalogue:
            assert f"{purpose.key}" in text
            section = text[text.index(purpose.name_en if lang == "en" else purpose.name_nl) :]
            for label in labels:
                assert label in section
        for measure in record.security_measures:
            assert (str(escape(measure)) if fmt == "html" else measure) in text
    assert media_type


def test_security_measures_follow_the_settings(kluis: Kluis, settings: Settings) -> None:
    measures = " ".join(ropa.security_measures(settings, "en"))
    assert "AES-256-GCM" in measures
    assert "erasure register" in measures
    assert "hash-chained" in measures
    assert "decrypts only the fields" in measures
    assert "KLUIS_MASTER_KEY" in measures  # the tests give the key in the settings
    if settings.database_url is None:
        assert "secure_delete" in measures
        assert "separate SQLite file" in measures
    else:
        assert "VACUUM" in measures
        assert "separate PostgreSQL database" in measures
    backups = ropa.build(kluis, "en", NOW).activities[0].items[6]
    days = ropa.keyring_window_days(settings)
    if days is not None:
        assert f"at most {days} days" in " ".join(backups.lines)


def test_people_are_counted_per_purpose_and_lawful_basis(kluis: Kluis) -> None:
    add_person(kluis, ADMIN, NOW, 1, purposes=("customer_service", "invoicing"))
    add_person(kluis, ADMIN, NOW, 2, purposes=("customer_service", "email_marketing"))
    add_person(
        kluis,
        ADMIN,
        NOW,
        3,
        purposes=("customer_service", "invoicing", "age_verification"),
        birth_date="1990-01-01",
    )
    record = ropa.build(kluis, "en", NOW)
    people = {a.purpose: a.people for a in record.activities}
    assert people["customer_service"] == 3
    assert people["invoicing"] == 2
    assert people["email_marketing"] == 1
    assert people["sales_follow_up"] == 0
    assert people["privacy_requests"] == 3  # covers everyone
    # a person held for two legal-obligation purposes counts once under that basis
    assert record.people_by_basis == {"contract": 3, "legal_obligation": 2, "consent": 1}
    assert record.people_total == 3


def test_the_record_is_for_admins_and_privacy_officers_over_the_api(kluis: Kluis) -> None:
    client = client_for(kluis, "privacy_officer")
    data = client.get("/api/v1/ropa").json()
    assert data["language"] == "nl"
    assert {a["purpose"] for a in data["activities"]} >= {"customer_service", "invoicing"}
    for fmt, media in (("md", "text/markdown"), ("html", "text/html"), ("csv", "text/csv")):
        answer = client.get(f"/api/v1/ropa?format={fmt}&lang=en")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith(media)
        assert "Customer service" in answer.text
    assert_problem(client.get("/api/v1/ropa?format=pdf"), 422, field="format")
    assert_problem(client_for(kluis, "sales").get("/api/v1/ropa"), 403)


def test_build_refuses_an_unknown_language(kluis: Kluis) -> None:
    with pytest.raises(InvalidField):
        ropa.build(kluis, "de", NOW)
    with pytest.raises(InvalidField):
        ropa.render(ropa.build(kluis, "en", NOW), "pdf")
    with pytest.raises(PermissionDenied):
        findings.findings(kluis, SALES, NOW)


@pytest.mark.usefixtures("kluis_env")
def test_cli_ropa_in_every_format(tmp_path) -> None:  # type: ignore[no-untyped-def]
    md = ok("ropa", "--lang", "en", "--as-of", "2026-03-14").stdout
    assert "# Record of processing activities" in md
    assert "14 March 2026" in md
    out = tmp_path / "ropa.csv"
    ok("ropa", "--format", "csv", "--out", str(out))
    assert out.read_text(encoding="utf-8").startswith("purpose,")
    data = json.loads(ok("ropa", "--format", "json").stdout)
    assert data["language"] == "nl"
    assert "<h1>Register van verwerkingsactiviteiten</h1>" in ok("ropa", "--format", "html").stdout
    refused("ropa", "--format", "pdf", field="format")
    refused("ropa", "--lang", "de", field="lang")


# Privacy notice ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", notice.FORMATS)
def test_the_notice_is_complete(kluis: Kluis, lang: str, fmt: str) -> None:
    catalogue = _with_added(kluis)
    built = notice.build(kluis, lang, NOW)
    text, _media = notice.render(kluis, built, fmt)
    t = i18n.strings(lang)
    s = kluis.settings
    assert s.organisation_name in text
    assert s.organisation_contact in text
    assert s.supervisory_authority in text
    assert f"{s.base_url}/privacy" in text
    for purpose in catalogue:
        assert (purpose.name_en if lang == "en" else purpose.name_nl) in text
        assert ropa.basis_text(purpose.lawful_basis.value, lang) in text
        for recipient in purpose.recipients:
            assert recipient in text
    assert "Keeping in touch with existing customers." in text  # the legitimate interest
    assert "EU-US Data Privacy Framework" in text  # the transfer's safeguard
    for key in notice.RIGHTS:
        assert (t[key] if fmt == "md" else str(escape(t[key]))) in text
    for article in ("15", "16", "17", "18", "20", "21", "22", "77"):
        assert article in text
    assert built.withdraw is not None
    assert t["withdraw_heading"] in text
    assert t["complain_heading"] in text


def test_the_notice_names_the_dpo_and_representative_when_set(kluis: Kluis) -> None:
    kluis.settings.dpo_name = "Joris Achterberg"
    kluis.settings.dpo_contact = "dpo@example.com"
    kluis.settings.representative = "Rep BV, rep@example.com"
    kluis.settings.organisation_address = "Voorbeeldstraat 1, 1234 AB Utrecht"
    text = notice.render(kluis, notice.build(kluis, "en", NOW), "md")[0]
    for value in ("Joris Achterberg", "dpo@example.com", "Rep BV", "Voorbeeldstraat 1"):
        assert value in text
    record = ropa.as_markdown(ropa.build(kluis, "en", NOW))
    for value in ("Joris Achterberg", "dpo@example.com", "Rep BV", "Voorbeeldstraat 1"):
        assert value in record


def test_without_consent_purposes_the_notice_says_nothing_of_withdrawing(kluis: Kluis) -> None:
    purposes.change_purpose(
        kluis.engine,
        ADMIN,
        "email_marketing",
        {"lawful_basis": "legitimate_interest", "legitimate_interest": "Newsletters to customers."},
        NOW,
    )
    built = notice.build(kluis, "en", NOW)
    assert built.withdraw is None


def test_the_public_page(kluis: Kluis) -> None:
    client = anonymous_client(kluis)
    page = client.get("/privacy-notice?lang=en")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Privacy notice</h1>" in page.text
    assert "Customer service" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "set-cookie" not in page.headers
    dutch = client.get("/privacy-notice", headers={"Accept-Language": "nl-NL,nl;q=0.9"})
    assert "<h1>Privacyverklaring</h1>" in dutch.text
    assert 'href="?lang=en"' in dutch.text


def test_the_page_escapes_what_staff_wrote(kluis: Kluis) -> None:
    purposes.change_purpose(
        kluis.engine, ADMIN, "invoicing", {"recipients": ["<script>alert(1)</script>"]}, NOW
    )
    page = anonymous_client(kluis).get("/privacy-notice?lang=en")
    assert "<script>" not in page.text
    assert "&lt;script&gt;" in page.text


@pytest.mark.usefixtures("kluis_env")
def test_cli_notice() -> None:
    text = ok("notice", "--lang", "en").stdout
    assert "# Privacy notice: My organisation" in text
    assert "<h1>Privacyverklaring: My organisation</h1>" in ok("notice", "--format", "html").stdout
    refused("notice", "--format", "pdf", field="format")
