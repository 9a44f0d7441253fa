"""Pure rules of custom fields: what a declaration must hold, how a value is normalised, and
which purposes may read it.

A custom field is a personal field an admin declares at run time instead of one written into
``PERSONAL_FIELDS``; it carries a fideslang data category and is filtered by the same test
(``Purpose.may_use``), so a purpose reads a custom value only when its categories cover the
field's (Art. 5(1)(b)-(c)). A special category of Art. 9(1) (health, religion, ethnic origin,
...) is processed only under one of the exceptions of Art. 9(2), which the declaration must name.
Errors name the field and never repeat a value (Art. 5(1)(f)).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from kluis.errors import InvalidField
from kluis.locale import N_
from kluis.purposes.rules import Purpose, category_covered

PREFIX = "custom."
"""How a custom field is named beside the built-in ones (audit events, imports, the register)."""

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
MAX_TEXT = 1000
MAX_CHOICES = 50


class CustomKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    BOOLEAN = "boolean"


CHOICE_KINDS = frozenset({CustomKind.CHOICE, CustomKind.MULTI_CHOICE})

SPECIAL_CATEGORIES: tuple[str, ...] = (
    "user.authorization.biometric",
    "user.biometric",
    "user.criminal_history",
    "user.demographic.political_opinion",
    "user.demographic.race_ethnicity",
    "user.demographic.religious_belief",
    "user.demographic.sexual_orientation",
    "user.health_and_medical",
)
"""fideslang's categories for the special categories of Art. 9(1) (and criminal convictions,
Art. 10, which need the same care), with everything below them; genetic data is
``user.health_and_medical.genetic``. fideslang has no key for trade-union membership: such a
field cannot be declared until it has one."""

ART9_CONDITIONS: dict[str, str] = {
    "a": N_("explicit consent"),
    "b": N_("employment and social security law"),
    "c": N_("vital interests, the person unable to consent"),
    "d": N_("a foundation, association or not-for-profit body, its members"),
    "e": N_("made manifestly public by the person"),
    "f": N_("legal claims"),
    "g": N_("substantial public interest"),
    "h": N_("preventive or occupational medicine, health or social care"),
    "i": N_("public interest in public health"),
    "j": N_("archiving, research or statistics"),
}
"""The exceptions of Art. 9(2)(a)-(j) by letter, one of which a special-category field names."""


@dataclass(frozen=True)
class Choice:
    key: str
    label_en: str
    label_nl: str


@dataclass(frozen=True)
class CustomField:
    """A declared custom field of people."""

    key: str
    label_en: str
    label_nl: str
    kind: CustomKind
    category: str
    searchable: bool = False
    choices: tuple[Choice, ...] = ()
    art9_condition: str | None = None
    """The letter of Art. 9(2) a special-category field rests on; None for any other field."""
    id: int = 0

    @property
    def name(self) -> str:
        return PREFIX + self.key

    @property
    def special(self) -> bool:
        return is_special(self.category)

    def label(self, language: str) -> str:
        return self.label_nl if language == "nl" else self.label_en


def is_special(category: str) -> bool:
    """Whether ``category`` is a special category of personal data (Art. 9(1), Art. 10)."""
    return category_covered(list(SPECIAL_CATEGORIES), category)


def parse_kind(value: str) -> CustomKind:
    try:
        return CustomKind(value)
    except ValueError:
        kinds = ", ".join(k.value for k in CustomKind)
        raise InvalidField(f"type is not one of {kinds}", field="kind") from None


KEY_REFUSED = N_("The key is 2-40 lower-case letters, digits or _, starting with a letter.")
LABEL_REFUSED = N_("Give a Dutch and an English label of 1-100 characters.")
CATEGORY_UNKNOWN = N_("The data category is not one of fideslang's: choose one from the list.")
CATEGORY_NOT_USER = N_("A person's field has a user.* data category.")
ART9_NEEDED = N_(
    "The data category is a special category (Art. 9(1)): choose the Art. 9(2) condition (a-j) "
    "the field is processed under."
)
ART9_NOT_SPECIAL = N_("Only a special-category field names an Art. 9(2) condition.")
CHOICES_COUNT = N_("A choice field has 1-50 choices, written gold=Gold/Goud, one per line.")
CHOICES_KEYS = N_("Choice keys are distinct lower-case keys such as gold.")
CHOICES_NOT_CHOICE = N_("Only a choice or multi-choice field has choices.")
FIELD_EXISTS = N_("There is a custom field %(key)s already: choose another key.")
FIELD_UNKNOWN = N_("There is no custom field %(key)s.")
FIELD_NOT_COVERED = N_(
    "The purpose %(purpose)s does not cover the data category of %(key)s: collect it only under "
    "a purpose that needs it (Art. 5(1)(c))."
)
TOO_LONG = N_("%(key)s is longer than 1000 characters.")
NOT_NUMBER = N_("%(key)s is not a number such as 12.5.")
NOT_DATE = N_("%(key)s is not a date such as 2026-12-31.")
NOT_BOOLEAN = N_("%(key)s is yes or no.")
NOT_A_CHOICE = N_("%(key)s takes one of its choices.")
NOT_SEARCHABLE = N_("%(key)s is not searchable.")
CHOICES_KEPT = N_(
    "A choice that people hold cannot be taken away: keep the choice keys and change their labels."
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a declaration: the form field, the English sentence, and the
    values a page fills into its translation (``msgid``)."""

    field: str
    message: str
    msgid: str
    values: tuple[tuple[str, str], ...] = ()


