"""Records not imported as they stood: where, which column, why, and a stable code of why.

The codes are stable (docs/import.md lists them), each with a message for people. Neither ever
holds a value of the file nor the id of a person matched: a reason that echoed the value would
copy personal data into reports and logs.
"""

from __future__ import annotations

from dataclasses import dataclass

INVALID_VALUE = "invalid_value"
TOO_MANY_CELLS = "too_many_cells"
NO_PERSONAL_FIELD = "no_personal_field"
LINE_BREAK = "line_break"
CSV_CELL_TOO_LONG = "csv_cell_too_long"
CSV_UNTERMINATED_QUOTE = "csv_unterminated_quote"
CSV_BAD_QUOTE = "csv_bad_quote"
UNREADABLE_CARD = "unreadable_card"
UNTERMINATED_CARD = "unterminated_card"
OUTSIDE_CARD = "outside_card"
SUPPRESSED = "suppressed"
OBJECTED = "objected"
AMBIGUOUS = "ambiguous"
HELD_FOR_OTHER_PURPOSES = "held_for_other_purposes"
RESTRICTED = "restricted"
DUPLICATE = "duplicate"
GONE = "gone"


@dataclass(frozen=True)
class LineNote:
    """A record that was not imported as it stood: where (its first physical line; a card's
    ``BEGIN:VCARD`` line), the column concerned (or ""), why, and the stable code of why."""

    line: int
    column: str
    reason: str
    code: str = ""
    """Empty only in jobs recorded before codes existed."""


@dataclass(frozen=True)
class Reject(LineNote):
    """A record not imported at all (counted as rejected)."""


@dataclass(frozen=True)
class Skip(LineNote):
    """A record that matched a person held already and left them as they were."""
