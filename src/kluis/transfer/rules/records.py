"""Reading a CSV text into records, each with the physical line it starts on, strictly (RFC
4180): a record that cannot be read is a ``Reject``, so every record is accounted for."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from kluis.transfer.rules.notes import (
    CSV_BAD_QUOTE,
    CSV_CELL_TOO_LONG,
    CSV_UNTERMINATED_QUOTE,
    Reject,
)


def sniff_delimiter(header_line: str) -> str:
    """``;`` (Dutch Excel) or ``,`` (or a tab), whichever the header line holds most of."""
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


QUOTE = '"'


class _Lines:
    """The physical lines of a CSV text, numbered, with the quote characters the current record
    has had so far: an odd count means a quoted cell is open (RFC 4180 doubles a quote inside a
    quoted cell), which is how a record that cannot be read is skipped to where its cell ends,
    and how the line an unclosed quote opened on is found."""

    __slots__ = ("_lines", "number", "opened", "quotes")

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.number = 0
        self.quotes = 0
        self.opened = 0
        """The line on which the quote count of the record last turned odd."""

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.number += 1
        count = line.count(QUOTE)
        if count:
            if count % 2 and not self.quotes % 2:
                self.opened = self.number
            self.quotes += count
        return line


def csv_records(lines: Iterable[str], delimiter: str) -> Iterator[tuple[int, list[str]] | Reject]:
    """Records of a CSV text with the physical line each starts on (a quoted cell may span
    lines; a line ends at LF, CRLF or a lone CR), or a ``Reject`` for a record that cannot be
    read, so that every record is accounted for and none runs into the next unnoticed.

    The reader is strict about quotes (RFC 4180 section 2): a quote left open at the end of the
    file, or text after a closing quote, is a rejected record rather than a guess that makes
    two rows one cell. A cell longer than the reader's limit (``csv.field_size_limit``, 128 KiB:
    four times what a spreadsheet cell holds, and far past any field) is rejected too, and
    reading goes on after the cell, so memory stays bounded whatever the file holds.
    """
    source = _Lines(lines)
    reader = csv.reader(source, delimiter=delimiter, strict=True)
    while True:
        start = source.number + 1
        source.quotes = 0
        source.opened = start
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield _unreadable(source, start, str(exc))
            continue
        yield start, record


def _unreadable(source: _Lines, start: int, error: str) -> Reject:
    """The reject for the record from ``start`` that the CSV reader refused with ``error``."""
    if error.startswith("field larger than field limit"):
        while source.quotes % 2:  # inside a quoted cell: skip to where it ends
            try:
                next(source)
            except StopIteration:
                return _unterminated(source, start)
        return Reject(
            start,
            "",
            f"a cell is longer than {csv.field_size_limit():,} characters "
            f"({_lines(start, source.number)}); no spreadsheet cell is that long: is a quote "
            "missing, or a column that should be left out?",
            CSV_CELL_TOO_LONG,
        )
    if error == "unexpected end of data":
        return _unterminated(source, start)
    return Reject(
        start,
        "",
        f"a quoted cell is followed by more text before the next delimiter "
        f"({_lines(start, source.number)}); put the whole cell in quotes and double each quote "
        "inside it",
        CSV_BAD_QUOTE,
    )


def _unterminated(source: _Lines, start: int) -> Reject:
    return Reject(
        start,
        "",
        f"unterminated quote starting at line {source.opened}: the cell runs to the end of the "
        f"file (line {source.number}), so no row after it was read; close the quote",
        CSV_UNTERMINATED_QUOTE,
    )


def _lines(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first} to {last}"
