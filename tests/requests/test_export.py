"""The access package (Art. 15) and the portability package (Art. 20), on SQLite and PostgreSQL:
every field and section, who may export, the audit entry, the CSV, HTML and vCard renderings,
and the round trip from one data directory to another (Art. 20(2)) through the service, the CLI
and the API, with tampered or foreign packages refused without leaving a person behind."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import vobject
from sqlalchemy import event

from api_helpers import assert_problem, client_for
from cli_helpers import ok, ok_json, refused, run
from conftest import ADMIN, MARKETING, NOW, PRIVACY, SALES, SERVICE
from kluis.audit import service as audit
from kluis.consent import catalogue
from kluis.consent import evidence as consent_evidence
from kluis.consent import ledger as consent
from kluis.contacts import collect, companies, flags
from kluis.contacts import people as contacts
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.errors import InvalidField, KluisError, PermissionDenied, PurposeRefused
from kluis.messaging import service as messaging
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.requests import export
from kluis.runtime import Kluis
from kluis.settings import Settings
from mailserver import MailServer, mail_server

WAV = b"RIFF" + b"\x24\x00\x00\x00" + b"WAVE" + b"fmt " + b"\x00" * 32
WORDING_NL = "Ja, ik wil aanbiedingen van Zuivelhuis Terpstra per e-mail ontvangen."
WORDING_EN = "Yes, Zuivelhuis Terpstra may call me with its newsletter. I can stop at any time."
PURPOSES = ("age_verification", "customer_service", "email_marketing")
FIELDS: dict[str, Any] = {
    "given_name": "Sjoukje",
    "family_name": "Terpstra-Wiersma",
    "email": "sjoukje.terpstra@example.com",
    "phone": "+31 6 12345678",
    "birth_date": "1984-02-29",
    "address": "Dorpsstraat 12\n8011 AB Zwolle",
    "job_title": "Kaasmaker",
    "interests": ["boerenkaas", "fietsen, wandelen"],
    "notes": 'Belt liever \'s ochtends; zegt "dank je wel".',
}
T0, T1, T2, T3 = (NOW - timedelta(days=d) for d in (90, 60, 40, 20))
T4, T5, T6, T7, T8 = (NOW - timedelta(days=d) for d in (10, 8, 5, 4, 2))
PRIVACY_PURPOSE = "privacy_requests"


def iso(value: Any) -> str:
    return str(value.isoformat())


def point_cli_at(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLUIS_DATA_DIR", str(settings.data_dir))
    assert settings.master_key is not None
    monkeypatch.setenv("KLUIS_MASTER_KEY", settings.master_key.get_secret_value())
    for name, value in (
        ("KLUIS_DATABASE_URL", settings.database_url),
        ("KLUIS_KEYRING_URL", settings.keyring_url),
    ):
        if value:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)


# A person with a history --------------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    person_id: str
    evidence_id: int


def transport(server: MailServer):  # type: ignore[no-untyped-def]
    return lambda: SmtpTransport(parse_smtp_url(server.url), sleep=lambda _s: None)


def tell_story(kluis: Kluis, **overrides: Any) -> Story:
    """A prospect collected for three purposes, with every personal field, a company, consent
    given by a web form and on a recorded call, re-confirmed and withdrawn, two messages, an
    objection made and lifted, and a restriction."""
    company = companies.create_company(
        kluis, ADMIN, {"name": "Zuivelhuis Terpstra", "city": "Zwolle", "country": "NL"}, T0
    )
    person_id = collect.create_person(
        kluis,
        ADMIN,
        contacts.NewPerson(
            relationship="prospect",
            purposes=PURPOSES,
            fields=FIELDS | overrides,
            language="nl",
            company_id=company.id,
        ),
        T0,
    )
    notice_nl = catalogue.add_notice(
        kluis, ADMIN, "nl", WORDING_NL, T1, covers=[("email", "offers")]
    ).id
    consent.record(
        kluis,
        ADMIN,
        person_id,
        "email",
        "offers",
        "granted",
        T1,
        consent.Grant(
            "web_form", notice_nl, source_ip="192.0.2.10", user_agent="Mozilla/5.0 (X11; Linux)"
        ),
        captured_by="person",
    )
    evidence_id = consent_evidence.add_evidence(
        kluis, ADMIN, person_id, "privacy_requests", "audio/wav", WAV, T2, filename="gesprek.wav"
    )
    notice_en = catalogue.add_notice(
        kluis, ADMIN, "en", WORDING_EN, T2, covers=[("phone", "newsletter")]
    ).id
    consent.record(
        kluis,
        ADMIN,
        person_id,
        "phone",
        "newsletter",
        "granted",
        T2,
        consent.Grant("phone_recording", notice_en, evidence_id),
    )
    consent.record(kluis, ADMIN, person_id, "email", "offers", "reconfirmed", T3)
    consent.record(
        kluis,
        ADMIN,
        person_id,
        "phone",
        "newsletter",
        "withdrawn",
        T4,
        consent.Grant("phone", None),
    )
    with mail_server() as smtp:
        messaging.send_message(
            kluis,
            SERVICE,
            person_id,
            "transactional",
            "offers",
            messaging.Content(
                template="notice", params={"subject": "Openingstijden", "body": "Maandag dicht."}
            ),
            T5,
            transport(smtp),
        )
    messaging.send_message(
        kluis,
        MARKETING,
        person_id,
        "commercial",
        "promotions",
        messaging.Content(subject={"nl": "Actie"}, body={"nl": "Twee halen, een betalen."}),
        T5,
    )
    flags.set_flag(kluis, ADMIN, person_id, "objection", True, "email", T6)
    flags.set_flag(kluis, ADMIN, person_id, "objection", False, "phone", T7)
    flags.set_flag(kluis, ADMIN, person_id, "restriction", True, "privacy_request", T8)
    return Story(person_id, evidence_id)


@pytest.fixture
def story(kluis: Kluis) -> Story:
    return tell_story(kluis)


def history(package: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What must survive a move: each consent event with its notice, times and evidence bytes."""
    evidence = {e["id"]: e for e in package["evidence"]}
    found = []
    for e in package["consent"]["events"]:
        cited = evidence.get(e["evidence_id"])
        found.append(
            (
                e["channel"],
                e["topic"],
                e["action"],
                e["method"],
                None if e["notice"] is None else (e["notice"]["language"], e["notice"]["text"]),
                None if e["notice"] is None else e["notice"]["sha256"],
                e["captured_at"],
                e["reconfirm_by"],
                e["source_ip"],
                e["user_agent"],
                e["captured_by"] == "person",
                None if cited is None else base64.b64decode(cited["content_base64"]),
                None if cited is None else (cited["content_type"], cited["filename"]),
            )
        )
    return found


