"""Post mailings on both backends: the CSV, the label PDF (read back with pypdf) and the
letters hold exactly the people ``may_contact`` allows, each stored as a message with its
decision; a person without an address is refused with a reason; downloads are audited."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conftest import ADMIN, MARKETING, NOW, SALES
from kluis.audit import service as audit
from kluis.consent import ledger as consent
from kluis.contacts import erasure, rectify
from kluis.errors import InvalidField, PermissionDenied
from kluis.messaging import campaigns, letters, post, results
from kluis.messaging.tables import MessageRow
from kluis.runtime import Kluis
from post_helpers import LETTER, population

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def rows(k: Kluis, campaign_id: int) -> dict[str, MessageRow]:
    with k.engine.connect() as conn:
        found = conn.execute(select(MessageRow).where(MessageRow.campaign_id == campaign_id))
        return {row.person_id: row for row in found}  # type: ignore[misc]


def test_a_post_mailing_makes_a_csv_labels_and_letters(kluis: Kluis) -> None:
    people = population(kluis)
    draft = campaigns.create_campaign(kluis, MARKETING, LETTER, NOW)
    mailing, made = post.files(kluis, MARKETING, draft.id, ["csv", "labels", "letters"], NOW)
    by_kind = {f.kind: f for f in made}
    assert {f.people for f in made} == {2}
    table = list(csv.DictReader(io.StringIO(by_kind["csv"].content.decode("utf-8-sig"))))
    assert [(r["name"], r["address_1"], r["address_2"], r["language"]) for r in table] == [
        ("Fenna2 Brouwersma2", "Kerkstraat 2", "9712 AB Groningen", "en"),
        ("Zoë Brouwersma6", "Kerkstraat 6", "9716 AB Groningen", "nl"),
    ]
    labels = text_of(by_kind["labels"].content)
    assert "Fenna2 Brouwersma2" in labels
    assert "Kerkstraat 2" in labels
    assert "Zoë Brouwersma6" in labels
    assert "9716 AB Groningen" in labels
    for n in (1, 3, 4, 5, 7):
        assert f"Brouwersma{n}" not in labels
        assert f"Kerkstraat {n}" not in labels
    pages = PdfReader(io.BytesIO(by_kind["letters"].content)).pages
    assert len(pages) == 2
    assert "Dear Fenna2," in pages[0].extract_text()
    dutch = pages[1].extract_text()
    assert "Beste Zoë," in dutch
    assert "Alle kaas halve prijs" in dutch
    assert "14 maart 2026" in dutch
    stored = rows(kluis, draft.id)
    assert stored[people["consenting"]].status == "sent"
    assert stored[people["consenting"]].basis == "consent"
    assert stored[people["consenting_nl"]].language == "nl"
    assert people["homeless"] not in stored  # refused when the audience was drawn
    assert mailing.refused == {}
    assert mailing.campaign.refused["no_address"] == 1
    found = results.results(kluis, MARKETING, draft.id)
    assert found.sent == 2
    assert found.refused["no_address"] == 1
    assert found.refused["withdrawn"] == 1
    assert campaigns.get_campaign(kluis, draft.id).status == "sent"


def test_each_download_decides_again_and_is_audited(kluis: Kluis) -> None:
    people = population(kluis)
    draft = campaigns.create_campaign(kluis, MARKETING, LETTER, NOW)
    post.files(kluis, MARKETING, draft.id, ["csv"], NOW)
    consent.record(kluis, MARKETING, people["consenting"], "post", "offers", "withdrawn", NOW)
    _mailing, made = post.files(kluis, MARKETING, draft.id, ["labels"], NOW)
    labels = text_of(made[0].content)
    assert "Brouwersma6" in labels
    assert "Brouwersma2" not in labels
    assert rows(kluis, draft.id)[people["consenting"]].reason == "withdrawn"
    rectify.update_person(
        kluis, ADMIN, people["consenting_nl"], "email_marketing", {"address": None}, NOW
    )
    mailing, made = post.files(kluis, MARKETING, draft.id, ["letters"], NOW)
    assert (mailing.letters, mailing.refused) == ([], {"no_address": 1})
    gone = rows(kluis, draft.id)[people["consenting_nl"]]
    assert (gone.status, gone.allowed, gone.reason) == ("refused", False, "no_address")
    assert results.results(kluis, MARKETING, draft.id).refused["no_address"] == 2
    downloads = audit.list_entries(kluis.engine, action="post.downloaded", limit=10)
    assert sorted((e.details["file"], e.details["people"]) for e in downloads) == [
        ("csv", 2),
        ("labels", 1),
        ("letters", 0),
    ]
    assert all(e.actor == MARKETING.ref for e in downloads)
    assert "Kerkstraat" not in json.dumps([e.details for e in downloads])
    reads = audit.list_entries(
        kluis.engine, person_id=people["consenting_nl"], action="person.read", limit=100
    )
    assert any("address" in json.dumps(e.details) for e in reads)


def test_only_post_campaigns_make_letters_and_post_is_not_sent(kluis: Kluis) -> None:
    population(kluis)
    draft = campaigns.create_campaign(kluis, MARKETING, LETTER, NOW)
    with pytest.raises(InvalidField, match="not sent"):
        campaigns.ready_to_send(kluis, MARKETING, draft.id, None, NOW)
    with pytest.raises(PermissionDenied):
        post.files(kluis, SALES, draft.id, ["csv"], NOW)
    with pytest.raises(InvalidField, match="files are"):
        post.files(kluis, MARKETING, draft.id, ["zip"], NOW)
    mail = {"channel": "email", "topic": "offers", "subject_nl": "Hoi", "body_nl": "Hoi"}
    email = campaigns.create_campaign(kluis, MARKETING, mail, NOW)
    with pytest.raises(InvalidField, match="only a post campaign"):
        post.make(kluis, MARKETING, email.id, NOW)
    with pytest.raises(InvalidField, match="nl or en"):
        campaigns.create_campaign(kluis, MARKETING, {"channel": "post", "topic": "offers"}, NOW)


def test_labels_fill_a_sheet_of_24_and_fonts_print_every_letter() -> None:
    many = [
        letters.Letter(n, f"p{n}", "nl", f"Łukasz{n}", "Ĳsselmeer", ("Dorpsstraat 1", "Urk"))
        for n in range(25)
    ]
    plain = PdfReader(io.BytesIO(letters.labels_pdf(many, NOW)))
    assert len(plain.pages) == 2
    assert "Lukasz0 IJsselmeer" in plain.pages[0].extract_text()
    if DEJAVU.exists():
        embedded = PdfReader(io.BytesIO(letters.labels_pdf(many, NOW, str(DEJAVU))))
        assert "Łukasz24" in embedded.pages[1].extract_text()


def test_an_erased_persons_letter_goes_with_them(kluis: Kluis) -> None:
    people = population(kluis)
    draft = campaigns.create_campaign(kluis, MARKETING, LETTER, NOW)
    post.files(kluis, MARKETING, draft.id, ["csv"], NOW)
    erasure.erase_person(kluis, ADMIN, people["consenting"], NOW)
    assert set(rows(kluis, draft.id)) == {people["consenting_nl"]}
    mailing, _made = post.files(kluis, MARKETING, draft.id, ["csv"], NOW)
    assert [letter.person_id for letter in mailing.letters] == [people["consenting_nl"]]
