"""Staff web pages of people: the list with search and filters, and a person's page. Thin: each
reads through ``kluis.contacts.service`` under the purpose the user works under, so a page shows
exactly the fields that purpose may use (a marketer never sees a birth date) and every read is
audited. Searches are POSTed so that what was searched for never lands in an address or a log.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from kluis.consent import service as consent
from kluis.contacts import companies, service
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.errors import InvalidField
from kluis.messaging import service as messaging
from kluis.purposes.service import list_purposes
from kluis.web import staff
from kluis.web.staff import PREFIX, KluisDep, NowDep, SessionDep
from kluis.web.vocabulary import N_

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

PAGE_SIZE = 25
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


def _needs_purpose(k: KluisDep, request: Request, session: Any) -> HTMLResponse:
    return staff.render(
        k,
        request,
        "staff/choose_purpose.html",
        session,
        staff.gettext(session.language, "Choose what you are working on"),
    )


def _list(
    k: KluisDep,
    request: Request,
    session: Any,
    now: Any,
    *,
    text: str | None,
    relationship: str | None,
    page: int,
) -> HTMLResponse:
    purpose = staff.working_purpose(k, session)
    if purpose is None:
        return _needs_purpose(k, request, session)
    error = None
    try:
        found = service.search_people(
            k,
            session.actor,
            purpose.key,
            now,
            text=text or None,
            relationship=relationship or None,
            limit=PAGE_SIZE,
            offset=(page - 1) * PAGE_SIZE,
        )
    except InvalidField as exc:
        error = staff.gettext(session.language, exc.detail)
        found = service.Page(items=[], total=0, limit=PAGE_SIZE, offset=0)
    return staff.render(
        k,
        request,
        "staff/contacts.html",
        session,
        staff.gettext(session.language, "Contacts"),
        found=found,
        text=text or "",
        relationship=relationship or "",
        page=page,
        pages=max(1, -(-found.total // PAGE_SIZE)),
        error=error,
        shown=[f.name for f in PERSONAL_FIELDS if purpose.may_use(f.category)][:4],
        labels=FIELD_LABELS,
    )


@router.get("/contacts")
def contacts_page(
    request: Request,
    k: KluisDep,
    now: NowDep,
    session: SessionDep,
    relationship: Annotated[str, Query(pattern="^(|customer|prospect|other)$")] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    return _list(k, request, session, now, text=None, relationship=relationship, page=page)


@router.post("/contacts")
async def search_page(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    form = await staff.checked_form(request, session)
    return _list(
        k,
        request,
        session,
        now,
        text=staff.text(form, "q"),
        relationship=staff.text(form, "relationship"),
        page=1,
    )


@router.get("/contacts/{person_id}")
def person_page(
    person_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    purpose = staff.working_purpose(k, session)
    if purpose is None:
        return _needs_purpose(k, request, session)
    person = service.read_person(k, session.actor, person_id, purpose.key, now)
    catalogue = {p.key: p for p in list_purposes(k.engine)}
    company = None
    if person.company_id is not None:
        company = companies.get_company(k, person.company_id)
    ledger = permissions = None
    messages: list[dict[str, Any]] = []
    if session.role.value in ("admin", "privacy_officer", "marketing", "sales", "service"):
        ledger = consent.ledger(k, session.actor, person_id, now)
        permissions = consent.permissions(k, person_id, now)
        messages = messaging.messages_of(k, person_id)
    return staff.render(
        k,
        request,
        "staff/person.html",
        session,
        " ".join(str(person.fields.get(n, "")) for n in ("given_name", "family_name")).strip()
        or staff.gettext(session.language, "Person"),
        person=person,
        catalogue=catalogue,
        company=company,
        ledger=ledger,
        permissions=permissions,
        messages=messages,
        labels=FIELD_LABELS,
        fields=[f.name for f in PERSONAL_FIELDS if f.name in person.fields],
    )