def nobody_has(kluis: Kluis, email: str) -> bool:
    page = contacts.search_people(kluis, ADMIN, PRIVACY_PURPOSE, NOW, text=email)
    return page.total == 0


# The package ------------------------------------------------------------------------------------


def test_the_package_holds_every_field_and_every_section(kluis: Kluis, story: Story) -> None:
    package = export.access_package(kluis, PRIVACY, story.person_id, NOW, request_id=7)
    assert package["schema"] == "kluis.access/2"
    assert set(package) == {
        "schema",
        "controller",
        "generated_at",
        "request_id",
        "portable",
        "person",
        "custom",
        "purposes",
        "topics",
        "consent",
        "evidence",
        "permissions",
        "messages",
        "calls",
        "activities",
        "deals",
        "tasks",
        "tags",
        "audit",
        "connected_systems",
    }
    assert package["controller"] == {"name": kluis.settings.organisation_name}
    assert (package["generated_at"], package["request_id"], package["portable"]) == (
        iso(NOW),
        7,
        False,
    )
    json.dumps(package)  # JSON-ready as it is

    person = package["person"]
    assert person["id"] == story.person_id
    assert (person["relationship"], person["language"], person["source"]) == (
        "prospect",
        "nl",
        "api",
    )
    assert person["company"]["name"] == "Zuivelhuis Terpstra"
    assert person["created_at"] == iso(T0)
    view = contacts.read_person(kluis, ADMIN, story.person_id, PRIVACY_PURPOSE, NOW)
    assert [f["name"] for f in person["fields"]] == [f.name for f in PERSONAL_FIELDS]
    assert {f["name"]: f["value"] for f in person["fields"]} == view.fields
    assert all(f["value"] is not None for f in person["fields"])
    assert {f["name"]: f["category"] for f in person["fields"]} == {
        f.name: f.category for f in PERSONAL_FIELDS
    }

    by_key = {p["key"]: p for p in package["purposes"]}
    assert sorted(by_key) == sorted(PURPOSES)
    marketing = by_key["email_marketing"]
    assert marketing["lawful_basis"] == "consent"
    assert marketing["recipients"] == ["E-mail delivery service (processor)"]
    assert set(marketing["retention"]) == {"duration", "anchor"}
    assert marketing["collected_at"] == iso(T0)
    assert {"name_en", "name_nl", "legitimate_interest", "transfers"} <= set(marketing)

    events = package["consent"]["events"]
    assert [(e["channel"], e["topic"], e["action"], e["method"]) for e in events] == [
        ("email", "offers", "granted", "web_form"),
        ("phone", "newsletter", "granted", "phone_recording"),
        ("email", "offers", "reconfirmed", None),
        ("phone", "newsletter", "withdrawn", "phone"),
    ]
    assert events[0]["notice"]["text"] == WORDING_NL
    assert events[0]["notice"]["sha256"] == hashlib.sha256(f"nl\n{WORDING_NL}".encode()).hexdigest()
    assert (events[0]["captured_by"], events[1]["captured_by"]) == ("person", ADMIN.ref)
    assert (events[0]["source_ip"], events[0]["user_agent"]) == (
        "192.0.2.10",
        "Mozilla/5.0 (X11; Linux)",
    )
    assert events[0]["captured_at"] == iso(T1)
    assert events[2]["reconfirm_by"] is not None
    assert events[1]["evidence_id"] == story.evidence_id
    assert [(f["flag"], f["active"], f["method"]) for f in package["consent"]["flags"]] == [
        ("objection", True, "email"),
        ("objection", False, "phone"),
        ("restriction", True, "privacy_request"),
    ]

    [evidence] = package["evidence"]
    assert evidence["id"] == story.evidence_id
    assert (evidence["content_type"], evidence["size"], evidence["filename"]) == (
        "audio/wav",
        len(WAV),
        "gesprek.wav",
    )
    assert evidence["sha256"] == hashlib.sha256(WAV).hexdigest()
    assert "content_base64" not in evidence

    permissions = {(p["channel"], p["topic"]): p for p in package["permissions"]}
    assert len(permissions) == 5 * len(catalogue.list_topics(kluis))
    offers = permissions[("email", "offers")]
    assert offers["status"] == "granted"
    assert offers["decision"]["allowed"] is False
    assert offers["decision"]["reason"] == "restricted"
    assert offers["decision"]["reason_nl"].startswith("De verwerking")

    assert [(m["kind"], m["status"], m["decision"]["reason"]) for m in package["messages"]] == [
        ("transactional", "sent", "transactional"),
        ("commercial", "refused", "no_consent"),
    ]
    assert package["messages"][0]["decision"]["allowed"] is True

    actions = [e["action"] for e in package["audit"]]
    assert actions[0] == "person.created"
    assert {"consent.recorded", "evidence.added", "person.flag_changed", "message.status"} <= set(
        actions
    )
    assert all(
        set(e) == {"seq", "at", "actor", "action", "purpose", "details", "hash"}
        for e in package["audit"]
    )


