"""Staff web pages of companies: the list, a company's page with the people who work there, and
adding and editing a company. Thin: companies go through ``kluis.contacts.companies`` (not
personal data, stored plainly, every change audited); the people in a company are read through
``contacts.people.search_people`` under the purpose the user works under, so the page shows
only the fields that purpose may use and every read is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from kluis.api import KluisDep, NowDep
from kluis.auth import colleagues, sessions
from kluis.auth.shell import SessionDep, checked_form
from kluis.contacts import business_fields, business_forms, companies, tag_pages, tags
from kluis.contacts import people as contacts_people
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.contacts.list_pages import staff_choices
from kluis.contacts.list_rules import parse_owner
from kluis.contacts.page_parts import FIELD_LABELS
from kluis.errors import InvalidField
from kluis.purposes.shell import working_purpose
from kluis.ui import staff
from kluis.ui.staff import PREFIX
from kluis.ui.vocabulary import N_

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

PAGE_SIZE = 25
SHOWN_FIELDS = 4
"""Personal fields shown per person in the company's list (the first the purpose may use)."""
LABELS = {
    "name": N_("Name"),
    "registration_number": N_("Registration number (Chamber of Commerce)"),
    "vat_number": N_("VAT number"),
    "website": N_("Website"),
    "city": N_("City"),
    "country": N_("Country (two letters, such as NL)"),
}
SERVICE_MESSAGES = (
    N_("a company needs a name"),
    N_("country is an ISO 3166 two-letter code such as NL or BE"),
)
"""What ``companies`` says when it refuses, listed so the extractor finds it for translation."""

Page = Annotated[int, Query(ge=1, le=100_000)]


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


@router.get("/companies")
def list_page(
    request: Request,
    k: KluisDep,
    session: SessionDep,
    page: Page = 1,
    owner: Annotated[str, Query(pattern="^(|mine|none|[0-9]{1,10})$")] = "",
    tag: Annotated[str, Query(max_length=40, pattern="^[a-z0-9_-]*$")] = "",
) -> HTMLResponse:
    """Companies in order of name (business data: the store orders them), of one owner, with
    one tag."""
    found, total = companies.list_companies(
        k,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        owner=parse_owner(owner, session.actor.user_id),
        tag_id=tags.tag_id(k, tag),
    )
    staff_users = staff_choices(k, session)
    return staff.render(
        k,
        request,
        "staff/companies.html",
        session,
        staff.gettext(session.language, "Companies"),
        companies=found,
        total=total,
        page=page,
        pages=_pages(total),
        owner=owner,
        staff_users=staff_users,
        owner_names=colleagues.names(k.engine, session.role, session.language),
        tags=tag_pages.tag_list(k),
        company_tags=tag_pages.companies_tags(k, [c.id for c in found]),
        filters={"tag": tag},
    )


def _form(
    k: KluisDep,
    request: Request,
    session: sessions.Session,
    *,
    company_id: int | None,
    values: dict[str, str],
    error: InvalidField | None = None,
) -> HTMLResponse:
    language = session.language
    title = (
        staff.gettext(language, "Edit company")
        if company_id is not None
        else staff.gettext(language, "New company")
    )
    return staff.render(
        k,
        request,
        "staff/company_form.html",
        session,
        title,
        status=422 if error else 200,
        company_id=company_id,
        values=values,
        labels=LABELS,
        plain_fields=business_fields.fields(k, "company"),
        error_field=error.field if error else None,
        error=staff.error_text(language, error) if error else None,
    )


def _posted(form: FormData) -> dict[str, str]:
    return {name: staff.text(form, name) for name in companies.EDITABLE}


@router.get("/companies/new")
def new_form(request: Request, k: KluisDep, session: SessionDep) -> HTMLResponse:
    return _form(k, request, session, company_id=None, values={})


@router.post("/companies/new")
async def create(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    form = await checked_form(request, session)
    values = _posted(form)
    custom = business_forms.posted_custom(form, business_fields.fields(k, "company"))
    try:
        made = companies.create_company(
            k, session.actor, {**{n: v or None for n, v in values.items()}, "custom": custom}, now
        )
    except InvalidField as exc:
        shown = {**values, **business_forms.as_form(custom)}
        return _form(k, request, session, company_id=None, values=shown, error=exc)
    return staff.redirect(f"{PREFIX}/companies/{made.id}")


@router.get("/companies/{company_id}")
def company_page(
    company_id: int,
    request: Request,
    k: KluisDep,
    now: NowDep,
    session: SessionDep,
    page: Page = 1,
) -> HTMLResponse:
    company = companies.get_company(k, company_id)
    purpose = working_purpose(k, session)
    people: contacts_people.Page | None = None
    shown: list[str] = []
    if purpose is not None:
        people = contacts_people.search_people(
            k,
            session.actor,
            purpose.key,
            now,
            company_id=company_id,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
        shown = [f.name for f in PERSONAL_FIELDS if purpose.may_use(f.category)][:SHOWN_FIELDS]
    return staff.render(
        k,
        request,
        "staff/company.html",
        session,
        company.name,
        company=company,
        labels=LABELS,
        plain_fields=business_fields.fields(k, "company"),
        plain_values=company.custom,
        people=people,
        shown=shown,
        field_labels=FIELD_LABELS,
        staff_users=staff_choices(k, session),
        owner_names=colleagues.names(k.engine, session.role, session.language),
        page=page,
        pages=_pages(people.total) if people is not None else 1,
        **tag_pages.company_panel(k, company_id),
    )


def _values(company: companies.CompanyView) -> dict[str, str]:
    found: dict[str, Any] = {name: getattr(company, name) for name in companies.EDITABLE}
    return {
        **{name: value or "" for name, value in found.items()},
        **business_forms.as_form(company.custom),
    }


@router.get("/companies/{company_id}/edit")
def edit_form(company_id: int, request: Request, k: KluisDep, session: SessionDep) -> HTMLResponse:
    company = companies.get_company(k, company_id)
    return _form(k, request, session, company_id=company_id, values=_values(company))


@router.post("/companies/{company_id}/edit")
async def edit(
    company_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    values = _posted(form)
    custom = business_forms.posted_custom(form, business_fields.fields(k, "company"))
    changes = {**{n: v or None for n, v in values.items()}, "custom": custom}
    try:
        companies.update_company(k, session.actor, company_id, changes, now)
    except InvalidField as exc:
        shown = {**values, **business_forms.as_form(custom)}
        return _form(k, request, session, company_id=company_id, values=shown, error=exc)
    return staff.redirect(f"{PREFIX}/companies/{company_id}")
