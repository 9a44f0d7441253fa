"""The staff pages of tags: the admin's list of tags (``/app/admin/tags``: declare, rename on
``/app/admin/tags/{key}/edit`` (names, colour, personal mark; audited as ``tag.changed``),
remove), a person's tags on their page (a person panel, read under the page's purpose, so a
personal tag is shown only there: Art. 5(1)(b)), the tag columns of the people and company
lists, and putting a tag on one person or one company or taking it off. The list's bulk "tag"
action is ``selection_pages``. Every change goes through ``contacts.tags``, which checks the role
and the purpose and audits it; every form works without JavaScript."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from kluis.api import MAX_ID, KluisDep, NowDep
from kluis.auth.sessions import Session
from kluis.auth.shell import SessionDep, checked_form
from kluis.contacts import tags
from kluis.contacts.page_parts import needs_purpose
from kluis.contacts.tag_rules import TagView
from kluis.errors import KluisError
from kluis.purposes.rules import Purpose
from kluis.purposes.shell import working_purpose
from kluis.runtime import Kluis
from kluis.ui import staff
from kluis.ui.staff import PREFIX

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

TagKey = Annotated[str, Path(max_length=40, pattern="^[a-z0-9][a-z0-9_-]*$")]
CompanyId = Annotated[int, Path(ge=1, le=MAX_ID)]


def tag_list(k: Kluis) -> list[TagView]:
    """Every tag, for the list's filter and bulk action (the list is read under a purpose)."""
    return tags.list_tags(k.engine)


def company_panel(k: Kluis, company_id: int) -> Mapping[str, Any]:
    """A company's tags for its page (business data: no purpose needed)."""
    with k.engine.connect() as conn:
        held = tags.tags_of_company(conn, company_id)
    return {"company_tags": held, "all_tags": tag_list(k)}


def companies_tags(k: Kluis, ids: list[int]) -> dict[int, list[TagView]]:
    """The tags of the companies a list shows (business data: no purpose needed)."""
    with k.engine.connect() as conn:
        return tags.tags_of_companies(conn, ids)


def person_panel(
    k: Kluis, session: Session, person_id: str, purpose: Purpose, now: datetime
) -> Mapping[str, Any]:
    """The person's tags, read with the page under ``purpose`` and audited."""
    held = tags.read_person_tags(k, session.actor, person_id, purpose.key, now, via="page")
    return {"person_tags": held, "all_tags": tag_list(k)}


def _admin_page(
    k: Kluis, request: Request, session: Session, *, status: int = 200, error: str | None = None
) -> HTMLResponse:
    tags.may_manage(session.actor)
    return staff.render(
        k,
        request,
        "staff/_tags_admin.html",
        session,
        staff.gettext(session.language, "Tags"),
        status=status,
        all_tags=tag_list(k),
        error=error,
    )


@router.get("/admin/tags")
def admin_tags(request: Request, k: KluisDep, session: SessionDep) -> HTMLResponse:
    return _admin_page(k, request, session)


@router.post("/admin/tags")
async def declare_tag(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    form = await checked_form(request, session)
    try:
        tags.create_tag(
            k,
            session.actor,
            staff.text(form, "key"),
            staff.text(form, "label_nl"),
            staff.text(form, "label_en"),
            now,
            personal=staff.text(form, "personal") == "yes",
            colour=staff.text(form, "colour") or None,
        )
    except KluisError as exc:
        if exc.status == 403:
            raise
        error = staff.error_text(session.language, exc)
        return _admin_page(k, request, session, status=exc.status, error=error)
    return staff.redirect(f"{PREFIX}/admin/tags")


def _edit_page(
    k: Kluis,
    request: Request,
    session: Session,
    tag: TagView,
    *,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    tags.may_manage(session.actor)
    return staff.render(
        k,
        request,
        "staff/admin_tag_edit.html",
        session,
        staff.gettext(session.language, "Change a tag"),
        status=status,
        tag=tag,
        error=error,
    )


@router.get("/admin/tags/{key}/edit")
def edit_tag_form(key: TagKey, request: Request, k: KluisDep, session: SessionDep) -> HTMLResponse:
    """Rename a tag (its names, colour and personal mark; the key, which lists filter by, stays)."""
    tags.may_manage(session.actor)
    with k.engine.connect() as conn:
        tag = tags.tag_by_key(conn, key)
    return _edit_page(k, request, session, tag)


@router.post("/admin/tags/{key}/edit")
async def edit_tag(
    key: TagKey, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    label_nl, label_en = staff.text(form, "label_nl"), staff.text(form, "label_en")
    colour, personal = staff.text(form, "colour") or None, staff.text(form, "personal") == "yes"
    try:
        tags.change_tag(
            k, session.actor, key, label_nl, label_en, now, personal=personal, colour=colour
        )
    except KluisError as exc:
        if exc.status in (403, 404):
            raise
        with k.engine.connect() as conn:
            tag = tags.tag_by_key(conn, key)
        typed = TagView(tag.id, tag.key, label_nl, label_en, personal, colour or tag.colour)
        error = staff.error_text(session.language, exc)
        return _edit_page(k, request, session, typed, status=exc.status, error=error)
    return staff.redirect(f"{PREFIX}/admin/tags")


@router.post("/admin/tags/{key}/remove")
async def remove_tag(
    key: TagKey, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    await checked_form(request, session)
    tags.remove_tag(k, session.actor, key, now)
    return staff.redirect(f"{PREFIX}/admin/tags")


@router.post("/contacts/{person_id}/tags")
async def tag_person(
    person_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    purpose = working_purpose(k, session)
    if purpose is None:
        return needs_purpose(k, request, session)
    tags.tag_people(
        k,
        session.actor,
        [person_id],
        staff.text(form, "tag"),
        purpose.key,
        now,
        remove=staff.text(form, "action") == "remove",
        via="page",
    )
    return staff.redirect(f"{PREFIX}/contacts/{person_id}")


@router.post("/companies/{company_id}/tags")
async def tag_company(
    company_id: CompanyId, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    tags.tag_company(
        k,
        session.actor,
        company_id,
        staff.text(form, "tag"),
        now,
        remove=staff.text(form, "action") == "remove",
    )
    return staff.redirect(f"{PREFIX}/companies/{company_id}")
