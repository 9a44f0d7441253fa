"""Pure rules about purposes: lawful bases, data categories and retention durations.

A purpose may use a data category when the category is one it lists or lies below one it lists in
the fideslang taxonomy (``user.contact`` covers ``user.contact.email``). That single test is what
makes a read return only the fields its purpose may use (Art. 5(1)(b) and (c), DESIGN.md
invariant 3).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache

from kluis.actors import Role
from kluis.locale import N_


class LawfulBasis(StrEnum):
    """The six lawful bases of Art. 6(1)(a)-(f)."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTEREST = "vital_interest"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTEREST = "legitimate_interest"


class RetentionAnchor(StrEnum):
    """The moment a retention period counts from."""

    COLLECTION = "collection"
    LAST_INTERACTION = "last_interaction"
    END_OF_CONTRACT = "end_of_contract"
    WITHDRAWAL = "withdrawal"


@dataclass(frozen=True)
class Transfer:
    """A transfer outside the EEA and its safeguard (Art. 30(1)(e), Art. 44-49)."""

    country: str
    safeguard: str


@dataclass(frozen=True)
class Purpose:
    key: str
    name_en: str
    name_nl: str
    description_en: str
    description_nl: str
    lawful_basis: LawfulBasis
    data_categories: tuple[str, ...]
    data_use: str
    retention: str
    retention_anchor: RetentionAnchor
    data_subjects: tuple[str, ...] = ("customer", "prospect")
    legitimate_interest: str | None = None
    """The interest pursued (Art. 6(1)(f)), in English; people are told it (Art. 13(1)(d))."""
    legitimate_interest_nl: str | None = None
    """The same interest in Dutch, for the Dutch privacy notice and record of processing."""
    recipients: tuple[str, ...] = ()
    transfers: tuple[Transfer, ...] = ()
    roles: tuple[str, ...] = ()
    covers_everyone: bool = False
    """True for a purpose that applies to every person whatever they were collected for, such as
    answering privacy requests (Art. 12-22): it needs all of a person's data, under a legal
    obligation, for anyone who asks."""

    def interest_in(self, language: str) -> str | None:
        """The legitimate interest in ``language``: the Dutch text on a Dutch document, the
        English where no Dutch was written yet (a compliance finding asks for it)."""
        if language == "nl" and self.legitimate_interest_nl:
            return self.legitimate_interest_nl
        return self.legitimate_interest

    def may_use(self, category: str) -> bool:
        return category_covered(self.data_categories, category)


def category_covered(granted: tuple[str, ...] | list[str], category: str) -> bool:
    return any(category == g or category.startswith(g + ".") for g in granted)


MAX_RETENTION_YEARS = 100
"""No purpose needs data for longer than a lifetime; longer periods are typing mistakes."""

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
_DURATION = re.compile(r"^P(?:(?P<y>\d+)Y)?(?:(?P<m>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?$")


@dataclass(frozen=True)
class Duration:
    """A calendar duration (ISO 8601 ``PnYnMnWnD``); times of day are not needed for retention."""

    years: int = 0
    months: int = 0
    days: int = 0

    def after(self, start: date) -> date:
        """``start`` plus this duration; a day past the end of a month clamps to its last day."""
        month_index = start.month - 1 + self.months + 12 * self.years
        year = start.year + month_index // 12
        month = month_index % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return date(year, month, day) + timedelta(days=self.days)


def parse_duration(text: str) -> Duration:
    match = _DURATION.match(text.strip()) if text else None
    if match is None or text.strip() == "P":
        raise ValueError(
            "the retention is not an ISO-8601 duration such as P7Y, P24M, P6W or P30D "
            "(years, months, weeks, days)"
        )
    y, m, w, d = (int(match.group(g) or 0) for g in ("y", "m", "w", "d"))
    return Duration(years=y, months=m, days=7 * w + d)