def test_an_export_moves_the_audit_chain_once_and_keeps_each_read(
    kluis: Kluis, story: Story
) -> None:
    """Every read of the package shares one transaction: the chain's head moves once, and each
    read is still its own typed entry, the export last."""
    moves: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("UPDATE audit_head SET seq"):
            moves.append(statement)

    written = audit.verify(kluis.engine).entries
    event.listen(kluis.engine, "before_cursor_execute", seen)
    try:
        export.access_package(kluis, ADMIN, story.person_id, NOW)
    finally:
        event.remove(kluis.engine, "before_cursor_execute", seen)
    assert len(moves) == 1
    actions = [e.action for e in audit.list_entries(kluis.engine, after=written, limit=100)]
    assert actions[0] == "person.read"
    assert {"consent.ledger_read", "evidence.read", "message.history_read"} <= set(actions)
    assert actions[-1] == "person.exported"


def test_only_a_role_holding_the_privacy_requests_purpose_may_export(
    kluis: Kluis, story: Story
) -> None:
    for actor in (SALES, MARKETING, SERVICE):
        with pytest.raises(PurposeRefused) as refusal:
            export.access_package(kluis, actor, story.person_id, NOW)
        assert refusal.value.field == "purpose"
    assert audit.list_entries(kluis.engine, action="person.exported") == []
    export.access_package(kluis, ADMIN, story.person_id, NOW)


