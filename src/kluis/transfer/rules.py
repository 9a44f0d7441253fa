"""Pure rules of bulk import and export: reading a spreadsheet's header, the consent-declaration
rule, and validating one row into what is stored or why it is rejected.

Nothing here touches a database. Values are normalised by ``contacts.rules.normalise`` (the one
validator of personal fields); this module only decides which column feeds which field of the
one declaration in ``contacts.fields``, and words a rejection without repeating the value: a
reject reason that echoed the value would copy personal data into reports and logs.

Consent is never inferred from a spreadsheet (GDPR Art. 7(1): the controller must be able to
*demonstrate* consent). A column that looks like consent ("opt-in", "toestemming",
"nieuwsbrief: ja") is refused unless the whole file comes with a declaration of how consent was
given and which notice the people agreed to; the declaration is what the ledger records.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from kluis.contacts import rules as contact_rules
from kluis.contacts.fields import BY_NAME, PERSONAL_FIELDS, FieldKind, PersonalField
from kluis.errors import InvalidField, KluisError

IGNORE = "ignore"
"""``--map COLUMN=ignore`` leaves a column out (data minimisation: it is never read)."""

RELATIONSHIP = "relationship"
LANGUAGE = "language"
FAMILY_PREFIX = "family_name_prefix"
"""The Dutch *tussenvoegsel* (``van der``): kept in front of the family name."""

ATTRIBUTES = (RELATIONSHIP, LANGUAGE, FAMILY_PREFIX)

SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "given_name": ("first name", "firstname", "forename", "roepnaam", "voornamen"),
    "family_name": ("last name", "lastname", "surname", "achternaam", "familienaam"),
    "email": ("email address", "e-mailadres", "emailadres", "mail", "e-mail adres"),
    "phone": (
        "phone number",
        "telephone",
        "tel",
        "mobile",
        "mobiel",
        "telefoonnummer",
        "mobiel nummer",
        "gsm",
    ),
    "birth_date": ("date of birth", "dob", "birthday", "geboortedag", "verjaardag"),
    "address": ("postal address", "address", "adres", "woonadres"),
    "job_title": ("title", "job", "position", "functie", "functietitel"),
    "interests": ("interests", "interesses", "interesse", "tags"),
    "notes": ("notes", "note", "notities", "opmerkingen", "opmerking", "comments"),
    RELATIONSHIP: ("relationship", "relatie", "type", "soort"),
    LANGUAGE: ("language", "taal", "voorkeurstaal"),
    FAMILY_PREFIX: ("tussenvoegsel", "tussenvoegsels", "prefix", "voorvoegsel"),
}
"""Header words besides each field's name and its English and Dutch labels (``PERSONAL_FIELDS``
supplies those). Keys are field names of the declaration or one of ``ATTRIBUTES``."""

CONSENT_WORDS = (
    "optin",
    "consent",
    "toestemming",
    "nieuwsbrief",
    "newsletter",
    "subscribed",
    "subscription",
    "aangemeld",
    "inschrijving",
    "marketing",
    "permission",
    "akkoord",
)
"""A header containing one of these (folded, without spaces or punctuation) speaks about consent."""

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


class ImportRefused(KluisError):
    """The whole file is refused before anything is written (a header or declaration problem)."""

    slug = "import-refused"
    title = "Import refused"
    status = 422


class Duplicates(StrEnum):
    """What to do with a row whose e-mail address or phone number is held already."""

    SKIP = "skip"
    MERGE = "merge"


class Format(StrEnum):
    CSV = "csv"
    VCARD = "vcf"


STALE_AFTER = timedelta(minutes=10)
"""How long a running job may go without progress before it is shown as stalled. A batch (a few
thousand rows, ``--batch-size``) commits in seconds, and each commit advances the job's
``updated_at``; ten minutes without one means the process doing the import is gone (killed,
crashed, a restarted server), not that it is slow."""

STALLED = "stalled"
STALLED_HINT = (
    "no progress for more than {limit}: the import was interrupted; run the same import again "
    "(same file and options) to carry on where it stopped"
)


def _minutes(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


@dataclass(frozen=True)
class JobState:
    """How a job is shown: its status, and what to do about it when that is not obvious."""

    status: str
    hint: str | None = None


def statistics_due(added_since: int, held_then: int) -> bool:
    """Whether PostgreSQL's statistics of the people tables should be refreshed during an
    import. Its planner chooses from them how to look up duplicates: with statistics of an
    empty table it scans the whole blind index for every batch (measured: 980 contacts a second
    instead of 3,900 at 100,000 into a new database, before autovacuum catches up). Refreshed
    when an import has added as many people as were held at the last refresh, the statistics are
    never off by more than half, for about log2(people) refreshes in all."""
    return added_since > 0 and added_since >= held_then


def job_state(
    status: str, updated_at: datetime, now: datetime, stale_after: timedelta = STALE_AFTER
) -> JobState:
    """The status to show for a stored job status at ``now``.

    A process that is killed cannot mark its job failed, so the stored status of its job stays
    ``running``; shown as it is, that promises progress that will never come. A running job
    whose last progress is more than ``stale_after`` ago is shown as ``stalled`` with the way
    out: running the same import again resumes it (the job is found by the file's digest and
    options; ``repository.advance_job`` refuses a second run while the first is in fact still
    writing). Only the display changes: the stored row is left as it is, so a job that was only
    slow carries on undisturbed. A last progress in the future (clocks of two machines) is not
    stale.
    """
    if status == "running" and now - updated_at > stale_after:
        return JobState(STALLED, STALLED_HINT.format(limit=_minutes(stale_after)))
    return JobState(status)


def header_key(text: str) -> str:
    """A header as compared: folded, accents and everything but letters and digits removed."""
    return "".join(ch for ch in contact_rules.fold(text) if ch.isalnum())


def _known_headers() -> dict[str, str]:
    known: dict[str, str] = {}
    for declared in PERSONAL_FIELDS:
        for word in (declared.name, declared.label_en, declared.label_nl):
            known.setdefault(header_key(word), declared.name)
    for target, words in SYNONYMS.items():
        for word in words:
            known.setdefault(header_key(word), target)
    return known


KNOWN_HEADERS = _known_headers()


def is_consent_header(text: str) -> bool:
    key = header_key(text)
    return any(word in key for word in CONSENT_WORDS)


@dataclass(frozen=True)
class ConsentDeclaration:
    """How the people in a file gave consent: the same for every row (paper forms one holds)."""

    topic: str
    channel: str
    method: str
    notice_id: int


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    target: str
    """A field name, one of ``ATTRIBUTES``, ``consent`` or ``ignore``."""


@dataclass(frozen=True)
class Plan:
    """How each column of a file is read."""

    columns: tuple[Column, ...]
    width: int

    def targets(self) -> set[str]:
        return {c.target for c in self.columns}

    @functools.cached_property
    def layout(self) -> _Layout:
        """What ``validate_row`` reads of this plan, worked out on first use."""
        return _layout(self)


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """``COLUMN=FIELD`` options as a mapping from header key to target."""
    mapping: dict[str, str] = {}
    allowed = {*BY_NAME, *ATTRIBUTES, IGNORE, "consent"}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        target = target.strip()
        if not sep or not column.strip():
            raise InvalidField(f"--map {pair!r} is not COLUMN=FIELD", field="map")
        if target not in allowed:
            raise InvalidField(
                f"--map {pair!r}: {target!r} is not one of {', '.join(sorted(allowed))}",
                field="map",
            )
        mapping[header_key(column)] = target
    return mapping


def plan_columns(
    headers: Sequence[str],
    mapping: Mapping[str, str],
    declaration: ConsentDeclaration | None,
    *,
    may_use: Callable[[PersonalField], bool] | None = None,
) -> Plan:
    """Which column feeds which field. Refuses unknown, doubled and undeclared consent columns
    and, given ``may_use``, columns whose field none of the import's purposes uses (Art.
    5(1)(c)): every problem of the header in one refusal, so one run shows all there is to fix."""
    columns: list[Column] = []
    unknown: list[str] = []
    consent: list[str] = []
    seen: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    """(field, message) of each problem, in the order of the header."""
    for index, raw in enumerate(headers):
        header = raw.strip()
        key = header_key(header)
        if not key:
            if header:
                unknown.append(header)
            continue
        target = mapping.get(key) or KNOWN_HEADERS.get(key)
        if target is None and is_consent_header(header):
            target = "consent"
        if target is None:
            unknown.append(header)
            continue
        if target == "consent":
            consent.append(header)
        if target == IGNORE:
            continue
        if target in seen and target != "consent":
            problems.append(
                (
                    "map",
                    f"columns {seen[target]!r} and {header!r} both hold {target}; leave one out "
                    "with --map COLUMN=ignore",
                )
            )
            continue
        seen[target] = header
        columns.append(Column(index, header, target))
    if unknown:
        problems.insert(
            0,
            (
                "map",
                f"columns not recognised: {', '.join(repr(u) for u in unknown)}; map each to a "
                f"field with --map COLUMN=FIELD (fields: "
                f"{', '.join(f.name for f in PERSONAL_FIELDS)}) or leave it out with "
                "--map COLUMN=ignore (see docs/import.md)",
            ),
        )
    if consent and declaration is None:
        problems.append(
            (
                "consent",
                f"column {consent[0]!r} looks like consent, but consent cannot be taken from a "
                "spreadsheet: it must be demonstrable (GDPR Art. 7(1)). Declare how the people in "
                "this file gave it with --consent-topic, --consent-channel, --consent-method and "
                "--consent-notice (the notice they agreed to), or leave the column out with "
                f"--map {consent[0]}=ignore",
            )
        )
    if len(consent) > 1:
        problems.append(
            (
                "consent",
                f"columns {', '.join(repr(c) for c in consent)} all look like consent; one "
                "declaration covers one channel and topic: keep one and leave the others out "
                "with --map COLUMN=ignore",
            )
        )
    if may_use is not None:
        problems.extend(("map", message) for message in _unused(columns, may_use))
    if not any(c.target in BY_NAME for c in columns) and not unknown:
        problems.append(
            (
                "map",
                "no column holds a personal field; is the first line the header? "
                f"Recognised names include {', '.join(f.label_nl for f in PERSONAL_FIELDS[:4])}",
            )
        )
    if problems:
        raise _refusal(problems)
    return Plan(tuple(columns), len(headers))


def _unused(columns: Sequence[Column], may_use: Callable[[PersonalField], bool]) -> list[str]:
    """Why each column whose field none of the import's purposes uses is refused."""
    found = []
    for column in columns:
        declared = BY_NAME.get(column.target)
        if declared is not None and not may_use(declared):
            found.append(
                f"column {column.header!r} holds {declared.name} ({declared.category}), which "
                "none of the purposes given uses; leave it out with "
                f"--map {column.header}=ignore or import for a purpose that needs it "
                "(GDPR Art. 5(1)(c))"
            )
    return found


