"""Validating one row of a file, by its plan, into what is stored or why it is rejected.

Values are normalised by ``contacts.rules.normalise`` (the one validator of personal fields);
this module only reads the cells the plan names, in the forms spreadsheets write them (Dutch
dates, ``klant``, ``ja``), and words a rejection without repeating the value.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from kluis.contacts import custom_rules
from kluis.contacts import rules as contact_rules
from kluis.contacts.custom_rules import CustomField, CustomKind
from kluis.contacts.fields import FieldKind, PersonalField
from kluis.errors import InvalidField
from kluis.transfer.rules import reasons
from kluis.transfer.rules.columns import Plan
from kluis.transfer.rules.notes import (
    INVALID_VALUE,
    LINE_BREAK,
    NO_PERSONAL_FIELD,
    TOO_MANY_CELLS,
    Reject,
)

YES = frozenset({"ja", "j", "yes", "y", "true", "waar", "1", "x", "✓", "✔"})


NO = frozenset({"nee", "n", "no", "false", "onwaar", "0", ""})


_RELATIONSHIP_WORDS = {
    "customer": "customer",
    "klant": "customer",
    "prospect": "prospect",
    "lead": "prospect",
    "other": "other",
    "overig": "other",
    "contact": "other",
}


_LANGUAGE_WORDS = {
    "nl": "nl",
    "nederlands": "nl",
    "dutch": "nl",
    "en": "en",
    "engels": "en",
    "english": "en",
}


_ONE_LINE = frozenset({FieldKind.TEXT, FieldKind.EMAIL, FieldKind.PHONE, FieldKind.DATE})
"""Kinds of field whose value is one line: a line break in their cell is a sign of a quote in
the wrong place, not something to fold into a space (the normaliser would)."""


_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


@dataclass
class Row:
    """A valid row: normalised values and what the file says about the person."""

    line: int
    stored: dict[str, str]
    relationship: str
    language: str
    consent: bool
    index: list[tuple[str, bytes]] = field(default_factory=list)
    """(field, digest) of the blind index (``contacts.writer.index_entries``); this and all
    below are made where the row is prepared (``transfer.worker``), after validation."""
    digests: dict[str, bytes] = field(default_factory=dict)
    """Blind-index digest of the e-mail address and phone number, for duplicates."""
    index_keys: bytes | None = None
    """``index`` as the person's row lists it (``contacts.index_keys.pack``), packed here so
    the importing process does not."""
    person_id: str = ""
    """The id the person gets if the row creates one; with ``wrapped_key`` and ``sealed``."""
    wrapped_key: bytes = b""
    sealed: dict[str, bytes] = field(default_factory=dict)
    """``stored`` sealed under the new person's key, field by field."""
    cells: list[str] = field(default_factory=list)
    """The record as read, kept only when rejects are written (a later check may reject it)."""
    custom: dict[str, str] = field(default_factory=dict)
    """Normalised custom values by name (``custom.<key>``, ``custom_rules.normalise``)."""
    custom_sealed: dict[str, tuple[bytes, bytes | None]] = field(default_factory=dict)
    """``custom`` sealed under the new person's key, with the blind-index digest of a
    searchable field (made where the row is prepared, as ``sealed``)."""

    def __reduce__(self) -> tuple[type[Row], tuple[Any, ...]]:
        """Pickled as its values in field order: the import's worker sends thousands of rows a
        batch, and a pickled instance dictionary costs about a third more to make and read."""
        return (Row, _ROW_VALUES(self))


_ROW_VALUES = operator.attrgetter(*(f.name for f in fields(Row)))


_KIND_REASONS = {
    FieldKind.EMAIL: reasons.REASONS[reasons.EMAIL].text(),
    FieldKind.PHONE: reasons.REASONS[reasons.PHONE].text(),
    FieldKind.DATE: reasons.REASONS[reasons.DATE].text(),
}


def reason_for(declared: PersonalField, error: InvalidField) -> str:
    """Why a value was refused, without the value (or any part of it)."""
    detail = error.detail
    if "characters long" in detail:
        return reasons.REASONS[reasons.TOO_LONG].text(most=declared.max_length)
    if "control characters" in detail:
        return reasons.REASONS[reasons.CONTROL].text()
    return _KIND_REASONS.get(declared.kind) or reasons.REASONS[reasons.INVALID].text()