def test_the_export_is_audited_with_its_format_request_and_portability(
    kluis: Kluis, story: Story
) -> None:
    export.access_package(kluis, PRIVACY, story.person_id, NOW, request_id=3, format="html")
    export.access_package(kluis, ADMIN, story.person_id, NOW, portable=True)
    entries = audit.list_entries(kluis.engine, action="person.exported")
    assert [(e.actor, e.person_id, e.details) for e in entries] == [
        (PRIVACY.ref, story.person_id, {"format": "html", "request_id": 3, "portable": False}),
        (ADMIN.ref, story.person_id, {"format": "json", "request_id": None, "portable": True}),
    ]
    # the reads behind it are audited as the reads they are
    reads = audit.list_entries(kluis.engine, person_id=story.person_id, action="evidence.read")
    assert len(reads) == 2
    assert audit.verify(kluis.engine).ok


def test_an_unknown_format_is_refused_before_anything_is_read(kluis: Kluis, story: Story) -> None:
    with pytest.raises(InvalidField) as refusal:
        export.access_package(kluis, ADMIN, story.person_id, NOW, format="pdf")
    assert refusal.value.field == "format"
    reads = audit.list_entries(kluis.engine, action="person.read")
    assert [e for e in reads if e.purpose == PRIVACY_PURPOSE] == []


def test_the_portable_package_carries_the_evidence_content(kluis: Kluis, story: Story) -> None:
    package = export.access_package(kluis, ADMIN, story.person_id, NOW, portable=True)
    [evidence] = package["evidence"]
    assert package["portable"] is True
    assert base64.b64decode(evidence["content_base64"]) == WAV


# Renderings -------------------------------------------------------------------------------------


def test_the_csv_parses_and_holds_every_value(kluis: Kluis, story: Story) -> None:
    package = export.access_package(kluis, ADMIN, story.person_id, NOW)
    rows = list(csv.DictReader(io.StringIO(export.package_csv(package))))
    assert set(rows[0]) == {"section", "item", "field", "value"}
    cells = {(r["section"], r["item"], r["field"]): r["value"] for r in rows}
    assert cells[("package", "", "schema")] == "kluis.access/2"
    assert cells[("person", "", "id")] == story.person_id
    assert cells[("fields", "email", "value")] == FIELDS["email"]
    assert cells[("fields", "address", "value")] == FIELDS["address"]
    assert cells[("fields", "phone", "value")] == "+31612345678"
    assert cells[("fields", "interests", "value.1")] == "fietsen, wandelen"
    assert cells[("purposes", "email_marketing", "retention.duration")]
    assert cells[("consent_events", "1", "notice.text")] == WORDING_NL
    assert cells[("evidence", str(story.evidence_id), "sha256")] == hashlib.sha256(WAV).hexdigest()
    assert cells[("permissions", "email/offers", "decision.reason")] == "restricted"
    assert cells[("flag_events", "3", "flag")] == "restriction"
    assert {r["section"] for r in rows} >= {"messages", "audit", "topics", "person", "fields"}


def test_the_csv_does_not_let_a_spreadsheet_run_a_value(kluis: Kluis, story: Story) -> None:
    package = export.access_package(kluis, ADMIN, story.person_id, NOW)
    notes = next(f for f in package["person"]["fields"] if f["name"] == "notes")
    notes["value"] = '=HYPERLINK("http://example.com")'
    rows = list(csv.DictReader(io.StringIO(export.package_csv(package))))
    cells = {(r["section"], r["item"], r["field"]): r["value"] for r in rows}
    assert cells[("fields", "notes", "value")] == '\'=HYPERLINK("http://example.com")'
    assert cells[("fields", "phone", "value")] == "+31612345678"


def test_the_page_is_in_dutch_for_a_dutch_person_and_escapes_what_it_shows(kluis: Kluis) -> None:
    story = tell_story(kluis, given_name="<script>alert(1)</script>")
    package = export.access_package(kluis, ADMIN, story.person_id, NOW, format="html")
    page = export.package_html(package, package["person"]["language"])
    assert '<html lang="nl">' in page
    assert "Jouw gegevens bij" in page
    assert "Autoriteit Persoonsgegevens" in page
    for article in ("artikel 15", "artikel 16", "artikel 17", "artikel 18", "artikel 20"):
        assert article in page
    assert "artikel 21" in page
    assert "artikel 7 lid 3" in page
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert WORDING_NL in page
    assert "Geboortedatum" in page
    assert "Aanbiedingen" in page  # the topic's Dutch name


