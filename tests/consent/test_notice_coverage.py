"""A consent event cites a notice that asks for its channel and topic, or it is not recorded
(Art. 4(11), 7(1)): the issue's case was a WhatsApp/promotions grant citing a wording about an
e-mail newsletter. The refusal is at the service, so the API, the CLI and the import get it, and
the ledger's foreign key refuses what gets past it. On SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import exc, func, select

from api_helpers import assert_problem, client_for
from cli_helpers import ok, refused
from conftest import ADMIN, MARKETING, NOW
from factories import add_person, grant_consent
from kluis.audit import service as audit
from kluis.consent import catalogue, decisions, repository
from kluis.consent import ledger as consent_ledger
from kluis.consent.catalogue import ConsentRefused
from kluis.consent.tables import ConsentEvent, Evidence
from kluis.errors import InvalidField
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.transfer import pipeline
from kluis.transfer.job import ImportOptions
from kluis.transfer.rules.columns import ConsentDeclaration
from transfer.helpers import write

NEWSLETTER = "Yes, send me the newsletter by e-mail. I can unsubscribe at any time."
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64


def newsletter_notice(kluis: Kluis) -> int:
    return catalogue.add_notice(
        kluis, ADMIN, "en", NEWSLETTER, NOW, covers=[("email", "newsletter")]
    ).id


def events_in_ledger(kluis: Kluis) -> int:
    with kluis.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(ConsentEvent)).scalar_one())


def test_a_grant_citing_a_notice_for_another_channel_or_topic_is_refused(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, relationship="prospect")
    notice = newsletter_notice(kluis)
    for channel, topic in (
        ("whatsapp", "promotions"),
        ("whatsapp", "newsletter"),
        ("email", "offers"),
    ):
        with pytest.raises(ConsentRefused) as refused_grant:
            grant_consent(kluis, person, channel, topic, notice)
        assert refused_grant.value.field == "notice"
        assert f"notice {notice} does not cover {channel}/{topic}" in str(refused_grant.value)
        assert "email/newsletter" in str(refused_grant.value)
    assert events_in_ledger(kluis) == 0
    assert audit.list_entries(kluis.engine, action="consent.recorded") == []
    decision = decisions.decide(
        kluis, MARKETING, person, "whatsapp", "commercial", "promotions", NOW
    )
    assert not decision.allowed

    event = grant_consent(kluis, person, "email", "newsletter", notice)
    assert [
        e.id for e in consent_ledger.ledger(kluis, ADMIN, person, "privacy_requests", NOW).events
    ] == [event]
    # Withdrawing needs no notice (Art. 7(3)), on any channel and topic.
    consent_ledger.record(kluis, MARKETING, person, "whatsapp", "promotions", "withdrawn", NOW)


def test_the_ledger_itself_refuses_an_event_citing_a_notice_that_does_not_cover_it(
    kluis: Kluis,
) -> None:
    """The foreign key from (notice, channel, topic) to the notice's coverage: a path that
    writes the ledger without the service (a bulk import, a future one) cannot break the rule."""
    person = add_person(kluis, ADMIN, NOW, relationship="prospect")
    notice = newsletter_notice(kluis)

    def insert(channel: str, topic: str, notice_id: int | None) -> None:
        with kluis.engine.begin() as conn:
            repository.insert_event(
                conn,
                {
                    "person_id": person,
                    "channel": channel,
                    "topic": topic,
                    "action": "granted" if notice_id else "withdrawn",
                    "method": "paper_form",
                    "notice_id": notice_id,
                    "captured_by": "test",
                    "captured_at": NOW,
                },
            )

    with pytest.raises(exc.IntegrityError):
        insert("whatsapp", "promotions", notice)
    insert("email", "newsletter", notice)
    insert("whatsapp", "promotions", None)
    assert events_in_ledger(kluis) == 2


def test_a_notice_names_what_it_covers_and_is_a_new_version_when_that_changes(
    kluis: Kluis,
) -> None:
    with pytest.raises(InvalidField) as missing:
        catalogue.add_notice(kluis, ADMIN, "en", NEWSLETTER, NOW, covers=[])
    assert missing.value.field == "channels"
    with pytest.raises(InvalidField) as unknown:
        catalogue.add_notice(kluis, ADMIN, "en", NEWSLETTER, NOW, covers=[("email", "events")])
    assert unknown.value.field == "topics"
    with pytest.raises(InvalidField) as channel:
        catalogue.add_notice(kluis, ADMIN, "en", NEWSLETTER, NOW, covers=[("fax", "offers")])
    assert channel.value.field == "channels"
    assert catalogue.list_notices(kluis) == []

    first = catalogue.add_notice(
        kluis, ADMIN, "en", NEWSLETTER, NOW, covers=[("email", "newsletter")]
    )
    assert first.covers == (("email", "newsletter"),)
    again = catalogue.add_notice(
        kluis, ADMIN, "en", f" {NEWSLETTER}\n", NOW, covers={("email", "newsletter")}
    )
    assert again == first
    wider = catalogue.add_notice(
        kluis, ADMIN, "en", NEWSLETTER, NOW, covers=[("email", "newsletter"), ("sms", "newsletter")]
    )
    assert wider.id != first.id
    assert wider.content_hash == first.content_hash  # the same wording, asking for more
    assert catalogue.get_notice(kluis, first.id).covers == (("email", "newsletter"),)
    assert [n.covers for n in catalogue.list_notices(kluis)] == [
        (("email", "newsletter"),),
        (("email", "newsletter"), ("sms", "newsletter")),
    ]
    added = audit.list_entries(kluis.engine, action="notice.added")
    assert [e.details["covers"] for e in added] == [
        ["email/newsletter"],
        ["email/newsletter", "sms/newsletter"],
    ]


def test_the_api_refuses_the_issues_grant_and_notices_need_channels_and_topics(
    kluis: Kluis,
) -> None:
    marketing = client_for(kluis, "privacy_officer")
    body = {"language": "en", "text": NEWSLETTER}
    assert_problem(marketing.post("/api/v1/notices", json=body), 422, field="channels")
    assert_problem(
        marketing.post("/api/v1/notices", json=body | {"channels": ["email"], "topics": []}),
        422,
        field="topics",
    )
    assert_problem(
        marketing.post(
            "/api/v1/notices", json=body | {"channels": ["email"], "topics": ["events"]}
        ),
        422,
        "urn:kluis:problem:invalid-field",
        "topics",
    )
    created = marketing.post(
        "/api/v1/notices", json=body | {"channels": ["email"], "topics": ["newsletter"]}
    )
    assert created.status_code == 201, created.text
    notice = created.json()
    assert notice["covers"] == [{"channel": "email", "topic": "newsletter"}]
    assert marketing.get(f"/api/v1/notices/{notice['id']}").json()["covers"] == notice["covers"]

    person = add_person(kluis, ADMIN, NOW, relationship="prospect")
    answer = marketing.post(
        f"/api/v1/contacts/{person}/consents",
        json={
            "channel": "whatsapp",
            "topic": "promotions",
            "action": "granted",
            "method": "web_form",
            "notice_id": notice["id"],
        },
    )
    problem = assert_problem(answer, 422, "urn:kluis:problem:consent-refused", "notice_id")
    assert f"notice {notice['id']} does not cover whatsapp/promotions" in problem["detail"]
    assert events_in_ledger(kluis) == 0


def test_the_cli_refuses_before_it_stores_the_evidence(
    kluis_env: Settings, kluis: Kluis, tmp_path: Path
) -> None:
    assert "name the channels" in refused(
        "notices", "add", "--lang", "en", "--text", NEWSLETTER, field="channels"
    )
    assert "--topic" in refused(
        "notices", "add", "--lang", "en", "--text", NEWSLETTER, "--channel", "email",
        field="topics",
    )  # fmt: skip
    assert "'fax'" in refused(
        "notices", "add", "--lang", "en", "--text", NEWSLETTER, "--channel", "fax",
        "--topic", "newsletter", field="channels",
    )  # fmt: skip
    notice = ok(
        "notices", "add", "--lang", "en", "--text", NEWSLETTER,
        "--channel", "email", "--topic", "newsletter",
    ).stdout.strip()  # fmt: skip
    assert "covers: email/newsletter" in ok("notices", "show", notice).stdout
    person = add_person(kluis, ADMIN, NOW, relationship="prospect")
    recording = tmp_path / "call.wav"
    recording.write_bytes(WAV)
    detail = refused(
        "consent", "grant", person, "--channel", "phone", "--topic", "newsletter",
        "--method", "phone_recording", "--notice", notice, "--evidence", str(recording),
        field="notice",
    )  # fmt: skip
    assert f"notice {notice} does not cover phone/newsletter" in detail
    with kluis.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Evidence)).scalar_one() == 0
    assert events_in_ledger(kluis) == 0


def test_an_import_declaring_a_notice_for_another_channel_is_refused_up_front(
    kluis: Kluis, tmp_path: Path
) -> None:
    notice = newsletter_notice(kluis)
    path = write(tmp_path / "c.csv", "Voornaam,E-mail,Nieuwsbrief\nAnouk,anouk@example.com,ja\n")
    options = ImportOptions(
        purposes=("email_marketing",),
        consent=ConsentDeclaration("newsletter", "sms", "paper_form", notice),
    )
    with pytest.raises(ConsentRefused) as refused_import:
        pipeline.run_import(kluis, ADMIN, path, options, NOW)
    assert refused_import.value.field == "consent_notice"
    assert "does not cover sms/newsletter" in str(refused_import.value)
    assert events_in_ledger(kluis) == 0