def _refusal(problems: Sequence[tuple[str, str]]) -> ImportRefused:
    """One refusal for all of ``problems``, on one line (a CLI prints it as one error line); its
    field is the first problem's."""
    if len(problems) == 1:
        field_name, message = problems[0]
        return ImportRefused(message, field=field_name)
    listed = " ".join(f"({n}) {message.rstrip('.')}." for n, (_, message) in enumerate(problems, 1))
    return ImportRefused(
        f"{len(problems)} problems with the header, all to fix before anything is imported: "
        f"{listed}",
        field=problems[0][0],
    )


def check_minimisation(plan: Plan, may_use: Callable[[PersonalField], bool]) -> None:
    """Refuse a column whose field none of the import's purposes uses (Art. 5(1)(c))."""
    problems = _unused(plan.columns, may_use)
    if problems:
        raise _refusal([("map", message) for message in problems])


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


# Why a record is rejected or skipped: stable codes (docs/import.md lists them), each with a
# message for people. Neither ever holds a value of the file nor the id of a person matched.
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
    person_id: str = ""
    """The id the person gets if the row creates one; with ``wrapped_key`` and ``sealed``."""
    wrapped_key: bytes = b""
    sealed: dict[str, bytes] = field(default_factory=dict)
    """``stored`` sealed under the new person's key, field by field."""
    cells: list[str] = field(default_factory=list)
    """The record as read, kept only when rejects are written (a later check may reject it)."""