def validation_problems(field: CustomField, categories: Iterable[str]) -> list[Problem]:
    """Every problem with a declaration; empty when it may be stored. ``categories`` are the
    fideslang data category keys (the purposes' own check uses them)."""
    problems: list[Problem] = []
    if not KEY_PATTERN.match(field.key):
        problems.append(
            Problem(
                "key",
                "the key is 2-40 lower-case letters, digits or _, starting with a letter",
                KEY_REFUSED,
            )
        )
    for name, label in (("label_en", field.label_en), ("label_nl", field.label_nl)):
        if not label.strip() or len(label) > 100:
            problems.append(Problem(name, "give a label of 1-100 characters", LABEL_REFUSED))
    if field.category not in set(categories):
        problems.append(
            Problem(
                "category",
                f"{field.category!r} is not a fideslang data category key",
                CATEGORY_UNKNOWN,
            )
        )
    elif not field.category.startswith("user."):
        problems.append(
            Problem("category", "a person's field is a user.* data category", CATEGORY_NOT_USER)
        )
    if field.special and field.art9_condition not in ART9_CONDITIONS:
        problems.append(
            Problem(
                "art9_condition",
                f"{field.category!r} is a special category (Art. 9(1)): name the Art. 9(2) "
                "condition it is processed under, a letter a-j",
                ART9_NEEDED,
            )
        )
    if not field.special and field.art9_condition is not None:
        problems.append(
            Problem(
                "art9_condition",
                "only a special-category field names an Art. 9(2) one",
                ART9_NOT_SPECIAL,
            )
        )
    problems.extend(_choice_problems(field))
    return problems


def _choice_problems(field: CustomField) -> list[Problem]:
    problems: list[Problem] = []
    if field.kind in CHOICE_KINDS:
        keys = [c.key for c in field.choices]
        if not keys or len(keys) > MAX_CHOICES:
            problems.append(
                Problem("choices", f"a choice field has 1-{MAX_CHOICES} choices", CHOICES_COUNT)
            )
        if len(set(keys)) != len(keys) or not all(KEY_PATTERN.match(k) for k in keys):
            problems.append(
                Problem(
                    "choices", "choice keys are distinct lower-case keys such as gold", CHOICES_KEYS
                )
            )
    elif field.choices:
        problems.append(
            Problem(
                "choices", "only a choice or multi-choice field has choices", CHOICES_NOT_CHOICE
            )
        )
    return problems


def validation_errors(field: CustomField, categories: Iterable[str]) -> list[tuple[str, str]]:
    """Every problem with a declaration as (field, message); empty when it may be stored."""
    return [(p.field, p.message) for p in validation_problems(field, categories)]


def refusal(problem: Problem) -> InvalidField:
    return InvalidField(
        problem.message, field=problem.field, msgid=problem.msgid, values=dict(problem.values)
    )


