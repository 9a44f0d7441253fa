"""The staff pages of custom fields: the admin's list (``/app/admin/fields``: declare, change
labels and choices, remove behind a confirmation) and setting a person's values from their page
under the working purpose.

A declaration says what personal data Kluis keeps, so only an admin or the privacy officer
changes it (``custom_fields`` checks the role, Art. 30); a special category is refused without
its Art. 9(2) condition. Removing a field erases every value of it (Art. 17) and puts each
holder in the minimisation register, which the confirmation says before anything happens.
Every change goes through ``custom_fields``, which audits it; every form works without
JavaScript and carries the CSRF token (``checked_form``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from kluis.actors import ALL_PURPOSES_ROLES
from kluis.api import KluisDep, NowDep
from kluis.auth.sessions import Session
from kluis.auth.shell import SessionDep, checked_form
from kluis.contacts import custom_fields, custom_forms
from kluis.contacts import custom_rules as rules
from kluis.contacts.custom_rules import CustomField
from kluis.contacts.page_parts import needs_purpose
from kluis.errors import KluisError, PermissionDenied
from kluis.locale import N_
from kluis.purposes.rules import data_category_names
from kluis.purposes.shell import working_purpose
from kluis.runtime import Kluis
from kluis.ui import staff
from kluis.ui.staff import PREFIX

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

KIND_LABELS = {
    "text": N_("text"),
    "number": N_("number"),
    "date": N_("date"),
    "choice": N_("choice"),
    "multi_choice": N_("multi-choice"),
    "boolean": N_("yes or no"),
}

FieldKey = Annotated[str, Path(max_length=40, pattern="^[a-z][a-z0-9_]*$")]


def categories() -> list[tuple[str, str, bool]]:
    """The fideslang ``user.*`` categories a field may have: key, name, special (Art. 9)."""
    return [
        (key, name, rules.is_special(key))
        for key, name in sorted(data_category_names().items())
        if key.startswith("user.")
    ]


def _may_declare(session: Session) -> None:
    if session.actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied(
            "only an admin or the privacy officer declares or removes custom fields: they "
            "change what personal data Kluis keeps (Art. 30)"
        )


def _admin_page(
    k: Kluis,
    request: Request,
    session: Session,
    *,
    status: int = 200,
    error: str | None = None,
    given: dict[str, str] | None = None,
    invalid: str | None = None,
) -> HTMLResponse:
    _may_declare(session)
    with k.engine.connect() as conn:
        declared = custom_fields.fields(k, conn)
    return staff.render(
        k,
        request,
        "staff/admin_fields.html",
        session,
        staff.gettext(session.language, "Custom fields"),
        status=status,
        declared=declared,
        categories=categories(),
        kinds=[kind.value for kind in rules.CustomKind],
        kind_labels=KIND_LABELS,
        conditions=rules.ART9_CONDITIONS,
        error=error,
        given=given or {},
        invalid=invalid,
    )


@router.get("/admin/fields")
def admin_fields(request: Request, k: KluisDep, session: SessionDep) -> HTMLResponse:
    return _admin_page(k, request, session)


def _choices(text: str) -> tuple[rules.Choice, ...]:
    return rules.parse_choices(text.replace("\r", "").replace("\n", ","))


@router.post("/admin/fields")
async def declare_field(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    given = {
        name: staff.text(form, name)
        for name in ("key", "label_en", "label_nl", "kind", "category", "choices", "art9")
    }
    try:
        field = CustomField(
            key=given["key"],
            label_en=given["label_en"],
            label_nl=given["label_nl"],
            kind=rules.parse_kind(given["kind"]),
            category=given["category"],
            searchable=staff.text(form, "searchable") == "yes",
            choices=_choices(given["choices"]),
            art9_condition=given["art9"] or None,
        )
        custom_fields.declare(k, session.actor, field, now)
    except KluisError as exc:
        if exc.status == 403:
            raise
        error = staff.error_text(session.language, exc)
        return _admin_page(
            k, request, session, status=exc.status, error=error, given=given, invalid=exc.field
        )
    return staff.redirect(f"{PREFIX}/admin/fields")


def _field(k: Kluis, key: str) -> CustomField:
    with k.engine.connect() as conn:
        return custom_fields.known(conn, key)


def _edit_page(
    k: Kluis,
    request: Request,
    session: Session,
    field: CustomField,
    *,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    _may_declare(session)
    return staff.render(
        k,
        request,
        "staff/admin_field_edit.html",
        session,
        staff.gettext(session.language, "Change a custom field"),
        status=status,
        field=field,
        kind_labels=KIND_LABELS,
        choices="\n".join(f"{c.key}={c.label_en}/{c.label_nl}" for c in field.choices),
        error=error,
    )


@router.get("/admin/fields/{key}/edit")
def edit_field_form(
    key: FieldKey, request: Request, k: KluisDep, session: SessionDep
) -> HTMLResponse:
    _may_declare(session)
    return _edit_page(k, request, session, _field(k, key))


@router.post("/admin/fields/{key}/edit")
async def edit_field(
    key: FieldKey, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    field = _field(k, key)
    label_en, label_nl = staff.text(form, "label_en"), staff.text(form, "label_nl")
    choices = _choices(staff.text(form, "choices")) if field.kind in rules.CHOICE_KINDS else ()
    try:
        custom_fields.change(k, session.actor, key, label_en, label_nl, choices, now)
    except KluisError as exc:
        if exc.status == 403:
            raise
        shown = CustomField(**{**field.__dict__, "label_en": label_en, "label_nl": label_nl})
        error = staff.error_text(session.language, exc)
        return _edit_page(k, request, session, shown, status=exc.status, error=error)
    return staff.redirect(f"{PREFIX}/admin/fields")


@router.get("/admin/fields/{key}/remove")
def remove_field_form(
    key: FieldKey, request: Request, k: KluisDep, session: SessionDep
) -> HTMLResponse:
    """The confirmation: what goes, for how many people, and that a restore does not bring it
    back (the minimisation register, Art. 17)."""
    holders = custom_fields.holder_count(k, session.actor, key)
    return staff.render(
        k,
        request,
        "staff/admin_field_remove.html",
        session,
        staff.gettext(session.language, "Remove a custom field"),
        field=_field(k, key),
        holders=holders,
    )


@router.post("/admin/fields/{key}/remove")
async def remove_field(
    key: FieldKey, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    if staff.text(form, "confirm") != "yes":
        return staff.redirect(f"{PREFIX}/admin/fields/{key}/remove")
    custom_fields.remove(k, session.actor, key, now, reason="field removed on the admin page")
    return staff.redirect(f"{PREFIX}/admin/fields")


@router.post("/contacts/{person_id}/custom")
async def set_custom(
    person_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    """Set or clear the person's values of the fields the working purpose covers; only those
    that changed are stored (and named in ``person.updated``)."""
    form = await checked_form(request, session)
    purpose = working_purpose(k, session)
    if purpose is None:
        return needs_purpose(k, request, session)
    readable = rules.readable(custom_fields.fields(k), purpose)
    given = custom_forms.posted(form, readable)
    try:
        current = custom_fields.read_values(k, session.actor, person_id, purpose.key, now)
        changes = custom_forms.changed(readable, given, current)
        if changes:
            custom_fields.set_values(k, session.actor, person_id, purpose.key, changes, now)
    except KluisError as exc:
        if exc.status in (403, 404):
            raise
        return _custom_refused(k, request, session, person_id, readable, given, exc)
    return staff.redirect(f"{PREFIX}/contacts/{person_id}#custom")


def _custom_refused(
    k: Kluis,
    request: Request,
    session: Session,
    person_id: str,
    readable: list[CustomField],
    given: dict[str, Any],
    exc: KluisError,
) -> HTMLResponse:
    """The form again with what was typed and the refusal naming the field and the fix."""
    return staff.render(
        k,
        request,
        "staff/custom_edit.html",
        session,
        staff.gettext(session.language, "Change custom fields"),
        status=exc.status,
        person_id=person_id,
        rows=custom_forms.inputs(readable, given),
        error=staff.error_text(session.language, exc),
    )
