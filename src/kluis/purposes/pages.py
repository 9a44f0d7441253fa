"""Staff web pages of the purposes catalogue: every purpose with its lawful basis, the data it may
use and how long it is kept, and a form to change one. Anyone signed in may read the catalogue
(the privacy notice publishes it); changing it is for those ``purposes.service`` allows, and the
service validates every value (fideslang keys, ISO-8601 retention, a stated legitimate
interest) and audits the change. A refusal names the field, shown next to its input.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from kluis.actors import Role
from kluis.api import KluisDep, NowDep
from kluis.auth import sessions
from kluis.auth.shell import SessionDep, checked_form
from kluis.errors import InvalidField, PermissionDenied
from kluis.purposes import service
from kluis.purposes.rules import LawfulBasis, Purpose, RetentionAnchor
from kluis.purposes.shell import usable_purposes
from kluis.ui import staff
from kluis.ui.staff import PREFIX, refused
from kluis.ui.vocabulary import N_

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

LABELS = {
    "name_nl": N_("Name in Dutch"),
    "name_en": N_("Name in English"),
    "description_nl": N_("Description in Dutch"),
    "description_en": N_("Description in English"),
    "lawful_basis": N_("Lawful basis (Art. 6(1))"),
    "legitimate_interest": N_("The legitimate interest, in words"),
    "legitimate_interest_nl": N_("The legitimate interest in Dutch"),
    "data_categories": N_("Data categories it may use (fideslang keys, one a line)"),
    "data_use": N_("Data use (fideslang key)"),
    "data_subjects": N_("Whose data (fideslang keys, one a line)"),
    "retention": N_("Kept for (ISO 8601 duration, such as P2Y or P18M)"),
    "retention_anchor": N_("Counted from"),
    "recipients": N_("Recipients and processors (one a line)"),
    "roles": N_("Roles that work under it"),
    "key": N_("Key"),
}
SERVICE_MESSAGES = (
    N_("give the purpose a name in English and in Dutch"),
    N_("name at least one fideslang data category"),
    N_("a purpose on legitimate interest must state the interest (Art. 13(1)(d))"),
    N_("keep data at most 100 years (Art. 5(1)(e))"),
)
"""What ``purposes.rules`` says of a bad value, listed so the extractor finds it for
translation (a message quoting the value stays English)."""
LISTS = ("data_categories", "data_subjects", "recipients")


def _may_change(session: sessions.Session) -> bool:
    try:
        service.may_change(session.actor)
    except PermissionDenied:
        return False
    return True


@router.get("/compliance/purposes")
def catalogue_page(request: Request, k: KluisDep, session: SessionDep) -> HTMLResponse:
    return staff.render(
        k,
        request,
        "staff/purposes.html",
        session,
        staff.gettext(session.language, "Purposes"),
        catalogue=service.list_purposes(k.engine),
        may_change=_may_change(session),
    )


def _values(purpose: Purpose) -> dict[str, Any]:
    return {
        "name_nl": purpose.name_nl,
        "name_en": purpose.name_en,
        "description_nl": purpose.description_nl,
        "description_en": purpose.description_en,
        "lawful_basis": purpose.lawful_basis.value,
        "legitimate_interest": purpose.legitimate_interest or "",
        "legitimate_interest_nl": purpose.legitimate_interest_nl or "",
        "data_use": purpose.data_use,
        "retention": purpose.retention,
        "retention_anchor": purpose.retention_anchor.value,
        "roles": list(purpose.roles),
        **{name: "\n".join(getattr(purpose, name)) for name in LISTS},
    }


def _posted(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: staff.text(form, name) for name in LABELS if name not in ("roles", "key")
    }
    values["roles"] = [r for r in form.getlist("roles") if isinstance(r, str)]
    return values


def _changes(values: dict[str, Any]) -> dict[str, Any]:
    changes = dict(values)
    for name in LISTS:
        items = str(values[name]).replace(",", "\n").splitlines()
        changes[name] = tuple(i.strip() for i in items if i.strip())
    changes["roles"] = tuple(values["roles"])
    changes["legitimate_interest"] = values["legitimate_interest"] or None
    changes["legitimate_interest_nl"] = values["legitimate_interest_nl"] or None
    return changes


def _form(
    k: KluisDep,
    request: Request,
    session: sessions.Session,
    purpose: Purpose,
    values: dict[str, Any],
    error: InvalidField | None = None,
) -> HTMLResponse:
    language = session.language
    message = None
    if error is not None:
        if error.msgid is not None:
            message = staff.error_text(language, error)
        else:
            message = staff.gettext(language, error.detail.removeprefix(f"{error.field}: "))
    return staff.render(
        k,
        request,
        "staff/purpose_edit.html",
        session,
        staff.gettext(
            language,
            "Change purpose: %(name)s",
            name=purpose.name_nl if language == "nl" else purpose.name_en,
        ),
        status=422 if error else 200,
        p=purpose,
        values=values,
        labels=LABELS,
        bases=[b.value for b in LawfulBasis],
        anchors=[a.value for a in RetentionAnchor],
        roles=[r.value for r in Role],
        error_field=error.field if error else None,
        error_label=staff.gettext(language, LABELS[error.field])
        if error and error.field in LABELS
        else None,
        error=message,
    )


@router.get("/compliance/purposes/{key}")
def edit_form(key: str, request: Request, k: KluisDep, session: SessionDep) -> Response:
    try:
        service.may_change(session.actor)
    except PermissionDenied as exc:
        return refused(k, request, session, exc)
    purpose = service.get_purpose(k.engine, key)
    return _form(k, request, session, purpose, _values(purpose))


@router.post("/compliance/purposes/{key}")
async def change(
    key: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    purpose = service.get_purpose(k.engine, key)
    values = _posted(form)
    try:
        service.change_purpose(k.engine, session.actor, key, _changes(values), now)
    except PermissionDenied as exc:
        return refused(k, request, session, exc)
    except InvalidField as exc:
        return _form(k, request, session, purpose, values, exc)
    return staff.redirect(f"{PREFIX}/compliance/purposes#purpose-{key}")


@router.post("/purpose")
async def choose_purpose(request: Request, k: KluisDep, session: SessionDep) -> Response:
    """Switch the purpose worked under; it decides which fields every page shows."""
    form = await checked_form(request, session)
    wanted = staff.text(form, "purpose")
    if wanted and wanted not in {p.key for p in usable_purposes(k, session)}:
        raise InvalidField("your role does not hold that purpose", field="purpose")
    sessions.set_purpose(k, session, wanted or None)
    back = staff.text(form, "back")
    return staff.redirect(back if back.startswith(f"{PREFIX}/") else f"{PREFIX}/contacts")
