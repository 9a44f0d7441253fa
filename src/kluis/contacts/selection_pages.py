"""What the staff pages change about owners and selections: the bulk actions of the people list
(assign an owner, add a purpose, add a tag: each one service call, one transaction, audited
per person), and the owner of one person or one company. The selection is the list's ticked
``person_id`` boxes; no JavaScript is needed. Exporting a selection is the transfer slice's
page (it owns the export) and adding a task the tasks slice's: the list's form posts there."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from kluis.api import KluisDep, NowDep
from kluis.auth.shell import SessionDep, checked_form
from kluis.contacts import bulk, list_pages, owners, tags
from kluis.contacts.list_rules import OWNER_REFUSED
from kluis.contacts.page_parts import needs_purpose
from kluis.errors import InvalidField, KluisError
from kluis.purposes.shell import working_purpose
from kluis.ui import staff
from kluis.ui.staff import PREFIX

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

_BACK = re.compile(r"[A-Za-z0-9_=&%.-]{0,400}")
"""The list's own query string to return to (its filters: never a personal value)."""


def owner_of(form: FormData) -> int | None:
    """The chosen owner: a staff user's id, or ``none`` for nobody."""
    value = staff.text(form, "owner")
    if value == "none":
        return None
    if value.isdigit() and 0 < int(value) < 2**31:
        return int(value)
    raise InvalidField("choose an owner from the list", field="owner", msgid=OWNER_REFUSED)


def _back(form: FormData) -> str:
    back = staff.text(form, "back")
    query = back if _BACK.fullmatch(back) else ""
    return f"{PREFIX}/contacts" + (f"?{query}" if query else "")


def _ids(form: FormData) -> list[str]:
    return [v.strip() for v in form.getlist("person_id") if isinstance(v, str)]


async def _selection(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep, action: str
) -> Response:
    form = await checked_form(request, session)
    purpose = working_purpose(k, session)
    if purpose is None:
        return needs_purpose(k, request, session)
    try:
        if action == "owner":
            owners.assign_people(
                k, session.actor, _ids(form), owner_of(form), purpose.key, now, via="bulk"
            )
        elif action == "tag":
            tags.tag_people(
                k, session.actor, _ids(form), staff.text(form, "tag"), purpose.key, now, via="bulk"
            )
        else:
            bulk.add_purpose(
                k, session.actor, _ids(form), staff.text(form, "add_purpose"), purpose.key, now
            )
    except KluisError as exc:
        return list_pages.render_list(
            k,
            request,
            session,
            now,
            problem=staff.error_text(session.language, exc),
            status=exc.status,
        )
    return staff.redirect(_back(form))


@router.post("/contacts/selection/owner")
async def assign_selection(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    return await _selection(request, k, now, session, "owner")


@router.post("/contacts/selection/purpose")
async def add_purpose_to_selection(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    return await _selection(request, k, now, session, "purpose")


@router.post("/contacts/selection/tag")
async def tag_selection(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    return await _selection(request, k, now, session, "tag")


@router.post("/contacts/{person_id}/owner")
async def assign_person(
    person_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    purpose = working_purpose(k, session)
    if purpose is None:
        return needs_purpose(k, request, session)
    owners.assign_people(
        k, session.actor, [person_id], owner_of(form), purpose.key, now, via="page"
    )
    return staff.redirect(f"{PREFIX}/contacts/{person_id}")


@router.post("/companies/{company_id}/owner")
async def assign_company(
    company_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    owners.assign_company(k, session.actor, company_id, owner_of(form), now)
    return staff.redirect(f"{PREFIX}/companies/{company_id}")