def test_the_page_is_in_english_when_asked(kluis: Kluis, story: Story) -> None:
    package = export.access_package(kluis, ADMIN, story.person_id, NOW)
    page = export.package_html(package, "en")
    assert '<html lang="en">' in page
    assert "Your rights" in page
    assert "Autoriteit Persoonsgegevens" in page
    assert "Birth date" in page
    with pytest.raises(InvalidField) as refusal:
        export.package_html(package, "de")
    assert refusal.value.field == "language"


def test_the_vcard_parses_back_as_vcard_4(kluis: Kluis, story: Story) -> None:
    package = export.access_package(kluis, ADMIN, story.person_id, NOW, format="vcf")
    text = export.package_vcard(package)
    assert text.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    card = vobject.readOne(text)
    assert card.version.value == "4.0"
    assert card.fn.value == "Sjoukje Terpstra-Wiersma"
    assert (card.n.value.given, card.n.value.family) == ("Sjoukje", "Terpstra-Wiersma")
    assert card.email.value == FIELDS["email"]
    assert card.tel.value == "tel:+31612345678"
    assert card.bday.value == "19840229"
    assert card.adr.value.street == FIELDS["address"]
    assert card.title.value == "Kaasmaker"
    assert card.categories.value == FIELDS["interests"]
    assert card.note.value == FIELDS["notes"]
    assert card.org.value == ["Zuivelhuis Terpstra"]
    assert card.uid.value == f"urn:uuid:{story.person_id}"
    assert card.lang.value == "nl"


# Portability ------------------------------------------------------------------------------------


