"""Fuzzing the CSV and vCard readers with the accounting invariant: whatever a file holds (broken
and unclosed quotes, cells past the reader's limit, cards without ``END:VCARD``, cards inside
cards, stray lines, blank lines, a BOM, CRLF or LF), every record read is created, merged, skipped
or rejected exactly once, every reject names a line and a reason, and the dry run predicts the
import exactly.

The number of records a file holds is worked out here from how the file was built, not by the
reader under test: a CSV row written by ``csv.writer`` is one record unless all its cells are
blank; a row with a cell past the limit, or a quoted cell followed by text, is one; a quote
never closed makes one record of everything after it. For vCard, each ``BEGIN:VCARD`` line and
each run of non-blank lines outside a card is one (``docs/import.md``). The PostgreSQL run tries
fewer files: the reading is the same, only the writing differs."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, given
from hypothesis import settings as fuzz_settings
from hypothesis import strategies as st

from conftest import ADMIN, NOW, examples
from kluis.runtime import Kluis
from kluis.transfer import pipeline
from kluis.transfer.job import KEPT_REJECTS, ImportOptions, ImportReport
from kluis.transfer.rules.matching import Duplicates

LIMIT = csv.field_size_limit()
UNIQUE = itertools.count()
"""Each file gets a row of its own, so no two files are the same import (a finished import run
again reports what it did then, which the dry run of the same file could not predict)."""

EMAILS = [f"p{n}@example.com" for n in range(4)]
PHONES = [f"+31 6 {40000000 + n}" for n in range(4)]
JUNK = "ab Zé€,;\"'\t\r\n\x00@.:-"

cell = st.one_of(
    st.just(""),
    st.sampled_from(EMAILS),
    st.sampled_from(PHONES),
    st.sampled_from(["Anna", "van der Berg", " ", "06-nope", "niet@", "1980-01-01"]),
    st.text(alphabet=JUNK, max_size=12),
)


@dataclass(frozen=True)
class Piece:
    text: str
    records: int


def _csv_row(cells: list[str], end: str) -> Piece:
    out = io.StringIO()
    # a lone CR ends a line too (docs/import.md); csv.writer quotes it only when the line
    # terminator holds one
    quoting = csv.QUOTE_ALL if any("\r" in c for c in cells) else csv.QUOTE_MINIMAL
    csv.writer(out, lineterminator=end, quoting=quoting).writerow(cells)
    return Piece(out.getvalue(), 0 if all(not c.strip() for c in cells) else 1)


@st.composite
def csv_piece(draw: st.DrawFn, end: str) -> Piece:
    kinds = ["row", "row", "row", "wide", "blank", "long", "bad-quote", "joined"]
    kind = draw(st.sampled_from(kinds))
    if kind == "row":
        return _csv_row(draw(st.lists(cell, min_size=1, max_size=4)), end)
    if kind == "wide":  # more cells than the header names
        return _csv_row([*draw(st.lists(cell, min_size=4, max_size=4)), "extra"], end)
    if kind == "blank":
        return Piece(end, 0)
    if kind == "long":
        long = "x" * (LIMIT + draw(st.integers(1, 50)))
        quoted = draw(st.booleans())
        return Piece(f"Lang,{f'{chr(34)}{long}{chr(34)}' if quoted else long},,{end}", 1)
    if kind == "joined":  # a quote closed at the end of the next line: one record of two rows
        first, second = draw(st.sampled_from(EMAILS)), draw(st.sampled_from(EMAILS))
        return Piece(f'"Jan,{first}{end}Piet,{second}"{end}', 1)
    return Piece(f'"Jan" de Vries,{draw(st.sampled_from(EMAILS))}{end}', 1)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[str, int]:
    end = draw(st.sampled_from(["\n", "\r\n"]))
    n = next(UNIQUE)
    pieces = [Piece(f"Voornaam,E-mail,Telefoon,Notities{end}", 0)]
    pieces.append(Piece(f"Uniek,u{n}@example.com,,{end}", 1))
    pieces += draw(st.lists(csv_piece(end), max_size=12))
    if draw(st.booleans()):  # a quote never closed: the rest of the file is one record
        plain = st.text(alphabet="abc ,;@.", max_size=10)
        after = draw(st.lists(plain, max_size=3))
        pieces.append(
            Piece(f'{draw(plain)},"{draw(plain)}{end}' + "".join(a + end for a in after), 1)
        )
    text = "".join(p.text for p in pieces)
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text, sum(p.records for p in pieces)


CARD_LINES = st.sampled_from(
    [
        "VERSION:3.0",
        "FN:Anna de Vries",
        "N:Vries;Anna;;;",
        *(f"EMAIL:{e}" for e in EMAILS),
        *(f"TEL:{p}" for p in PHONES),
        "EMAIL:geen-adres",
        "NOTE:los",
        "gebroken regel zonder dubbelepunt",
        "",
    ]
)


@st.composite
def vcard_lines(draw: st.DrawFn) -> list[str]:
    kind = draw(st.sampled_from(["card", "card", "no-end", "nested", "blank", "stray"]))
    body = draw(st.lists(CARD_LINES, max_size=4))
    if kind == "card":
        return ["BEGIN:VCARD", *body, "END:VCARD"]
    if kind == "no-end":
        return ["BEGIN:VCARD", *body]
    if kind == "nested":
        inner = ["BEGIN:VCARD", "VERSION:2.1", *draw(st.lists(CARD_LINES, max_size=2)), "END:VCARD"]
        return ["BEGIN:VCARD", "VERSION:2.1", "FN:Buiten", "AGENT:", *inner, *body, "END:VCARD"]
    if kind == "blank":
        return [""]
    return draw(st.lists(st.sampled_from(["END:VCARD", "NOTE:los", "FN:Zwerver", ""]), max_size=3))


def vcard_records(lines: list[str]) -> int:
    """Records by the definition in docs/import.md: each BEGIN:VCARD line, and each run of
    non-blank lines outside a card (ended by a blank line or a BEGIN:VCARD)."""
    count, inside, outside = 0, False, False
    for line in lines:
        word = line.strip().upper()
        if word == "BEGIN:VCARD":
            count, inside, outside = count + 1, True, False
        elif inside:
            inside = word != "END:VCARD"
        elif word and not outside:
            count, outside = count + 1, True
        elif not word:
            outside = False
    return count


@st.composite
def vcard_files(draw: st.DrawFn) -> tuple[str, int]:
    n = next(UNIQUE)
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:Uniek {n}", f"EMAIL:u{n}@example.com", "END:VCARD"]
    for piece in draw(st.lists(vcard_lines(), max_size=8)):
        lines += piece
    end = draw(st.sampled_from(["\n", "\r\n"]))
    text = end.join(lines) + (end if draw(st.booleans()) else "")
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text, vcard_records(lines)


def _check(report: ImportReport, expected: int, text: str) -> None:
    c = report.counts
    assert c.created + c.merged + c.skipped + c.rejected == expected, (text, report.rejects)
    assert report.records == expected
    assert report.position == expected + c.blank
    assert len(report.rejects) == min(c.rejected, KEPT_REJECTS)
    assert len(report.skips) == min(c.skipped, KEPT_REJECTS)
    for note in [*report.rejects, *report.skips]:
        assert note.line >= 1
        assert note.code
        assert note.reason


def _fuzz(
    kluis: Kluis,
    tmp_path: Path,
    backend: str,
    files: st.SearchStrategy[tuple[str, int]],
    suffix: str,
) -> Callable[[], None]:
    @fuzz_settings(
        max_examples=examples(40) if backend == "sqlite" else examples(8),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(file=files, duplicates=st.sampled_from(Duplicates), batch=st.sampled_from([3, 5000]))
    def run(file: tuple[str, int], duplicates: Duplicates, batch: int) -> None:
        text, expected = file
        path = tmp_path / f"fuzz{suffix}"
        path.write_bytes(text.encode("utf-8"))
        options = ImportOptions(purposes=("customer_service",), duplicates=duplicates)

        def go(dry_run: bool) -> ImportReport:
            return pipeline.run_import(
                kluis, ADMIN, path, options, NOW, dry_run=dry_run, batch_size=batch, workers=0
            )

        dry = go(True)
        real = go(False)
        _check(real, expected, text)
        assert vars(dry.counts) == vars(real.counts)
        assert dry.rejects == real.rejects
        assert dry.skips == real.skips

    return run


def test_fuzz_csv_accounts_for_every_record(kluis: Kluis, tmp_path: Path, backend: str) -> None:
    _fuzz(kluis, tmp_path, backend, csv_files(), ".csv")()


def test_fuzz_vcard_accounts_for_every_record(kluis: Kluis, tmp_path: Path, backend: str) -> None:
    _fuzz(kluis, tmp_path, backend, vcard_files(), ".vcf")()
