"""What the staff forms of custom values share: the typed inputs of the fields a purpose covers,
reading them back from a posted form, and which of them changed.

A form offers only the fields its purpose covers (``custom_rules.readable``): the others are
neither shown nor decrypted, and a posted value for one is never read (Art. 5(1)(b)-(c)). Only
the values that changed are stored, so ``person.updated`` names just those (Art. 5(2)).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from starlette.datastructures import FormData

from kluis.contacts import custom_rules as rules
from kluis.contacts.custom_rules import CustomField, CustomKind
from kluis.purposes.rules import Purpose

Present = str | bool | list[str]


@dataclass(frozen=True)
class CustomInput:
    """One typed input of a custom field and the value it shows (``None``: empty)."""

    field: CustomField
    value: Present | None

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def kind(self) -> str:
        return self.field.kind.value

    @property
    def text(self) -> str:
        """The value as a text or select input shows it."""
        if self.value is None or isinstance(self.value, list):
            return ""
        if isinstance(self.value, bool):
            return "yes" if self.value else "no"
        return self.value

    @property
    def picked(self) -> list[str]:
        return self.value if isinstance(self.value, list) else []

    def shown(self, language: str) -> str:
        """The value as the panel reads it: a choice's label, yes or no, the text itself."""
        labels = {c.key: c.label_nl if language == "nl" else c.label_en for c in self.field.choices}
        if isinstance(self.value, list):
            return ", ".join(labels.get(v, v) for v in self.value)
        if isinstance(self.value, bool):
            return ("ja" if self.value else "nee") if language == "nl" else self.text
        return labels.get(self.value, self.value) if self.value is not None else ""


def inputs(fields: Iterable[CustomField], values: Mapping[str, Present]) -> list[CustomInput]:
    return [CustomInput(f, values.get(f.key)) for f in fields]


def covered(fields: Iterable[CustomField], purposes: Sequence[Purpose]) -> list[CustomField]:
    """The fields at least one of ``purposes`` covers: those a new person's form may collect."""
    return [f for f in fields if any(p.may_use(f.category) for p in purposes)]


def posted(form: FormData, fields: Iterable[CustomField]) -> dict[str, Present]:
    """The values of ``fields`` in a posted form, by key (an empty one clears the value)."""
    found: dict[str, Present] = {}
    for f in fields:
        if f.kind is CustomKind.MULTI_CHOICE:
            found[f.key] = [v for v in form.getlist(f.name) if isinstance(v, str) and v]
        else:
            raw = form.get(f.name)
            found[f.key] = raw.strip() if isinstance(raw, str) else ""
    return found


def changed(
    fields: Iterable[CustomField], given: Mapping[str, Present], current: Mapping[str, Present]
) -> dict[str, Present]:
    """The given values that differ from the current ones once normalised (a refused value
    raises the field's ``InvalidField``)."""
    out: dict[str, Present] = {}
    for f in fields:
        if f.key not in given:
            continue
        new = rules.normalise(f, given[f.key])
        old = rules.normalise(f, current[f.key]) if f.key in current else None
        if new != old:
            out[f.key] = given[f.key]
    return out


def by_purpose(
    fields: Iterable[CustomField], purposes: Sequence[Purpose], values: Mapping[str, Present]
) -> dict[str, dict[str, Present]]:
    """The non-empty values grouped under the first of ``purposes`` that covers each field:
    the purpose each is collected under (Art. 5(1)(c))."""
    grouped: dict[str, dict[str, Present]] = {}
    for f in fields:
        if f.key not in values or rules.normalise(f, values[f.key]) is None:
            continue
        purpose = next((p for p in purposes if p.may_use(f.category)), None)
        if purpose is not None:
            grouped.setdefault(purpose.key, {})[f.key] = values[f.key]
    return grouped