def test_the_round_trip_between_two_data_directories_keeps_the_person(
    kluis: Kluis, target: Kluis, story: Story
) -> None:
    package = export.access_package(kluis, ADMIN, story.person_id, NOW, portable=True)
    data = json.dumps(package).encode()

    moved = export.import_portable(target, ADMIN, data, NOW)

    assert moved != story.person_id
    again = export.access_package(target, ADMIN, moved, NOW, portable=True)
    person, there = package["person"], again["person"]
    assert there["fields"] == person["fields"]
    assert (there["relationship"], there["language"]) == ("prospect", "nl")
    assert there["source"] == "portable"
    assert there["company"]["name"] == "Zuivelhuis Terpstra"
    assert [p["key"] for p in again["purposes"]] == [p["key"] for p in package["purposes"]]
    assert history(again) == history(package)
    assert len(history(again)) == 4
    covers = [(e["notice"] or {}).get("covers") for e in again["consent"]["events"]]
    assert covers == [(e["notice"] or {}).get("covers") for e in package["consent"]["events"]]
    assert covers[0] == [{"channel": "email", "topic": "offers"}]
    assert [
        (f["flag"], f["active"], f["method"], f["captured_at"]) for f in again["consent"]["flags"]
    ] == [
        (f["flag"], f["active"], f["method"], f["captured_at"]) for f in package["consent"]["flags"]
    ]

    def state(p: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [
            (
                x["channel"],
                x["topic"],
                x["status"],
                x["since"],
                x["reconfirm_by"],
                x["decision"]["reason"],
            )
            for x in p["permissions"]
        ]

    assert state(again) == state(package)
    assert consent.kept_state(target, moved) == consent.folded_state(target, moved)
    # the person's data is sealed with the new Kluis' keys, and the move is in its audit log
    created = audit.list_entries(target.engine, person_id=moved, action="person.created")
    assert created[0].details["source"] == "portable"
    assert audit.verify(target.engine).ok


def test_the_import_keeps_only_the_purposes_this_kluis_has(
    kluis: Kluis, target: Kluis, story: Story
) -> None:
    package = export.access_package(kluis, ADMIN, story.person_id, NOW, portable=True)
    package["purposes"].append(dict(package["purposes"][0], key="loyalty_programme"))
    moved = export.import_portable(target, ADMIN, package, NOW)
    held = contacts.read_person(target, ADMIN, moved, PRIVACY_PURPOSE, NOW).purposes
    assert sorted(held) == sorted(PURPOSES)


def test_the_import_takes_the_purposes_it_is_given(kluis: Kluis, target: Kluis) -> None:
    story = tell_story(kluis)
    package = export.access_package(kluis, ADMIN, story.person_id, NOW, portable=True)
    for f in package["person"]["fields"]:
        if f["name"] not in ("given_name", "family_name", "email"):
            f["value"] = None
    moved = export.import_portable(target, ADMIN, package, NOW, purposes=["invoicing"])
    assert contacts.read_person(target, ADMIN, moved, PRIVACY_PURPOSE, NOW).purposes == (
        "invoicing",
    )


def test_an_import_without_a_known_purpose_is_refused(
    kluis: Kluis, target: Kluis, story: Story
) -> None:
    package = export.access_package(kluis, ADMIN, story.person_id, NOW, portable=True)
    for p in package["purposes"]:
        p["key"] = f"old_{p['key']}"
    with pytest.raises(InvalidField) as refusal:
        export.import_portable(target, ADMIN, package, NOW)
    assert refusal.value.field == "purposes"
    assert "old_email_marketing" in refusal.value.detail
    assert nobody_has(target, FIELDS["email"])


@pytest.mark.parametrize(
    ("tamper", "field"),
    [
        (lambda p: p.update(schema="kluis.access/3"), "schema"),
        (lambda p: p.pop("schema"), "schema"),
        (lambda p: p["evidence"][0].update(sha256="0" * 64), "evidence.0.sha256"),
        (
            lambda p: p["evidence"][0].update(
                content_base64=base64.b64encode(b"RIFF....WAVE").decode()
            ),
            "evidence.0.sha256",
        ),
        (lambda p: p["evidence"][0].pop("content_base64"), "evidence.0.content_base64"),
        (
            lambda p: p["consent"]["events"][0]["notice"].update(text="Ja, alles mag."),
            "consent.events.0.notice.sha256",
        ),
        (lambda p: p["consent"]["events"][1].update(topic="recipes"), "consent.events.1.topic"),
        (
            lambda p: p["consent"]["events"][2].update(captured_at="yesterday"),
            "consent.events.2.captured_at",
        ),
        (lambda p: p["consent"]["events"][0].update(channel="pigeon"), "consent.events.0.channel"),
        (
            # a wording about e-mail offers cited for text messages
            lambda p: p["consent"]["events"][0].update(channel="sms"),
            "consent.events.0.notice.covers",
        ),
        (lambda p: p["person"]["fields"][0].update(name="shoe_size"), "person.fields.0.name"),
        (lambda p: p["person"].pop("relationship"), "person.relationship"),
        (lambda p: p["consent"]["flags"].append("objection"), "consent.flags.3"),
        (lambda p: p["consent"]["flags"][0].update(active="yes"), "consent.flags.0.active"),
        (lambda p: p["consent"]["flags"][0].update(method="telepathy"), "consent.flags.0.method"),
        (lambda p: p["consent"]["events"][3].update(method="pigeon"), "consent.events.3.method"),
        (lambda p: p["consent"]["events"][0].update(method=None), "consent.events.0.method"),
        (lambda p: p["consent"]["events"][1].update(notice=None), "consent.events.1.notice"),
        (
            lambda p: p["evidence"][0].update(content_type="application/x-msdownload"),
            "evidence.0.content_type",
        ),
    ],
)
def test_a_damaged_or_foreign_package_is_refused_naming_the_field(
    kluis: Kluis, target: Kluis, story: Story, tamper: Any, field: str
) -> None:
    package = export.access_package(kluis, ADMIN, story.person_id, NOW, portable=True)
    tamper(package)
    with pytest.raises(KluisError) as refusal:
        export.import_portable(target, ADMIN, package, NOW)
    assert refusal.value.status == 422
    assert refusal.value.field == field
    assert field in refusal.value.detail
    # refused before anything was written: nobody created, so nobody erased either
    assert nobody_has(target, FIELDS["email"])
    assert audit.list_entries(target.engine, action="person.created") == []


def test_a_replay_that_fails_erases_the_half_imported_person(
    kluis: Kluis, target: Kluis, story: Story
) -> None:
    package = export.access_package(kluis, ADMIN, story.person_id, NOW, portable=True)
    # a re-confirmation of a consent never given on that channel: only the ledger can tell
    package["consent"]["events"][2]["channel"] = "sms"
    with pytest.raises(InvalidField) as refusal:
        export.import_portable(target, ADMIN, package, NOW)
    assert refusal.value.field == "consent.events.2.action"
    assert refusal.value.detail.startswith("consent.events.2: only a live consent")
    assert nobody_has(target, FIELDS["email"])
    [created] = audit.list_entries(target.engine, action="person.created")
    [erased] = audit.list_entries(target.engine, action="person.erased")
    assert erased.person_id == created.person_id
    assert erased.details == {"reason": "import_failed", "suppressed": [], "expired": []}
    assert target.vault.erased([created.person_id or ""])
    assert companies.list_companies(target)[1] == 0


def test_the_person_joins_the_company_of_the_same_name(
    kluis: Kluis, target: Kluis, story: Story
) -> None:
    there = companies.create_company(target, ADMIN, {"name": "zuivelhuis  terpstra"}, NOW)
    package = export.access_package(kluis, ADMIN, story.person_id, NOW, portable=True)
    moved = export.import_portable(target, ADMIN, package, NOW)
    assert contacts.read_person(target, ADMIN, moved, PRIVACY_PURPOSE, NOW).company_id == there.id
    assert companies.list_companies(target)[1] == 1


def test_only_an_admin_or_privacy_officer_may_import(
    kluis: Kluis, target: Kluis, story: Story
) -> None:
    package = export.access_package(kluis, ADMIN, story.person_id, NOW, portable=True)
    with pytest.raises(PermissionDenied):
        export.import_portable(target, SALES, package, NOW)
    assert export.import_portable(target, PRIVACY, package, NOW)


def test_bytes_that_are_not_a_package_are_refused(target: Kluis) -> None:
    for data, field in (
        (b"\xff\xfe not json", "package"),
        (b"[1, 2]", "package"),
        (b"{}", "schema"),
    ):
        with pytest.raises(InvalidField) as refusal:
            export.import_portable(target, ADMIN, data, NOW)
        assert refusal.value.field == field


# The CLI ----------------------------------------------------------------------------------------


def refused_at(field: str, *args: str) -> str:
    """A refusal naming a field inside the package (``evidence.0.sha256``); ``refused`` in
    cli_helpers takes plain field names only."""
    result = run(*args)
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert result.stdout == ""
    prefix = f"error [{field}]: "
    assert result.stderr.startswith(prefix), result.stderr
    return result.stderr[len(prefix) :].strip()


def test_the_cli_exports_and_imports_between_two_data_directories(
    kluis_env: Settings,
    kluis: Kluis,
    target_settings: Settings,
    target: Kluis,
    story: Story,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "sjoukje.json"
    result = ok("contacts", "export-portable", story.person_id, "--out", str(out))
    assert str(out) in result.stdout
    assert out.stat().st_mode & 0o777 == 0o600
    package = json.loads(out.read_bytes())
    assert package["portable"] is True
    assert base64.b64decode(package["evidence"][0]["content_base64"]) == WAV
    for fmt, check in (
        ("csv", lambda b: b.startswith(b"section,item,field,value")),
        ("html", lambda b: b"Autoriteit Persoonsgegevens" in b),
        ("vcf", lambda b: vobject.readOne(b.decode()).version.value == "4.0"),
    ):
        path = tmp_path / f"sjoukje.{fmt}"
        ok("contacts", "export-portable", story.person_id, "--out", str(path), "--format", fmt)
        assert check(path.read_bytes()), fmt
    refused(
        "contacts",
        "export-portable",
        story.person_id,
        "--out",
        str(out),
        "--format",
        "pdf",
        field="format",
    )

    point_cli_at(target_settings, monkeypatch)
    moved = ok_json(
        "contacts", "import-portable", str(out),
        "--purpose", "customer_service", "--purpose", "age_verification",
        "--purpose", "email_marketing",
    )["id"]  # fmt: skip
    again = export.access_package(target, ADMIN, moved, NOW, portable=True)
    assert history(again) == history(package)
    assert again["person"]["fields"] == package["person"]["fields"]
    assert [p["key"] for p in again["purposes"]] == sorted(PURPOSES)
    assert "exists already" in refused_at(
        "person.fields.2.value", "contacts", "import-portable", str(out)
    )


def test_the_cli_refuses_a_tampered_package_naming_the_field(
    kluis_env: Settings,
    kluis: Kluis,
    target_settings: Settings,
    target: Kluis,
    story: Story,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "sjoukje.json"
    ok("contacts", "export-portable", story.person_id, "--out", str(out))
    package = json.loads(out.read_bytes())
    package["schema"] = "vcard"
    out.write_text(json.dumps(package))
    point_cli_at(target_settings, monkeypatch)
    detail = refused("contacts", "import-portable", str(out), field="schema")
    assert "kluis.access/1" in detail
    package["schema"] = "kluis.access/1"
    package["evidence"][0]["sha256"] = "f" * 64
    out.write_text(json.dumps(package))
    assert "SHA-256" in refused_at("evidence.0.sha256", "contacts", "import-portable", str(out))
    refused("contacts", "import-portable", str(tmp_path / "missing.json"), field="file")
    assert nobody_has(target, FIELDS["email"])


# The API ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("json", "application/json"),
        ("csv", "text/csv; charset=utf-8"),
        ("html", "text/html; charset=utf-8"),
        ("vcf", "text/vcard; charset=utf-8"),
    ],
)
def test_the_api_exports_a_person_as_an_attachment(
    kluis: Kluis, story: Story, fmt: str, media_type: str
) -> None:
    client = client_for(kluis, "privacy_officer")
    response = client.get(f"/api/v1/contacts/{story.person_id}/export", params={"format": fmt})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type
    assert response.headers["content-disposition"] == (
        f'attachment; filename="kluis-{story.person_id}.{fmt}"'
    )
    assert response.headers["cache-control"] == "no-store"
    if fmt == "json":
        assert response.json()["schema"] == "kluis.access/2"
        assert "content_base64" not in response.json()["evidence"][0]
    [entry] = audit.list_entries(kluis.engine, action="person.exported")
    assert entry.details["format"] == fmt


def test_the_api_refuses_an_export_to_other_roles_and_unknown_people(
    kluis: Kluis, story: Story
) -> None:
    path = f"/api/v1/contacts/{story.person_id}/export"
    assert_problem(client_for(kluis, "sales").get(path), 403, "urn:kluis:problem:purpose-refused")
    assert_problem(
        client_for(kluis, "admin").get(path, params={"format": "pdf"}), 422, field="format"
    )
    assert_problem(
        client_for(kluis, "admin").get(
            "/api/v1/contacts/5b0c0000-0000-0000-0000-000000000000/export"
        ),
        404,
        "urn:kluis:problem:not-found",
    )


def test_the_api_moves_a_person_to_another_kluis(kluis: Kluis, target: Kluis, story: Story) -> None:
    source = client_for(kluis, "admin")
    package = source.get(
        f"/api/v1/contacts/{story.person_id}/export", params={"portable": "true"}
    ).json()
    assert base64.b64decode(package["evidence"][0]["content_base64"]) == WAV

    receiver = client_for(target, "privacy_officer")
    tampered = json.loads(json.dumps(package))
    tampered["evidence"][0]["sha256"] = "0" * 64
    body = assert_problem(
        receiver.post("/api/v1/contacts/import-portable", json=tampered),
        422,
        "urn:kluis:problem:invalid-field",
        field="evidence.0.sha256",
    )
    assert "SHA-256" in body["detail"]
    assert nobody_has(target, FIELDS["email"])
    assert_problem(
        receiver.post(
            "/api/v1/contacts/import-portable", json=package, params={"purposes": ["no_such"]}
        ),
        422,
        field="purposes",
    )
    assert_problem(
        client_for(target, "marketing").post("/api/v1/contacts/import-portable", json=package),
        403,
        "urn:kluis:problem:permission-denied",
    )

    response = receiver.post("/api/v1/contacts/import-portable", json=package)
    assert response.status_code == 201, response.text
    moved = response.json()["id"]
    assert response.headers["location"] == f"/api/v1/contacts/{moved}"
    again = export.access_package(target, ADMIN, moved, NOW, portable=True)
    assert history(again) == history(package)
    assert_problem(
        receiver.post("/api/v1/contacts/import-portable", json=package),
        409,
        "urn:kluis:problem:conflict",
        field="person.fields.2.value",
    )