_KIND_REASONS = {
    FieldKind.EMAIL: "not a valid e-mail address",
    FieldKind.PHONE: "not a phone number; write it with its country code, e.g. +31 20 123 4567",
    FieldKind.DATE: "not a date as YYYY-MM-DD or DD-MM-YYYY, or in the future, or before 1900",
}


def reason_for(declared: PersonalField, error: InvalidField) -> str:
    """Why a value was refused, without the value (or any part of it)."""
    detail = error.detail
    if "characters long" in detail:
        return f"longer than {declared.max_length} characters"
    if "control characters" in detail:
        return "contains control characters"
    return _KIND_REASONS.get(declared.kind, "not a valid value")


def _date_text(value: str) -> str:
    """Dutch spreadsheets write 31-12-1980; the validator wants ISO 8601."""
    match = _DUTCH_DATE.match(value.strip())
    if match is None:
        return value
    day, month, year = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


@dataclass(frozen=True)
class _Layout:
    """What ``validate_row`` reads of a plan, worked out once per plan rather than per row."""

    fields: tuple[tuple[PersonalField, int, str], ...]
    """Personal fields with a column (field, column index, header), in declaration order."""
    prefix: tuple[int, str] | None
    family: int | None
    """Index in ``fields`` of the family name, which the prefix goes in front of."""
    relationship: tuple[int, str] | None
    language: tuple[int, str] | None
    consent: tuple[int, str] | None