def custom_reason(declared: CustomField, error: InvalidField) -> str:
    """Why a custom value was refused and how to write it, without the value:
    ``custom_rules.normalise`` names the field and the form wanted, never the value."""
    detail = error.detail
    return detail[len(declared.name) :].strip() if detail.startswith(declared.name) else detail


def _custom_values(
    layout_custom: Sequence[tuple[CustomField, int, str]], cells: Sequence[str], line: int
) -> dict[str, str] | Reject:
    """The custom values of a record, normalised; or the first one refused."""
    found: dict[str, str] = {}
    width = len(cells)
    for declared, index, header in layout_custom:
        value = cells[index] if index < width else ""
        if not value.strip():
            continue
        if declared.kind is CustomKind.DATE:
            value = _date_text(value)
        try:
            stored = custom_rules.normalise(declared, value)
        except InvalidField as exc:
            return Reject(line, header, custom_reason(declared, exc), INVALID_VALUE)
        if stored is not None:
            found[declared.name] = stored
    return found


def _date_text(value: str) -> str:
    """Dutch spreadsheets write 31-12-1980; the validator wants ISO 8601."""
    match = _DUTCH_DATE.match(value.strip())
    if match is None:
        return value
    day, month, year = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def validate_row(
    plan: Plan,
    line: int,
    cells: Sequence[str],
    *,
    relationship: str,
    language: str,
    ctx: contact_rules.NormaliseContext,
    declared_consent: bool,
) -> Row | Reject | None:
    """One record as a ``Row`` to store, a ``Reject`` saying why not, or None for a blank line."""
    width = len(cells)
    if width > plan.width and any(c.strip() for c in cells[plan.width :]):
        return Reject(
            line, "", f"{width} cells, but the header names {plan.width} columns", TOO_MANY_CELLS
        )
    if not any(c.strip() for c in cells):
        return None
    layout = plan.layout

    def cell(index: int) -> str:
        """The cell's value, or "" when it is blank or missing."""
        value = cells[index] if index < width else ""
        return value if value.strip() else ""

    prefix = cell(layout.prefix[0]) if layout.prefix is not None else ""
    stored: dict[str, str] = {}
    for n, (declared, index, header) in enumerate(layout.fields):
        value = cells[index] if index < width else ""
        if not value.strip():
            continue
        if declared.kind in _ONE_LINE and ("\n" in value or "\r" in value):
            return Reject(
                line,
                header,
                "holds a line break, which this field cannot: a quote in the wrong place may "
                "have joined rows into one cell (the record starts here and runs over several "
                "lines)",
                LINE_BREAK,
            )
        if prefix and n == layout.family:
            value = f"{prefix.strip()} {value.strip()}"
        if declared.kind is FieldKind.DATE:
            value = _date_text(value)
        try:
            stored[declared.name] = contact_rules.normalise(declared, value, ctx)
        except InvalidField as exc:
            return Reject(line, header, reason_for(declared, exc), INVALID_VALUE)
    custom: dict[str, str] = {}
    if layout.custom:
        found = _custom_values(layout.custom, cells, line)
        if isinstance(found, Reject):
            return found
        custom = found
    if not stored and not custom:
        return Reject(line, "", "no personal field has a value", NO_PERSONAL_FIELD)
    person_relationship = relationship
    if layout.relationship is not None and (value := cell(layout.relationship[0])):
        found_word = _RELATIONSHIP_WORDS.get(contact_rules.fold(value.strip()))
        if found_word is None:
            return Reject(
                line,
                layout.relationship[1],
                reasons.REASONS[reasons.RELATIONSHIP].text(),
                INVALID_VALUE,
            )
        person_relationship = found_word
    person_language = language
    if layout.language is not None and (value := cell(layout.language[0])):
        found_language = _LANGUAGE_WORDS.get(contact_rules.fold(value.strip()))
        if found_language is None:
            return Reject(
                line, layout.language[1], reasons.REASONS[reasons.LANGUAGE].text(), INVALID_VALUE
            )
        person_language = found_language
    consent = declared_consent
    if layout.consent is not None:
        value = cell(layout.consent[0])
        header = layout.consent[1] if value else ""
        word = contact_rules.fold(value.strip())
        if word in YES:
            consent = declared_consent
        elif word in NO:
            consent = False
        else:
            return Reject(line, header, reasons.REASONS[reasons.YES_NO].text(), INVALID_VALUE)
    return Row(line, stored, person_relationship, person_language, consent, custom=custom)
