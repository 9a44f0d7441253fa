"""What the staff pages of people share: field labels, form inputs and refusals, reading a posted
form, the add/edit form's page, and the page asking for a working purpose."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from kluis.api import KluisDep
from kluis.auth import sessions
from kluis.contacts import companies, people
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.contacts.rules import LANGUAGES, Relationship
from kluis.errors import InvalidField, KluisError
from kluis.purposes.rules import Purpose
from kluis.ui import staff
from kluis.ui.vocabulary import N_

FIELD_LABELS = {
    "given_name": N_("Given name"),
    "family_name": N_("Family name"),
    "email": N_("E-mail address"),
    "phone": N_("Phone number"),
    "birth_date": N_("Birth date"),
    "address": N_("Address"),
    "job_title": N_("Job title"),
    "interests": N_("Interests"),
    "notes": N_("Notes"),
}


OTHER_LABELS = {
    "relationship": N_("Relationship"),
    "language": N_("Language"),
    "company_id": N_("Company"),
    "purposes": N_("Purposes"),
    "id": N_("Person"),
}


COMPANY_CHOICES = 500
"""Companies offered in the add and edit forms (a select; beyond this, set it through the API)."""


@dataclass(frozen=True)
class FieldInput:
    """One input of the add or edit form: a personal field and the value to show in it."""

    name: str
    kind: str
    max_length: int
    value: str


@dataclass(frozen=True)
class FormError:
    """A refusal to show above a form, naming the field it is about (if any)."""

    field: str | None
    label: str | None
    message: str


def form_error(
    language: str, exc: KluisError, labels: Mapping[str, str] | None = None
) -> FormError:
    """The refusal in the user's language, with the label of the field it names."""
    name = exc.field or ""
    label = (labels or {}).get(name) or FIELD_LABELS.get(name) or OTHER_LABELS.get(name)
    return FormError(
        exc.field,
        staff.gettext(language, label) if label else None,
        staff.error_text(language, exc),
    )


def needs_purpose(k: KluisDep, request: Request, session: Any) -> HTMLResponse:
    return staff.render(
        k,
        request,
        "staff/choose_purpose.html",
        session,
        staff.gettext(session.language, "Choose what you are working on"),
    )


def display_name(person: people.PersonView, language: str) -> str:
    name = " ".join(str(person.fields.get(n, "")) for n in ("given_name", "family_name")).strip()
    return name or staff.gettext(language, "this person")


def field_inputs(purposes: Iterable[Purpose], values: Mapping[str, str]) -> list[FieldInput]:
    """The inputs of the fields any of ``purposes`` may use, in declaration order."""
    chosen = list(purposes)
    return [
        FieldInput(f.name, f.kind.value, f.max_length, values.get(f.name, ""))
        for f in PERSONAL_FIELDS
        if any(p.may_use(f.category) for p in chosen)
    ]


def shown(value: people.FieldValue) -> str:
    """A field as its input shows it: a list of interests separated by commas."""
    return ", ".join(value) if isinstance(value, list) else value


def posted(form: FormData, names: Iterable[str]) -> dict[str, str]:
    return {name: staff.text(form, name) for name in names}


def posted_company(form: FormData) -> int | None:
    """The chosen company to show again in a refused form (None when it was not a number)."""
    value = staff.text(form, "company_id")
    return int(value) if value.isdigit() and len(value) <= 10 else None


def company_id_of(form: FormData) -> int | None:
    value = staff.text(form, "company_id")
    if not value:
        return None
    if not value.isdigit() or len(value) > 10:
        raise InvalidField(N_("choose a company from the list"), field="company_id")
    return int(value)


def person_form(
    k: KluisDep,
    request: Request,
    session: sessions.Session,
    template: str,
    title: str,
    *,
    inputs: list[FieldInput],
    relationship: str,
    language: str,
    company_id: int | None,
    error: FormError | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    found, _total = companies.list_companies(k, limit=COMPANY_CHOICES)
    return staff.render(
        k,
        request,
        template,
        session,
        title,
        status=status,
        inputs=inputs,
        labels=FIELD_LABELS,
        relationship=relationship,
        relationships=[r.value for r in Relationship],
        language=language,
        languages=LANGUAGES,
        company_id=company_id,
        companies=found,
        error=error,
        **context,
    )
