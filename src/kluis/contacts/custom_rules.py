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
    "a": "explicit consent",
    "b": "employment and social security law",
    "c": "vital interests, the person unable to consent",
    "d": "a foundation, association or not-for-profit body, its members",
    "e": "made manifestly public by the person",
    "f": "legal claims",
    "g": "substantial public interest",
    "h": "preventive or occupational medicine, health or social care",
    "i": "public interest in public health",
    "j": "archiving, research or statistics",
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


def validation_errors(field: CustomField, categories: Iterable[str]) -> list[tuple[str, str]]:
    """Every problem with a declaration as (field, message); empty when it may be stored.
    ``categories`` are the fideslang data category keys (the purposes' own check uses them)."""
    errors: list[tuple[str, str]] = []
    if not KEY_PATTERN.match(field.key):
        errors.append(
            ("key", "the key is 2-40 lower-case letters, digits or _, starting with a letter")
        )
    for name, label in (("label_en", field.label_en), ("label_nl", field.label_nl)):
        if not label.strip() or len(label) > 100:
            errors.append((name, "give a label of 1-100 characters"))
    if field.category not in set(categories):
        errors.append(("category", f"{field.category!r} is not a fideslang data category key"))
    elif not field.category.startswith("user."):
        errors.append(("category", "a person's field is a user.* data category"))
    if field.special and field.art9_condition not in ART9_CONDITIONS:
        errors.append(
            (
                "art9_condition",
                f"{field.category!r} is a special category (Art. 9(1)): name the Art. 9(2) "
                "condition it is processed under, a letter a-j",
            )
        )
    if not field.special and field.art9_condition is not None:
        errors.append(("art9_condition", "only a special-category field names an Art. 9(2) one"))
    if field.kind in CHOICE_KINDS:
        keys = [c.key for c in field.choices]
        if not keys or len(keys) > MAX_CHOICES:
            errors.append(("choices", f"a choice field has 1-{MAX_CHOICES} choices"))
        if len(set(keys)) != len(keys) or not all(KEY_PATTERN.match(k) for k in keys):
            errors.append(("choices", "choice keys are distinct lower-case keys such as gold"))
    elif field.choices:
        errors.append(("choices", "only a choice or multi-choice field has choices"))
    return errors


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
            raise InvalidField(
                f"{field.name} is longer than {MAX_TEXT} characters", field=field.name
            )
        return text or None
    if kind is CustomKind.NUMBER:
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise InvalidField(
                f"{field.name} is not a number such as 12.5", field=field.name
            ) from None
        if not number.is_finite():
            raise InvalidField(f"{field.name} is not a number such as 12.5", field=field.name)
        return str(number.normalize()) if number != 0 else "0"
    if kind is CustomKind.DATE:
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise InvalidField(f"{field.name} is not a date YYYY-MM-DD", field=field.name) from None
    _check_choices(field, [text])
    return text


def _boolean(field: CustomField, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip().lower()
    if text in {"true", "yes", "ja", "1", "on"}:
        return "true"
    if text in {"false", "no", "nee", "0", "off"}:
        return "false"
    raise InvalidField(f"{field.name} is yes or no (true or false)", field=field.name)


def _check_choices(field: CustomField, picked: Sequence[str]) -> None:
    allowed = {c.key for c in field.choices}
    if any(p not in allowed for p in picked):
        raise InvalidField(
            f"{field.name} takes one of its choices: {', '.join(sorted(allowed))}",
            field=field.name,
        )


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
