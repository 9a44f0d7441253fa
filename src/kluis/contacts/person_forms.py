"""Staff pages that change a person: adding one (first the purposes the data is collected for, then
only the fields those purposes may use, Art. 5(1)(c)), editing one (rectification, Art. 16,
under the working purpose) and erasing one (Art. 17), after a confirmation that says what
happens and that it cannot be undone. Its routes are served by ``contacts.pages``'s router.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

from kluis.actors import ERASE_ROLES
from kluis.api import KluisDep, NowDep
from kluis.auth import sessions
from kluis.auth.shell import SessionDep, checked_form
from kluis.contacts import collect, custom_fields, custom_forms, erasure, people, rectify
from kluis.contacts.page_parts import (
    FormError,
    company_id_of,
    display_name,
    field_inputs,
    form_error,
    needs_purpose,
    person_form,
    posted,
    posted_company,
    shown,
)
from kluis.contacts.rules import Relationship
from kluis.errors import InvalidField, KluisError, PermissionDenied
from kluis.purposes.rules import Purpose
from kluis.purposes.shell import usable_purposes, working_purpose
from kluis.ui import staff
from kluis.ui.staff import PREFIX
from kluis.ui.vocabulary import N_

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)
"""Its routes are added to ``contacts.pages.router``, which the app includes."""


ERASE_REASONS = (
    ("request", N_("The person asked for it (Art. 17(1))")),
    ("no_longer_needed", N_("We no longer need the data (Art. 17(1)(a))")),
    ("unlawful", N_("The data was processed unlawfully (Art. 17(1)(d))")),
)


def _collectable(k: KluisDep, session: sessions.Session) -> list[Purpose]:
    """The purposes a new person may be collected for here: those the role holds, except a
    purpose covering everyone (privacy requests), which may use every field and would undo the
    minimisation of the form."""
    return [p for p in usable_purposes(k, session) if not p.covers_everyone]


def _chosen(offered: list[Purpose], keys: Iterable[str]) -> list[Purpose]:
    wanted = set(keys)
    unknown = wanted - {p.key for p in offered}
    if unknown:
        raise InvalidField(
            N_("you cannot collect data for that purpose here; choose among your purposes"),
            field="purposes",
        )
    return [p for p in offered if p.key in wanted]


@router.get("/contacts/new")
def new_person_form(
    request: Request,
    k: KluisDep,
    session: SessionDep,
    purpose: Annotated[list[str] | None, Query(max_length=20)] = None,
    step: Annotated[str, Query(pattern="^(|purposes)$")] = "",
) -> HTMLResponse:
    """Step one: the purposes the data is collected for; step two: the fields they may use."""
    offered = _collectable(k, session)
    title = staff.gettext(session.language, "Add a person")
    if not purpose:
        working = working_purpose(k, session)
        return staff.render(
            k,
            request,
            "staff/person_purposes.html",
            session,
            title,
            status=422 if step else 200,
            offered=offered,
            ticked={working.key} if working else set(),
            error=staff.gettext(session.language, "Choose at least one purpose.") if step else None,
        )
    chosen = _chosen(offered, purpose)
    return person_form(
        k,
        request,
        session,
        "staff/person_new.html",
        title,
        inputs=field_inputs(chosen, {}),
        relationship=Relationship.PROSPECT.value,
        language="nl",
        company_id=None,
        chosen=chosen,
        custom_rows=custom_forms.inputs(custom_forms.covered(custom_fields.fields(k), chosen), {}),
    )


@router.post("/contacts/new")
async def add_person(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    form = await checked_form(request, session)
    keys = [v for v in form.getlist("purposes") if isinstance(v, str)]
    chosen = _chosen(_collectable(k, session), keys)
    inputs = field_inputs(chosen, {})
    values = posted(form, (f.name for f in inputs))
    relationship, language = staff.text(form, "relationship"), staff.text(form, "language")
    offered_custom = custom_forms.covered(custom_fields.fields(k), chosen)
    custom_given = custom_forms.posted(form, offered_custom)
    try:
        # each stored under a chosen purpose covering it, in the transaction creating them
        custom_values = custom_forms.by_purpose(offered_custom, chosen, custom_given)
        by_key = {p.key: p for p in chosen}

        def with_values(conn: Connection, person_id: str) -> None:
            for purpose_key, values_of_purpose in custom_values.items():
                custom_fields.store_values(
                    k, conn, session.actor, person_id, by_key[purpose_key], values_of_purpose, now
                )

        company_id = company_id_of(form)
        person_id = collect.create_person(
            k,
            session.actor,
            people.NewPerson(
                relationship=relationship,
                purposes=[p.key for p in chosen],
                fields={name: value for name, value in values.items() if value},
                language=language,
                company_id=company_id,
            ),
            now,
            source="web",
            also=with_values if custom_values else None,
        )
    except KluisError as exc:
        return person_form(
            k,
            request,
            session,
            "staff/person_new.html",
            staff.gettext(session.language, "Add a person"),
            status=exc.status,
            inputs=field_inputs(chosen, values),
            relationship=relationship,
            language=language,
            company_id=posted_company(form),
            chosen=chosen,
            custom_rows=custom_forms.inputs(offered_custom, custom_given),
            error=form_error(session.language, exc),
        )
    working = working_purpose(k, session)
    if working is None or not (working.covers_everyone or working.key in keys):
        # work under a purpose the new person was collected for, so their page can be shown
        sessions.set_purpose(k, session, chosen[0].key)
    return staff.redirect(f"{PREFIX}/contacts/{person_id}")


def _edit_form(
    k: KluisDep,
    request: Request,
    session: sessions.Session,
    person: people.PersonView,
    purpose: Purpose,
    values: Mapping[str, str],
    *,
    relationship: str,
    language: str,
    company_id: int | None,
    error: FormError | None = None,
    status: int = 200,
) -> HTMLResponse:
    return person_form(
        k,
        request,
        session,
        "staff/person_edit.html",
        staff.gettext(
            session.language, "Edit %(name)s", name=display_name(person, session.language)
        ),
        status=status,
        inputs=field_inputs([purpose], values),
        relationship=relationship,
        language=language,
        company_id=company_id,
        error=error,
        person=person,
    )


@router.get("/contacts/{person_id}/edit")
def edit_person_form(
    person_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    purpose = working_purpose(k, session)
    if purpose is None:
        return needs_purpose(k, request, session)
    person = people.read_person(k, session.actor, person_id, purpose.key, now)
    return _edit_form(
        k,
        request,
        session,
        person,
        purpose,
        {name: shown(value) for name, value in person.fields.items()},
        relationship=person.relationship,
        language=person.language,
        company_id=person.company_id,
    )


@router.post("/contacts/{person_id}/edit")
async def edit_person(
    person_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    """Rectification (Art. 16) under the working purpose: only what changed is sent, so the
    audit entry names exactly the fields that were corrected."""
    form = await checked_form(request, session)
    purpose = working_purpose(k, session)
    if purpose is None:
        return needs_purpose(k, request, session)
    person = people.read_person(k, session.actor, person_id, purpose.key, now)
    values = posted(form, (f.name for f in field_inputs([purpose], {})))
    changes: dict[str, Any] = {
        name: value or None
        for name, value in values.items()
        if value != (shown(person.fields[name]) if name in person.fields else "")
    }
    relationship, language = staff.text(form, "relationship"), staff.text(form, "language")
    try:
        company_id = company_id_of(form)
        for name, new, old in (
            ("relationship", relationship, person.relationship),
            ("language", language, person.language),
            ("company_id", company_id, person.company_id),
        ):
            if new != old:
                changes[name] = new
        if changes:
            rectify.update_person(k, session.actor, person_id, purpose.key, changes, now)
    except KluisError as exc:
        return _edit_form(
            k,
            request,
            session,
            person,
            purpose,
            values,
            relationship=relationship,
            language=language,
            company_id=posted_company(form),
            status=exc.status,
            error=form_error(session.language, exc),
        )
    return staff.redirect(f"{PREFIX}/contacts/{person_id}")


@router.get("/contacts/{person_id}/erase")
def erase_form(
    person_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    """The confirmation: what erasing does, and that it cannot be undone."""
    if session.role not in ERASE_ROLES:
        raise PermissionDenied(N_("only an admin or the privacy officer may erase a person"))
    purpose = working_purpose(k, session)
    if purpose is None:
        return needs_purpose(k, request, session)
    person = people.read_person(k, session.actor, person_id, purpose.key, now)
    return staff.render(
        k,
        request,
        "staff/erase.html",
        session,
        staff.gettext(
            session.language, "Erase %(name)s?", name=display_name(person, session.language)
        ),
        person=person,
        reasons=ERASE_REASONS,
    )


@router.post("/contacts/{person_id}/erase")
async def erase(
    person_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    form = await checked_form(request, session)
    reason = staff.text(form, "reason")
    if reason not in dict(ERASE_REASONS):
        raise InvalidField(N_("say why the person is erased"), field="reason")
    erasure.erase_person(k, session.actor, person_id, now, reason=reason)
    return staff.render(
        k,
        request,
        "staff/message.html",
        session,
        staff.gettext(session.language, "Erased"),
        message=staff.gettext(
            session.language,
            "The person was erased: their key is destroyed, so no copy of their data, backups "
            "included, can be read any more.",
        ),
    )
