"""The scanner finds the planted person in each kind of old file, and nobody else."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from discover_files import (
    DECOYS,
    PERSON,
    PLANTED,
    Someone,
    csv_bytes,
    mbox_bytes,
    message_bytes,
    pdf_bytes,
    vcard_bytes,
    xlsx_bytes,
    zip_bytes,
)
from kluis.discover import rules, scan


def _searched(name: str, content: bytes) -> list[scan.Searched]:
    return list(scan.scan_stream(name, io.BytesIO(content), rules.matcher(PERSON)))


def _hits(name: str, content: bytes) -> set[tuple[str, str, str]]:
    return {(h.file, h.place, h.kind) for s in _searched(name, content) for h in s.hits}


def test_a_csv_with_semicolons_names_the_line_and_each_identifier() -> None:
    hits = _hits("old.csv", csv_bytes([*DECOYS[:2], PLANTED, *DECOYS[2:]]))
    assert hits == {("old.csv", "line 4", kind) for kind in ("email", "phone", "name")}


@pytest.mark.parametrize("delimiter", [",", "\t", "|"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_any_delimiter_and_common_encoding(delimiter: str, encoding: str) -> None:
    accented = Someone("Marieke", "van Dâm", "MARIEKE.VANDAM@EXAMPLE.COM", "0031 623 456 789")
    content = csv_bytes([*DECOYS, accented], delimiter, encoding)
    assert _hits("x.csv", content) == {("x.csv", "line 6", k) for k in ("email", "phone", "name")}


@pytest.mark.parametrize(
    "notation",
    ["+31 6 2345 6789", "06-23456789", "0031623456789", "(06) 23 45 67 89", "+31 (0)6 2345.6789"],
)
def test_every_common_phone_notation(notation: str) -> None:
    content = f"note;call {notation} after five\n".encode()
    assert _hits("n.txt", content) == {("n.txt", "line 1", "phone")}


def test_an_xlsx_names_the_sheet_and_cell_on_the_second_sheet() -> None:
    content = xlsx_bytes({"2019": DECOYS, "2020": [DECOYS[0], PLANTED]})
    assert _hits("k.xlsx", content) == {
        ("k.xlsx", "sheet 2020, cell A3", "name"),
        ("k.xlsx", "sheet 2020, cell B3", "email"),
        ("k.xlsx", "sheet 2020, cell C3", "phone"),
    }


def test_an_mbox_names_the_message_id() -> None:
    content = mbox_bytes([DECOYS[0], DECOYS[1], PLANTED, DECOYS[2]])
    assert _hits("mail.mbox", content) == {
        ("mail.mbox", "message <order-3@example.com>", kind) for kind in ("email", "phone", "name")
    }


def test_an_eml_and_a_vcard() -> None:
    assert {h[2] for h in _hits("m.eml", message_bytes(PLANTED, 9))} == {"email", "phone", "name"}
    assert _hits("m.eml", message_bytes(DECOYS[0], 9)) == set()
    hits = _hits("book.vcf", vcard_bytes([DECOYS[0], PLANTED]))
    assert hits == {("book.vcf", "card 2 (line 8)", k) for k in ("email", "phone", "name")}


def test_a_pdf_names_the_page() -> None:
    content = pdf_bytes(
        [
            [f"{d.given} {d.family}, {d.email}, {d.phone}" for d in DECOYS],
            ["Factuur 2017-031", "Van Dam, Marieke", "Tel. 06 2345 6789"],
        ]
    )
    assert _hits("f.pdf", content) == {("f.pdf", "page 2", "name"), ("f.pdf", "page 2", "phone")}


def test_a_zip_of_all_of_them_and_a_zip_inside_it() -> None:
    inner = zip_bytes({"mail.mbox": mbox_bytes([PLANTED])})
    content = zip_bytes(
        {
            "a.csv": csv_bytes([*DECOYS, PLANTED]),
            "b.xlsx": xlsx_bytes({"one": DECOYS, "two": [PLANTED]}),
            "c.pdf": pdf_bytes([["Marieke van Dam"]]),
            "decoys.csv": csv_bytes(DECOYS),
            "old/inner.zip": inner,
        }
    )
    searched = _searched("backup.zip", content)
    assert [s.name for s in searched] == [
        "backup.zip!a.csv",
        "backup.zip!b.xlsx",
        "backup.zip!c.pdf",
        "backup.zip!decoys.csv",
        "backup.zip!old/inner.zip!mail.mbox",
    ]
    found = {s.name: {h.kind for h in s.hits} for s in searched}
    assert found == {
        "backup.zip!a.csv": {"email", "phone", "name"},
        "backup.zip!b.xlsx": {"email", "phone", "name"},
        "backup.zip!c.pdf": {"name"},
        "backup.zip!decoys.csv": set(),
        "backup.zip!old/inner.zip!mail.mbox": {"email", "phone", "name"},
    }


def test_a_damaged_file_is_reported_and_the_scan_goes_on(tmp_path: Path) -> None:
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "good.csv").write_bytes(csv_bytes([PLANTED]))
    searched = list(scan.scan_paths([tmp_path], rules.matcher(PERSON)))
    assert [(Path(s.name).name, s.error is not None, len(s.hits)) for s in searched] == [
        ("bad.xlsx", True, 0),
        ("good.csv", False, 3),
    ]


def test_a_line_across_chunks_and_a_last_line_without_newline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(scan, "CHUNK", 64)
    content = csv_bytes([*DECOYS, *DECOYS, PLANTED]) + b"tail;Marieke van Dam"
    hits = _hits("c.csv", content)
    assert ("c.csv", "line 10", "email") in hits
    assert ("c.csv", "line 11", "name") in hits


def test_no_hit_or_summary_carries_a_value() -> None:
    searched = _searched("old.csv", csv_bytes([PLANTED]))
    text = (repr(searched) + repr(PERSON) + repr(rules.matcher(PERSON).judge(["x"]))).lower()
    assert len(searched[0].hits) == 3
    for value in ("marieke", "vandam", "van dam", "23456789"):
        assert value not in text
