"""Reading a spreadsheet's header: which column feeds which field of the one declaration in
``contacts.fields``, and the consent-declaration rule.

Consent is never inferred from a spreadsheet (GDPR Art. 7(1): the controller must be able to
*demonstrate* consent). A column that looks like consent ("opt-in", "toestemming",
"nieuwsbrief: ja") is refused unless the whole file comes with a declaration of how consent was
given and which notice the people agreed to; the declaration is what the ledger records. Every
problem of a header is refused at once, before anything is written.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from kluis.contacts import rules as contact_rules
from kluis.contacts.custom_rules import PREFIX as CUSTOM_PREFIX
from kluis.contacts.custom_rules import CustomField
from kluis.contacts.fields import BY_NAME, PERSONAL_FIELDS, PersonalField
from kluis.errors import InvalidField
from kluis.locale import N_
from kluis.transfer.rules.problems import UNUSED, Problem, combined
from kluis.transfer.rules.problems import ImportRefused as ImportRefused

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


def declaration(
    topic: str | None, channel: str | None, method: str | None, notice: int | None
) -> ConsentDeclaration | None:
    """The declaration the import's options make (the CLI's and the API's alike): none, or all
    four parts; a partial one is refused, naming the first part missing."""
    given = {"topic": topic, "channel": channel, "method": method, "notice": notice}
    if all(v is None for v in given.values()):
        return None
    missing = [name for name, v in given.items() if v is None]
    if missing:
        raise InvalidField(
            "a consent declaration needs all four of --consent-topic, --consent-channel, "
            f"--consent-method and --consent-notice; missing: --consent-{missing[0]}",
            field=f"consent_{missing[0]}",
        )
    return ConsentDeclaration(str(topic), str(channel), str(method), int(str(notice)))


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
    custom: tuple[CustomField, ...] = ()
    """The declared custom fields a column may feed (``custom.<key>`` targets)."""

    def targets(self) -> set[str]:
        return {c.target for c in self.columns}

    @functools.cached_property
    def layout(self) -> _Layout:
        """What ``validate_row`` reads of this plan, worked out on first use."""
        return _layout(self)


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
    custom: tuple[tuple[CustomField, int, str], ...] = ()
    """Custom fields with a column (field, column index, header), in the order of the file."""


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
        custom=tuple(
            (declared, c.index, c.header)
            for c in plan.columns
            for declared in plan.custom
            if c.target == declared.name
        ),
    )


def parse_mapping(pairs: Sequence[str], custom: Sequence[str] = ()) -> dict[str, str]:
    """``COLUMN=FIELD`` options as a mapping from header key to target; ``custom`` the keys of
    the declared custom fields, mapped as ``custom.<key>``."""
    mapping: dict[str, str] = {}
    allowed = set(MAP_TARGETS) | {CUSTOM_PREFIX + key for key in custom}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        target = target.strip()
        if not sep or not column.strip():
            raise InvalidField(f"--map {pair!r} is not COLUMN=FIELD", field="map")
        if target.startswith(CUSTOM_PREFIX) and target not in allowed:
            raise InvalidField(
                f"--map {pair!r}: there is no custom field {target[len(CUSTOM_PREFIX) :]!r}; "
                "`kluis fields list` shows them",
                field="map",
            )
        if target not in allowed:
            raise InvalidField(
                f"--map {pair!r}: {target!r} is not one of {', '.join(sorted(allowed))}",
                field="map",
            )
        mapping[header_key(column)] = target
    return mapping


def proposed_target(
    header: str, mapping: Mapping[str, str], custom: Sequence[CustomField] = ()
) -> str | None:
    """What a column feeds: the mapping given for it, else the field its header names (in
    English, Dutch or a synonym, or ``custom.<key>`` of a declared custom field, as an export
    writes it), else ``consent`` when it looks like consent; None when Kluis does not recognise
    it (the import is refused until it is mapped)."""
    key = header_key(header)
    if not key:
        return None
    named = header.strip().lower()
    target = (
        mapping.get(key)
        or KNOWN_HEADERS.get(key)
        or next((f.name for f in custom if f.name == named), None)
    )
    if target is None and is_consent_header(header):
        return "consent"
    return target


MAP_TARGETS: tuple[str, ...] = (*BY_NAME, *ATTRIBUTES, "consent", IGNORE)
"""Everything a column may be mapped to (``--map COLUMN=FIELD``), besides ``custom.<key>`` of
each declared custom field."""


def plan_columns(
    headers: Sequence[str],
    mapping: Mapping[str, str],
    declaration: ConsentDeclaration | None,
    *,
    may_use: Callable[[PersonalField | CustomField], bool] | None = None,
    custom: Sequence[CustomField] = (),
    purposes: Sequence[str] = (),
) -> Plan:
    """Which column feeds which field. Refuses unknown, doubled and undeclared consent columns
    and, given ``may_use``, columns whose field (built-in or one of the ``custom`` fields) none
    of the import's ``purposes`` uses (Art. 5(1)(c)): every problem of the header in one
    refusal, so one run shows all there is to fix."""
    columns: list[Column] = []
    unknown: list[str] = []
    consent: list[str] = []
    seen: dict[str, str] = {}
    problems: list[Problem] = []
    """Each problem, in the order of the header."""
    for index, raw in enumerate(headers):
        header = raw.strip()
        key = header_key(header)
        if not key:
            if header:
                unknown.append(header)
            continue
        target = proposed_target(header, mapping, custom)
        if target is None:
            unknown.append(header)
            continue
        if target == "consent":
            consent.append(header)
        if target == IGNORE:
            continue
        if target in seen and target != "consent":
            problems.append(
                Problem(
                    "map",
                    f"columns {seen[target]!r} and {header!r} both hold {target}; leave one out "
                    "with --map COLUMN=ignore",
                    N_("Columns %(first)s and %(second)s hold the same field; leave one out."),
                    {"first": repr(seen[target]), "second": repr(header)},
                )
            )
            continue
        seen[target] = header
        columns.append(Column(index, header, target))
    if unknown:
        problems.insert(
            0,
            Problem(
                "map",
                f"columns not recognised: {', '.join(repr(u) for u in unknown)}; map each to a "
                f"field with --map COLUMN=FIELD (fields: "
                f"{', '.join(f.name for f in PERSONAL_FIELDS)}, or custom.KEY for a custom "
                "field) or leave it out with "
                "--map COLUMN=ignore (see docs/import.md)",
                N_("Columns not recognised: %(columns)s."),
                {"columns": ", ".join(repr(u) for u in unknown)},
            ),
        )
    if consent and declaration is None:
        problems.append(
            Problem(
                "consent",
                f"column {consent[0]!r} looks like consent, but consent cannot be taken from a "
                "spreadsheet: it must be demonstrable (GDPR Art. 7(1)). Declare how the people in "
                "this file gave it with --consent-topic, --consent-channel, --consent-method and "
                "--consent-notice (the notice they agreed to), or leave the column out with "
                f"--map {consent[0]}=ignore",
                N_(
                    "Column %(column)s looks like consent, but consent cannot be taken from a "
                    "spreadsheet: it must be demonstrable (GDPR Art. 7(1)). Declare how the "
                    "people in this file gave it, or leave the column out."
                ),
                {"column": repr(consent[0])},
            )
        )
    if len(consent) > 1:
        problems.append(
            Problem(
                "consent",
                f"columns {', '.join(repr(c) for c in consent)} all look like consent; one "
                "declaration covers one channel and topic: keep one and leave the others out "
                "with --map COLUMN=ignore",
                N_(
                    "Columns %(columns)s all look like consent; one declaration covers one "
                    "channel and topic: keep one and leave the others out."
                ),
                {"columns": ", ".join(repr(c) for c in consent)},
            )
        )
    if may_use is not None:
        problems.extend(_unused(columns, may_use, custom, purposes))
    customs = {f.name for f in custom}
    if not any(c.target in BY_NAME or c.target in customs for c in columns) and not unknown:
        names = ", ".join(f.label_nl for f in PERSONAL_FIELDS[:4])
        problems.append(
            Problem(
                "map",
                "no column holds a personal field; is the first line the header? "
                f"Recognised names include {names}",
                N_(
                    "No column holds a personal field; is the first line the header? Recognised "
                    "names include %(names)s."
                ),
                {"names": names},
            )
        )
    if problems:
        raise combined(problems)
    used = {c.target for c in columns}
    return Plan(tuple(columns), len(headers), tuple(f for f in custom if f.name in used))


def _unused(
    columns: Sequence[Column],
    may_use: Callable[[PersonalField | CustomField], bool],
    custom: Sequence[CustomField] = (),
    purposes: Sequence[str] = (),
) -> list[Problem]:
    """Why each column whose field none of the import's purposes uses is refused."""
    found = []
    by_name = {f.name: f for f in custom}
    for column in columns:
        own = by_name.get(column.target)
        if own is not None and not may_use(own):
            found.append(
                Problem(
                    "map",
                    f"column {column.header!r} holds the custom field {own.name} "
                    f"({own.category}), which the purposes given "
                    f"({', '.join(purposes) or 'none'}) do not cover; leave it out with "
                    f"--map {column.header}=ignore or import for a purpose whose data "
                    "categories cover it (GDPR Art. 5(1)(c))",
                    UNUSED,
                    {"column": repr(column.header)},
                )
            )
        declared = BY_NAME.get(column.target)
        if declared is not None and not may_use(declared):
            found.append(
                Problem(
                    "map",
                    f"column {column.header!r} holds {declared.name} ({declared.category}), "
                    "which none of the purposes given uses; leave it out with "
                    f"--map {column.header}=ignore or import for a purpose that needs it "
                    "(GDPR Art. 5(1)(c))",
                    UNUSED,
                    {"column": repr(column.header)},
                )
            )
    return found


def check_minimisation(
    plan: Plan,
    may_use: Callable[[PersonalField | CustomField], bool],
    purposes: Sequence[str] = (),
) -> None:
    """Refuse a column whose field none of the import's purposes uses (Art. 5(1)(c))."""
    problems = _unused(plan.columns, may_use, plan.custom, purposes)
    if problems:
        raise combined(problems)