def relabelled(
    field: CustomField, label_en: str, label_nl: str, choices: tuple[Choice, ...]
) -> CustomField:
    """``field`` with new labels and choices. A label or a new choice may change; a choice key
    may not go, since values that hold it would no longer mean anything (Art. 5(1)(d))."""
    kept = {c.key for c in field.choices}
    if not kept <= {c.key for c in choices}:
        raise InvalidField("a choice key cannot be taken away", field="choices", msgid=CHOICES_KEPT)
    return CustomField(
        **{**field.__dict__, "label_en": label_en, "label_nl": label_nl, "choices": choices}
    )


def parse_choices(text: str) -> tuple[Choice, ...]:
    """``gold=Gold/Goud,silver=Silver/Zilver``: key, English label and Dutch label each."""
    found: list[Choice] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, labels = part.partition("=")
        en, _, nl = labels.partition("/")
        en = en.strip() or key.strip()
        found.append(Choice(key.strip(), en, nl.strip() or en))
    return tuple(found)


def normalise(field: CustomField, value: object) -> str | None:
    """The stored (then sealed) form of a value, or None for an empty one (which clears it)."""
    if value is None or value == "" or value == []:
        return None
    kind = field.kind
    if kind is CustomKind.MULTI_CHOICE:
        items = value if isinstance(value, list | tuple) else str(value).split(",")
        picked = sorted({str(i).strip() for i in items if str(i).strip()})
        _check_choices(field, picked)
        return json.dumps(picked) if picked else None
    if kind is CustomKind.BOOLEAN:
        return _boolean(field, value)
    text = str(value).strip()
    if kind is CustomKind.TEXT:
        if len(text) > MAX_TEXT:
            raise _bad(field, f"is longer than {MAX_TEXT} characters", TOO_LONG)
        return text or None
    if kind is CustomKind.NUMBER:
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _bad(field, "is not a number such as 12.5", NOT_NUMBER) from None
        if not number.is_finite():
            raise _bad(field, "is not a number such as 12.5", NOT_NUMBER)
        return str(number.normalize()) if number != 0 else "0"
    if kind is CustomKind.DATE:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise _bad(field, "is not a date YYYY-MM-DD", NOT_DATE) from None
    _check_choices(field, [text])
    return text


def _bad(field: CustomField, message: str, msgid: str) -> InvalidField:
    return InvalidField(
        f"{field.name} {message}", field=field.name, msgid=msgid, values={"key": field.key}
    )


def _boolean(field: CustomField, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip().lower()
    if text in {"true", "yes", "ja", "1", "on"}:
        return "true"
    if text in {"false", "no", "nee", "0", "off"}:
        return "false"
    raise _bad(field, "is yes or no (true or false)", NOT_BOOLEAN)


def _check_choices(field: CustomField, picked: Sequence[str]) -> None:
    allowed = {c.key for c in field.choices}
    if any(p not in allowed for p in picked):
        raise _bad(field, f"takes one of its choices: {', '.join(sorted(allowed))}", NOT_A_CHOICE)


def present(field: CustomField, stored: str) -> str | bool | list[str]:
    """The API form of a stored value."""
    if field.kind is CustomKind.MULTI_CHOICE:
        loaded: list[str] = json.loads(stored)
        return loaded
    if field.kind is CustomKind.BOOLEAN:
        return stored == "true"
    return stored


def custom_cell(value: str | bool | list[str] | None) -> str:
    """A value in a CSV cell as an import reads it back (``normalise``): a multi-choice joined
    with commas, a boolean ``true`` or ``false``, nothing for no value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return ",".join(value) if isinstance(value, list) else value


def index_term(field: CustomField, stored: str) -> str:
    """The exact-match term of a searchable field: case-folded, as the built-in index folds."""
    return stored.casefold()


def index_name(field: CustomField) -> str:
    """The blind-index kind of a field: its own, so equal values of two fields differ."""
    return PREFIX + field.key


def readable(fields: Iterable[CustomField], purpose: Purpose) -> list[CustomField]:
    """The fields ``purpose`` may read or collect: those whose category it covers."""
    return [f for f in fields if purpose.may_use(f.category)]


def unknown_keys(fields: Mapping[str, CustomField], given: Iterable[str]) -> list[str]:
    return sorted(k for k in given if k not in fields)
