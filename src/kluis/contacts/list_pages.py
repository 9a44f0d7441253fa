"""The staff page of the people list: filters and order as GET query parameters (owner,
relationship, purpose, company, days without interaction, sort, tag, page: none a personal value, so
an address may be bookmarked and logged), a name search as a POST (its text never lands in an
address), and the selection form of the bulk actions (``selection_pages``; "add a task" posts
the selected ids to ``/app/tasks/new``). Reads go through ``contacts.listing`` and
``contacts.people.search_people`` under the working purpose, audited there."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from kluis.api import KluisDep, NowDep
from kluis.auth import colleagues
from kluis.auth.sessions import Session
from kluis.auth.shell import SessionDep, checked_form
from kluis.contacts import companies, custom_fields, list_rules, listing, people, tags
from kluis.contacts.custom_rules import readable
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.contacts.page_parts import COMPANY_CHOICES, FIELD_LABELS, needs_purpose
from kluis.contacts.tag_pages import tag_list
from kluis.errors import KluisError
from kluis.purposes.shell import working_purpose
from kluis.ui import staff
from kluis.ui.staff import PREFIX

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

PAGE_SIZE = 25
SORTS = ("collected", "-collected", "name", "-name", "interaction", "-interaction")


@dataclass(frozen=True)
class Filters:
    """The list's query parameters as the page got them (to show them again and link pages)."""

    owner: str = ""
    relationship: str = ""
    purpose: str = ""
    company: str = ""
    inactive: str = ""
    sort: str = ""
    tag: str = ""

    def query(self, **more: Any) -> str:
        """The query string of these filters (and ``more``), empty values left out."""
        pairs = [
            ("owner", self.owner),
            ("relationship", self.relationship),
            ("purpose", self.purpose),
            ("company", self.company),
            ("inactive", self.inactive),
            ("sort", self.sort),
            ("tag", self.tag),
            *more.items(),
        ]
        return urlencode([(name, str(value)) for name, value in pairs if value not in ("", None)])


def staff_choices(k: KluisDep, session: Session) -> list[colleagues.Colleague]:
    """The staff users who may be owners: active ones, named as ``session``'s role may see
    (``auth.colleagues``: addresses for admins only)."""
    return colleagues.colleagues(k.engine, session.role, session.language)


def _render(
    k: KluisDep,
    request: Request,
    session: Any,
    now: Any,
    filters: Filters,
    *,
    text: str | None,
    page: int,
    status: int = 200,
    problem: str | None = None,
    by_field: tuple[str, str] | None = None,
) -> HTMLResponse:
    purpose = working_purpose(k, session)
    if purpose is None:
        return needs_purpose(k, request, session)
    error = problem
    empty = people.Page(items=[], total=0, limit=PAGE_SIZE, offset=0)
    try:
        if by_field is not None:
            found = _by_field(k, session, now, purpose.key, *by_field)
        elif text:
            found = people.search_people(
                k,
                session.actor,
                purpose.key,
                now,
                text=text,
                relationship=filters.relationship or None,
                limit=PAGE_SIZE,
            )
        else:
            found = listing.list_people(
                k,
                session.actor,
                purpose.key,
                now,
                _parsed(filters, session.actor.user_id),
                limit=PAGE_SIZE,
                offset=(page - 1) * PAGE_SIZE,
            )
    except KluisError as exc:
        error = staff.error_text(session.language, exc)
        found = empty
        status = exc.status if status == 200 else status
    staff_users = staff_choices(k, session)
    return staff.render(
        k,
        request,
        "staff/contacts.html",
        session,
        staff.gettext(session.language, "Contacts"),
        status=status,
        found=found,
        text=text or "",
        filters=filters,
        relationship=filters.relationship,
        page=page,
        pages=max(1, -(-found.total // PAGE_SIZE)),
        error=error,
        shown=[f.name for f in PERSONAL_FIELDS if purpose.may_use(f.category)][:3],
        labels=FIELD_LABELS,
        staff_users=staff_users,
        owner_names=colleagues.names(k.engine, session.role, session.language),
        companies=companies.list_companies(k, limit=COMPANY_CHOICES)[0],
        sorts=SORTS,
        tags=tag_list(k),
        person_tags=tags.tags_for_list(k, session.actor, found.items, purpose.key, now),
        searchable=[f for f in readable(custom_fields.fields(k), purpose) if f.searchable],
        by_field=by_field or ("", ""),
    )


def _by_field(k: KluisDep, session: Any, now: Any, purpose: str, key: str, value: str) -> Any:
    """The people whose searchable custom field ``key`` equals ``value`` (its blind index),
    read under the working purpose; the search and the read are both audited."""
    ids = custom_fields.search(k, session.actor, purpose, key, value, now)
    shown = people.read_people(k, session.actor, ids[:PAGE_SIZE], purpose, now, via="search")
    return people.Page(items=shown, total=len(ids), limit=PAGE_SIZE, offset=0)


def render_list(
    k: KluisDep, request: Request, session: Any, now: Any, *, problem: str, status: int
) -> HTMLResponse:
    """The unfiltered list with a refusal above it (a bulk action that was refused)."""
    return _render(
        k, request, session, now, Filters(), text=None, page=1, status=status, problem=problem
    )


def _parsed(filters: Filters, me: int | None) -> listing.ListFilters:
    return listing.ListFilters(
        owner=list_rules.parse_owner(filters.owner, me),
        relationship=filters.relationship or None,
        also_purpose=filters.purpose or None,
        company_id=int(filters.company) if filters.company else None,
        inactive_days=int(filters.inactive) if filters.inactive else None,
        order=list_rules.parse_order(filters.sort),
        tag=filters.tag or None,
    )


@router.get("/contacts")
def contacts_page(
    request: Request,
    k: KluisDep,
    now: NowDep,
    session: SessionDep,
    owner: Annotated[str, Query(pattern="^(|mine|none|[0-9]{1,10})$")] = "",
    relationship: Annotated[str, Query(pattern="^(|customer|prospect|other)$")] = "",
    purpose: Annotated[str, Query(max_length=60, pattern="^[a-z0-9_]*$")] = "",
    company: Annotated[str, Query(pattern="^([1-9][0-9]{0,8})?$")] = "",
    inactive: Annotated[str, Query(pattern="^([0-9]{1,5})?$")] = "",
    sort: Annotated[str, Query(pattern="^(|-?(collected|name|interaction))$")] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    tag: Annotated[str, Query(max_length=40, pattern="^[a-z0-9_-]*$")] = "",
) -> HTMLResponse:
    filters = Filters(owner, relationship, purpose, company, inactive, sort, tag)
    return _render(k, request, session, now, filters, text=None, page=page)


@router.post("/contacts/by-field")
async def field_search_page(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    """Search by a searchable custom field: the value is personal data, so it is POSTed and
    never put in an address or a log line (as ``POST /api/v1/fields/{key}/people/search``)."""
    form = await checked_form(request, session)
    chosen = (staff.text(form, "field"), staff.text(form, "value"))
    return _render(k, request, session, now, Filters(), text=None, page=1, by_field=chosen)


@router.post("/contacts")
async def search_page(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    form = await checked_form(request, session)
    filters = Filters(relationship=staff.text(form, "relationship"))
    return _render(k, request, session, now, filters, text=staff.text(form, "q"), page=1)