@lru_cache(maxsize=1)
def _taxonomy() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    # lazy: fideslang's taxonomy takes ~0.12 s to import; most commands never check a key
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    return (
        frozenset(c.fides_key for c in DEFAULT_TAXONOMY.data_category),
        frozenset(u.fides_key for u in DEFAULT_TAXONOMY.data_use),
        frozenset(s.fides_key for s in DEFAULT_TAXONOMY.data_subject),
    )


def data_category_names() -> dict[str, str]:
    """Readable names of the fideslang data categories, for notices and the record."""
    # lazy: fideslang's taxonomy takes ~0.12 s to import; most commands never check a key
    from fideslang.default_taxonomy import DEFAULT_TAXONOMY

    return {c.fides_key: c.name or c.fides_key for c in DEFAULT_TAXONOMY.data_category}


class Problem(tuple[str, str]):
    """A field and what is wrong with it, in English, unpacked as the pair it is; a problem
    that names a value also carries the sentence a page shows (``msgid``, ``values``)."""

    msgid: str | None = None
    values: dict[str, object] = {}  # noqa: RUF012 (read only; set per instance)


def _problem(field: str, message: str, msgid: str, **values: object) -> Problem:
    found = Problem((field, message))
    found.msgid = msgid
    found.values = values
    return found


def validation_errors(purpose: Purpose) -> list[tuple[str, str]]:
    """Every problem with ``purpose`` as (field, message); empty when it may be stored."""
    categories, uses, subjects = _taxonomy()
    errors: list[tuple[str, str]] = []
    if not KEY_PATTERN.match(purpose.key):
        errors.append(
            ("key", "use 2-60 lower-case letters, digits and underscores, starting with a letter")
        )
    for name in ("name_en", "name_nl"):
        if not getattr(purpose, name).strip():
            errors.append((name, "give the purpose a name in English and in Dutch"))
    if not purpose.data_categories:
        errors.append(("data_categories", "name at least one fideslang data category"))
    for category in purpose.data_categories:
        if category not in categories:
            errors.append(
                _problem(
                    "data_categories",
                    f"{category!r} is not a fideslang data category key",
                    N_("%(value)s is not a fideslang data category key."),
                    value=category,
                )
            )
    if purpose.data_use not in uses:
        errors.append(
            _problem(
                "data_use",
                f"{purpose.data_use!r} is not a fideslang data use key",
                N_("%(value)s is not a fideslang data use key."),
                value=purpose.data_use,
            )
        )
    for subject in purpose.data_subjects:
        if subject not in subjects:
            errors.append(
                _problem(
                    "data_subjects",
                    f"{subject!r} is not a fideslang data subject key",
                    N_("%(value)s is not a fideslang data subject key."),
                    value=subject,
                )
            )
    try:
        duration = parse_duration(purpose.retention)
    except ValueError as exc:
        errors.append(
            _problem(
                "retention",
                str(exc),
                N_("The retention is not an ISO-8601 duration, such as P7Y, P24M, P6W or P30D."),
            )
        )
    else:
        if duration.years + duration.months / 12 + duration.days / 366 > MAX_RETENTION_YEARS:
            errors.append(
                ("retention", f"keep data at most {MAX_RETENTION_YEARS} years (Art. 5(1)(e))")
            )
    if purpose.lawful_basis is LawfulBasis.LEGITIMATE_INTEREST and not (
        purpose.legitimate_interest and purpose.legitimate_interest.strip()
    ):
        errors.append(
            (
                "legitimate_interest",
                "a purpose on legitimate interest must state the interest (Art. 13(1)(d))",
            )
        )
    known_roles = {r.value for r in Role}
    for role in purpose.roles:
        if role not in known_roles:
            errors.append(
                _problem(
                    "roles", f"unknown role {role!r}", N_("There is no role %(value)s."), value=role
                )
            )
    for transfer in purpose.transfers:
        if not transfer.country.strip() or not transfer.safeguard.strip():
            errors.append(("transfers", "each transfer names a country and its safeguard"))
    return errors
