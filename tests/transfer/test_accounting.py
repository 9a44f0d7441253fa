"""Every record of an import file is accounted for: created + merged + skipped + rejected is the
number of records read, and each reject names its line and why. Broken quotes, cells past the CSV
reader's limit, cards without ``END:VCARD`` and cards inside cards are rejected records, never
rows that vanish or run into their neighbours."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ADMIN, NOW
from kluis.contacts import people as contacts
from kluis.runtime import Kluis
from kluis.transfer import pipeline
from kluis.transfer.job import ImportOptions, ImportReport
from kluis.transfer.rules.columns import ImportRefused
from kluis.transfer.rules.records import csv_records
from transfer.helpers import write

CS = ImportOptions(purposes=("customer_service",))


def _import(kluis: Kluis, path: Path, *, dry_run: bool = False) -> ImportReport:
    return pipeline.run_import(kluis, ADMIN, path, CS, NOW, dry_run=dry_run, workers=0)


def _accounted(report: ImportReport) -> int:
    c = report.counts
    return c.created + c.merged + c.skipped + c.rejected


def _people(kluis: Kluis) -> int:
    return contacts.search_people(kluis, ADMIN, "privacy_requests", NOW).total


def test_an_unterminated_quote_at_the_end_is_a_rejected_record(
    kluis: Kluis, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "quote.csv",
        'Voornaam,E-mail\nAnna,anna@example.com\n"Jan,jan@example.com\nPiet,piet@example.com\n',
    )
    report = _import(kluis, path)
    assert (report.counts.created, report.counts.rejected) == (1, 1)
    (reject,) = report.rejects
    assert (reject.line, reject.code) == (3, "csv_unterminated_quote")
    assert "unterminated quote starting at line 3" in reject.reason
    assert "line 4" in reject.reason  # where the file ends: the rows it swallowed are named
    assert "example" not in reject.reason
    assert _people(kluis) == 1


def test_a_cell_past_the_limit_is_rejected_and_the_rest_is_read(
    kluis: Kluis, tmp_path: Path
) -> None:
    long = "x" * 140_000
    path = write(
        tmp_path / "long.csv",
        "Voornaam,E-mail,Notities\n"
        f"Anna,anna@example.com,{long}\n"
        f'Bert,bert@example.com,"{long}\nstill the note\n{long}"\n'
        "Cor,cor@example.com,kort\n",
    )
    report = _import(kluis, path)
    assert (report.counts.created, report.counts.rejected) == (1, 2)
    assert [(r.line, r.code) for r in report.rejects] == [
        (2, "csv_cell_too_long"),
        (3, "csv_cell_too_long"),
    ]
    assert "lines 3 to 5" in report.rejects[1].reason
    assert _people(kluis) == 1


def test_a_quote_followed_by_more_text_is_rejected(kluis: Kluis, tmp_path: Path) -> None:
    path = write(
        tmp_path / "bad.csv",
        'Voornaam,E-mail\n"Jan" de Vries,jan@example.com\nPiet,piet@example.com\n',
    )
    report = _import(kluis, path)
    assert (report.counts.created, report.counts.rejected) == (1, 1)
    assert (report.rejects[0].line, report.rejects[0].code) == (2, "csv_bad_quote")


def test_the_records_are_numbered_by_their_first_physical_line() -> None:
    lines = 'a,b\r\n"1\r\n2",x\r\n\r\n"y"z,3\r\nlast,"open\r\nrest\r\n'.splitlines(keepends=True)
    got = [
        (item.line, item.code) if not isinstance(item, tuple) else item
        for item in csv_records(lines, ",")
    ]
    assert got == [
        (1, ["a", "b"]),
        (2, ["1\r\n2", "x"]),
        (4, []),
        (5, "csv_bad_quote"),
        (6, "csv_unterminated_quote"),
    ]


CARD = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nEMAIL:{email}\r\nEND:VCARD\r\n"


def _card(name: str, *, end: bool = True) -> str:
    text = CARD.format(name=name, email=f"{name.lower()}@example.com")
    return text if end else text.replace("END:VCARD\r\n", "")


def test_a_card_without_end_and_a_card_inside_a_card(kluis: Kluis, tmp_path: Path) -> None:
    path = write(
        tmp_path / "cards.vcf",
        _card("Anna", end=False)  # line 1; ends at the next BEGIN
        + _card("Bert")  # line 5
        + "BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Cor\r\nAGENT:\r\n"  # line 10, a card inside a card
        + _card("Dirk")  # line 14: read as a card of its own
        + "EMAIL:cor@example.com\r\nEND:VCARD\r\n"  # line 19: outside any card now
        + "\r\n"
        + _card("Eva", end=False),  # line 22; the file ends first
    )
    report = _import(kluis, path)
    assert (report.counts.created, report.counts.rejected) == (2, 4)
    assert [(r.line, r.code) for r in report.rejects] == [
        (1, "unterminated_card"),
        (10, "unterminated_card"),
        (19, "outside_card"),
        (22, "unterminated_card"),
    ]
    assert "line 5" in report.rejects[0].reason
    assert _accounted(report) == 6  # six BEGIN:VCARD lines, one run of lines outside a card


@pytest.mark.parametrize("dry_run", [False, True], ids=["import", "dry-run"])
def test_blank_records_are_counted_apart(kluis: Kluis, tmp_path: Path, dry_run: bool) -> None:
    path = write(
        tmp_path / "blank.csv",
        "Voornaam,E-mail\n\nAnna,anna@example.com\n , \n,\nBert,bert@example.com\n",
    )
    report = _import(kluis, path, dry_run=dry_run)
    assert (report.position, report.counts.blank, _accounted(report)) == (5, 3, 2)
    assert report.as_dict()["records"] == 2


def test_a_header_that_cannot_be_read_is_refused(kluis: Kluis, tmp_path: Path) -> None:
    path = write(tmp_path / "kop.csv", 'Voornaam,"E-mail\nAnna,anna@example.com\n')
    with pytest.raises(ImportRefused) as caught:
        _import(kluis, path)
    assert "header line cannot be read" in caught.value.detail
    assert "unterminated quote" in caught.value.detail


def test_a_quote_closed_in_the_wrong_place_does_not_make_two_rows_one_name(
    kluis: Kluis, tmp_path: Path
) -> None:
    """A stray quote closed by another at the end of a later line is valid CSV: one cell over
    two lines. A name, address or phone number never holds a line break, so the record is
    rejected (the rows it joined are named) instead of becoming one person called both."""
    path = write(
        tmp_path / "scheef.csv",
        'Voornaam,E-mail\n"Jan,jan@example.com\nPiet,piet@example.com"\nAnna,anna@example.com\n',
    )
    report = _import(kluis, path)
    assert (report.counts.created, report.counts.rejected) == (1, 1)
    (reject,) = report.rejects
    assert (reject.line, reject.column, reject.code) == (2, "Voornaam", "line_break")
    assert _people(kluis) == 1
