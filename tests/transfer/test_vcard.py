"""The one vCard writer (``contacts.vcard``): what the bulk export writes, the import reads back
into another data directory with the same values, and the access package and the bulk export
write the same card."""

from __future__ import annotations

from pathlib import Path

import vobject

from conftest import ADMIN, NOW
from kluis.contacts.vcard import person_vcard
from kluis.requests import formats
from kluis.runtime import Kluis
from kluis.transfer import export, pipeline
from kluis.transfer.job import ImportOptions
from kluis.transfer.reading import VCARD_HEADERS, card_cells
from transfer.helpers import everyone, write_rows

PURPOSES = ("customer_service", "sales_follow_up", "age_verification")
"""Between them these may use every personal field, so the round trip carries all of them."""


PEOPLE = [
    [
        "Voornaam",
        "Achternaam",
        "E-mail",
        "Telefoon",
        "Geboortedatum",
        "Postadres",
        "Functie",
        "Interesses",
        "Notities",
    ],
    [
        "Ëlla",
        "van der Berg",
        "ella@example.com",
        "+31 6 12345678",
        "1984-02-29",
        "Dorpsstraat 1, achter; boven\n1234 AB Ergens",
        "Kaas, maker",
        "fietsen,koffie",
        "belt liever; niet vóór 10:00\nbackslash \\ ook",
    ],
    ["Joost", "", "joost@example.com", "", "", "", "", "", ""],
    ["", "", "naamloos@example.com", "+44 20 7946 0958", "", "", "", "", ""],
]


def test_exported_vcards_import_into_another_kluis_with_the_same_values(
    kluis: Kluis, target: Kluis, tmp_path: Path
) -> None:
    source = write_rows(tmp_path / "in.csv", PEOPLE)
    made = pipeline.run_import(kluis, ADMIN, source, ImportOptions(purposes=PURPOSES), NOW)
    assert (made.counts.created, made.counts.rejected) == (3, 0)
    cards = tmp_path / "out.vcf"
    count = export.export_people(
        kluis, ADMIN, cards, "privacy_requests", export.ExportFormat.VCF, NOW, page=2
    )
    assert count == 3

    moved = pipeline.run_import(target, ADMIN, cards, ImportOptions(purposes=PURPOSES), NOW)

    assert (moved.format, moved.counts.created, moved.counts.rejected) == ("vcf", 3, 0)
    here, there = everyone(kluis, tmp_path), everyone(target, tmp_path)
    assert there == here
    nameless = next(p for p in there if p["email"] == "naamloos@example.com")
    assert "given_name" not in nameless  # the id written as FN is not read as a name


def test_the_export_writes_vcard_4(kluis: Kluis, tmp_path: Path) -> None:
    pipeline.run_import(
        kluis,
        ADMIN,
        write_rows(tmp_path / "in.csv", PEOPLE[:2]),
        ImportOptions(purposes=PURPOSES),
        NOW,
    )
    cards = tmp_path / "out.vcf"
    export.export_people(kluis, ADMIN, cards, "customer_service", export.ExportFormat.VCF, NOW)
    (card,) = vobject.readComponents(cards.read_text(encoding="utf-8"))
    assert card.version.value == "4.0"
    assert card.tel.value == "tel:+31612345678"
    assert card.lang.value == "nl"
    assert "bday" not in card.contents  # customer_service may not use the birth date
    assert "categories" not in card.contents


def test_the_access_package_and_the_export_write_the_same_card() -> None:
    person_id = "5f0c7d1e-3a57-4c1b-9a4e-0d6b1f2a3c4d"
    values = {"given_name": "Joost", "family_name": "Mulder", "email": "joost@example.com"}
    package = {
        "person": {
            "id": person_id,
            "language": "en",
            "company": None,
            "updated_at": NOW.isoformat(),
            "fields": [{"name": k, "value": v} for k, v in values.items()]
            + [{"name": "phone", "value": None}, {"name": "notes", "value": ""}],
        }
    }
    assert formats.package_vcard(package) == person_vcard(
        person_id, values, language="en", updated_at=NOW
    )


def test_a_card_without_names_has_the_id_as_fn_and_reads_back_without_a_name() -> None:
    person_id = "5f0c7d1e-3a57-4c1b-9a4e-0d6b1f2a3c4d"
    text = person_vcard(person_id, {"email": "anoniem@example.com", "interests": []})
    card = vobject.readOne(text)
    assert card.fn.value == person_id
    assert "categories" not in card.contents  # nothing is written for an empty value
    cells = dict(zip(VCARD_HEADERS, card_cells(text), strict=True))
    assert (cells["given_name"], cells["email"]) == ("", "anoniem@example.com")
