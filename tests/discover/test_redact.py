"""``--redact``: a copy of each CSV, XLSX, vCard and mbox without the person, the original
untouched; files that cannot be rewritten are left alone."""

from __future__ import annotations

import io
from pathlib import Path

from discover_files import (
    DECOYS,
    PERSON,
    PLANTED,
    csv_bytes,
    mbox_bytes,
    pdf_bytes,
    vcard_bytes,
    xlsx_bytes,
)
from kluis.discover import readers, redact, rules, scan

M = rules.matcher(PERSON)


def _made(tmp_path: Path, name: str, content: bytes) -> tuple[redact.Redacted, bytes]:
    source = tmp_path / name
    source.write_bytes(content)
    made = redact.redact(source, M)
    assert made is not None
    assert source.read_bytes() == content
    assert Path(made.copy).parent == tmp_path
    return made, Path(made.copy).read_bytes()


def _names(content: bytes, name: str) -> set[str]:
    return {s.name for s in scan.scan_stream(name, io.BytesIO(content), M) if s.hits}


def test_xlsx_keeps_every_sheet_and_everyone_else(tmp_path: Path) -> None:
    made, copy = _made(tmp_path, "k.xlsx", xlsx_bytes({"a": DECOYS, "b": [PLANTED, DECOYS[0]]}))
    assert made.removed == 1
    assert made.copy.endswith("k.redacted.xlsx")
    rows = [(s, cells[0]) for s, _, cells in readers.xlsx_rows(io.BytesIO(copy))]
    assert rows == [
        ("a", "name"),
        *(("a", f"{d.given} {d.family}") for d in DECOYS),
        ("b", "name"),
        ("b", f"{DECOYS[0].given} {DECOYS[0].family}"),
    ]
    assert _names(copy, "k.xlsx") == set()


def test_vcard_and_mbox_lose_whole_cards_and_messages(tmp_path: Path) -> None:
    made, copy = _made(tmp_path, "book.vcf", vcard_bytes([DECOYS[0], PLANTED, DECOYS[1]]))
    assert made.removed == 1
    assert copy == vcard_bytes([DECOYS[0], DECOYS[1]])
    made, copy = _made(tmp_path, "mail.mbox", mbox_bytes([PLANTED, DECOYS[2], PLANTED]))
    assert made.removed == 2
    assert copy.count(b"\nFrom: ") + copy.startswith(b"From: ") == 1
    assert _names(copy, "mail.mbox") == set()
    assert b"order-2@example.com" in copy


def test_a_quoted_field_over_two_lines_is_one_record(tmp_path: Path) -> None:
    content = b'id,note\r\n1,"first line\r\nMarieke van Dam"\r\n2,"kept\r\nline"\r\n'
    made, copy = _made(tmp_path, "notes.csv", content)
    assert made.removed == 1
    assert copy == b'id,note\r\n2,"kept\r\nline"\r\n'


def test_a_second_copy_gets_its_own_name_and_a_pdf_is_left_alone(tmp_path: Path) -> None:
    first, _ = _made(tmp_path, "old.csv", csv_bytes([PLANTED]))
    second, _ = _made(tmp_path, "old.csv", csv_bytes([PLANTED]))
    assert (Path(first.copy).name, Path(second.copy).name) == (
        "old.redacted.csv",
        "old.redacted-2.csv",
    )
    pdf = tmp_path / "f.pdf"
    pdf.write_bytes(pdf_bytes([["Marieke van Dam"]]))
    assert redact.redact(pdf, M) is None
