"""Records not imported as they stood: where, which column, why, and a stable code of why.

The codes are stable (docs/import.md lists them), each with a message for people. Neither ever
holds a value of the file nor the id of a person matched: a reason that echoed the value would
copy personal data into reports and logs.
"""

from __future__ import annotations

from dataclasses import dataclass

from kluis.locale import N_

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

SAID = {
    INVALID_VALUE: N_("The value is not valid for its column."),
    TOO_MANY_CELLS: N_("The line has more cells than the header has columns."),
    NO_PERSONAL_FIELD: N_("No personal field has a value."),
    LINE_BREAK: N_("A line break in a one-line field: a quote in the wrong place joined lines."),
    CSV_CELL_TOO_LONG: N_("A cell is longer than any spreadsheet cell: is a quote missing?"),
    CSV_UNTERMINATED_QUOTE: N_("A quote is not closed, so the rest of the file was not read."),
    CSV_BAD_QUOTE: N_("A quoted cell is followed by more text; put the whole cell in quotes."),
    UNREADABLE_CARD: N_("The vCard cannot be read."),
    UNTERMINATED_CARD: N_("The vCard does not end (END:VCARD is missing)."),
    OUTSIDE_CARD: N_("Text outside any vCard was not read."),
    SUPPRESSED: N_("On the suppression list, and marketing was the only purpose."),
    OBJECTED: N_("Matches a person who objected to direct marketing."),
    AMBIGUOUS: N_("Its e-mail address and phone number point at different people."),
    HELD_FOR_OTHER_PURPOSES: N_("Matches a person held under a purpose your role does not hold."),
    RESTRICTED: N_("Matches a person whose processing is restricted (Art. 18)."),
    DUPLICATE: N_("Matches a person held already; left as they are."),
    GONE: N_("The person it matches was erased during the import."),
}
"""What each code means, in a sentence staff pages translate; ``reason`` (English, with the
column or line concerned) stays the API's, the CLI's and the rejects file's."""

STOPPED = N_("The import stopped on an unexpected error (%(kind)s); the server's log has the rest.")
"""A job's failure that was no refusal (``error`` holds the exception's class name)."""


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
