"""The plain custom fields of companies and deals on staff forms (``custom.<key>`` inputs,
``staff/_cfdata_plain_inputs.html``): what a posted form says of them, and stored values as a
form shows them. Shared by the company pages and the deal page."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from kluis.contacts.custom_rules import CustomField, CustomKind, custom_cell
from kluis.ui import staff


def posted_custom(form: FormData, plain: list[CustomField]) -> dict[str, Any]:
    """The plain custom fields of a form (``custom.<key>``): a list for a multi-choice, else the
    text; empty clears the value."""
    return {
        f.key: (
            [str(v) for v in form.getlist(f.name)]
            if f.kind is CustomKind.MULTI_CHOICE
            else staff.text(form, f.name)
        )
        for f in plain
    }


def as_form(values: dict[str, Any]) -> dict[str, Any]:
    """Custom values as the form shows them (``custom.<key>``: text, or a list of keys)."""
    return {
        f"custom.{key}": (custom_cell(v) if not isinstance(v, list) else v)
        for key, v in values.items()
    }