def _layout(plan: Plan) -> _Layout:
    by_target = {c.target: c for c in plan.columns}
    fields = tuple(
        (declared, by_target[declared.name].index, by_target[declared.name].header)
        for declared in PERSONAL_FIELDS
        if declared.name in by_target
    )

    def column(target: str) -> tuple[int, str] | None:
        found = by_target.get(target)
        return None if found is None else (found.index, found.header)

    consents = [c for c in plan.columns if c.target == "consent"]
    family = [n for n, (declared, _, _) in enumerate(fields) if declared.name == "family_name"]
    return _Layout(
        fields=fields,
        prefix=column(FAMILY_PREFIX),
        family=family[0] if family else None,
        relationship=column(RELATIONSHIP),
        language=column(LANGUAGE),
        # several consent columns are refused by plan_columns; the last one read wins, as before
        consent=(consents[-1].index, consents[-1].header) if consents else None,
    )


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
    if not stored:
        return Reject(line, "", "no personal field has a value", NO_PERSONAL_FIELD)
    person_relationship = relationship
    if layout.relationship is not None and (value := cell(layout.relationship[0])):
        found_word = _RELATIONSHIP_WORDS.get(contact_rules.fold(value.strip()))
        if found_word is None:
            return Reject(
                line,
                layout.relationship[1],
                "not customer, prospect or other (klant, prospect, overig)",
                INVALID_VALUE,
            )
        person_relationship = found_word
    person_language = language
    if layout.language is not None and (value := cell(layout.language[0])):
        found_language = _LANGUAGE_WORDS.get(contact_rules.fold(value.strip()))
        if found_language is None:
            return Reject(
                line, layout.language[1], "not a language Kluis speaks (nl or en)", INVALID_VALUE
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
            return Reject(line, header, "not yes or no (ja or nee)", INVALID_VALUE)
    return Row(line, stored, person_relationship, person_language, consent)


# Rows that match a person held already ------------------------------------------------------------

DUPLICATE_FIELDS = ("email", "phone")
"""The fields a row is matched to a person held by (through their blind-index digests)."""

_SPOKEN = {"email": "e-mail address", "phone": "phone number"}


@dataclass(frozen=True)
class Held:
    """What an import knows of a person a row matched, without decrypting anything."""

    fields: frozenset[str]
    """Which of ``DUPLICATE_FIELDS`` they have a value for."""
    readable: bool = True
    """Whether the importing role can already read them (``contacts.rules.readable_by``)."""
    restricted: bool = False
    objected: bool = False


class Action(StrEnum):
    CREATE = "create"
    SKIP = "skip"
    MERGE = "merge"
    REJECT = "reject"


@dataclass(frozen=True)
class Decision:
    """What becomes of a valid row, given who its e-mail address and phone number belong to."""

    action: Action
    person_id: str = ""
    code: str = ""
    field: str = ""
    """The field the reason is about: the one matched, or the one that differs."""


def on_match(
    digests: Mapping[str, bytes],
    owners: Mapping[bytes, str],
    held: Mapping[str, Held],
    duplicates: Duplicates,
) -> Decision:
    """Whether a row with these duplicate-finding ``digests`` creates a person, is skipped,
    merged or rejected; ``owners`` says who holds each digest, ``held`` what is known of them.

    A row is one person's only if everything it says that finds people agrees: an e-mail address
    of one person and a phone number of another, or an address that finds a person whose phone
    number is a different one (a family sharing a phone, a colleague's mobile), is ambiguous and
    rejected: skipping it would silently drop a person, merging it would give one person
    another's data. A merge also needs the person to be readable by the importing role already:
    adding the file's purpose to someone the role cannot read would hand it their data (purpose
    limitation, Art. 5(1)(b)); and a restricted person's data is not processed (Art. 18).
    """
    found = {owners[d] for d in digests.values() if d in owners}
    if not found:
        return Decision(Action.CREATE)
    if len(found) > 1:
        return Decision(Action.REJECT, code=AMBIGUOUS)
    (person_id,) = found
    person = held.get(person_id)
    if person is None:
        return Decision(Action.SKIP, person_id, GONE)
    matched = next(name for name, d in digests.items() if d in owners)
    for name, digest in digests.items():
        if digest not in owners and name in person.fields:
            return Decision(Action.REJECT, person_id, AMBIGUOUS, name)
    if duplicates is Duplicates.SKIP:
        return Decision(Action.SKIP, person_id, DUPLICATE, matched)
    if not person.readable:
        return Decision(Action.REJECT, person_id, HELD_FOR_OTHER_PURPOSES)
    if person.restricted:
        return Decision(Action.REJECT, person_id, RESTRICTED)
    return Decision(Action.MERGE, person_id, field=matched)


def match_note(
    decision: Decision, digests: Mapping[str, bytes], line: int, header_of: Mapping[str, str]
) -> Reject | Skip:
    """The reject or skip of a row ``on_match`` did not create or merge, worded for people;
    never with the matched person's id (the role may not be allowed to know it)."""
    column = header_of.get(decision.field, decision.field)
    code = decision.code
    if code == AMBIGUOUS and decision.field:
        matched = next(n for n in digests if n != decision.field)
        return Reject(
            line,
            column,
            f"ambiguous: its {_SPOKEN[matched]} matches a person held whose "
            f"{_SPOKEN[decision.field]} is a different one; not imported: fix the row, or "
            "update that person by hand",
            code,
        )
    if code == AMBIGUOUS:
        return Reject(
            line,
            column,
            "ambiguous: its e-mail address belongs to one person and its phone number to "
            "another; fix the row or update those people by hand",
            code,
        )
    if code == HELD_FOR_OTHER_PURPOSES:
        return Reject(
            line,
            column,
            "the person it matches is held under another purpose, one your role does not hold; "
            "not merged (merging would add this purpose to them): ask someone who may read them",
            code,
        )
    if code == RESTRICTED:
        return Reject(
            line,
            column,
            "the person it matches has restricted processing (Art. 18); not merged: lift the "
            "restriction first, or update them by hand",
            code,
        )
    if code == GONE:
        return Skip(line, column, "the person it matches was erased during the import", code)
    return Skip(
        line,
        column,
        f"a person with this {_SPOKEN.get(decision.field, 'value')} is held already; left as "
        "they are (--duplicates skip; merge fills in what they lack)",
        code,
    )
