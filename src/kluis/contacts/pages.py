"""Staff web pages of people: the list with search and filters, a person's page, adding and
editing a person, and erasing one. Thin: each reads and writes through ``kluis.contacts.service``
under the purpose the user works under, so a page shows exactly the fields that purpose may use (a
marketer never sees a birth date) and every read is audited. Searches are POSTed so that what was
searched for never lands in an address or a log.

Adding a person takes two steps without any script: first the purposes the data is collected for,
then a form with only the fields those purposes may use (Art. 5(1)(c): nothing else is asked).
Editing is rectification (Art. 16) under the working purpose; erasing (Art. 17) asks for a
confirmation that says what will happen and that it cannot be undone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from kluis.actors import ALL_PURPOSES_ROLES, ERASE_ROLES
from kluis.api import KluisDep, NowDep
from kluis.auth import service as users
from kluis.auth import sessions
from kluis.auth.shell import SessionDep, checked_form
from kluis.consent import catalogue as consent_catalogue
from kluis.consent import service as consent
from kluis.contacts import companies, service
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.contacts.rules import LANGUAGES, Relationship
from kluis.errors import InvalidField, KluisError, PermissionDenied
from kluis.messaging import service as messaging
from kluis.purposes.rules import Purpose
from kluis.purposes.service import list_purposes
from kluis.purposes.shell import usable_purposes, working_purpose
from kluis.ui import staff
from kluis.ui.staff import PREFIX
from kluis.ui.vocabulary import N_

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
OTHER_LABELS = {
    "relationship": N_("Relationship"),
    "language": N_("Language"),
    "company_id": N_("Company"),
    "purposes": N_("Purposes"),
    "id": N_("Person"),
}
COMPANY_CHOICES = 500
"""Companies offered in the add and edit forms (a select; beyond this, set it through the API)."""
ERASE_REASONS = (
    ("request", N_("The person asked for it (Art. 17(1))")),
    ("no_longer_needed", N_("We no longer need the data (Art. 17(1)(a))")),
    ("unlawful", N_("The data was processed unlawfully (Art. 17(1)(d))")),
)


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
        staff.gettext(language, exc.detail),
    )


def needs_purpose(k: KluisDep, request: Request, session: Any) -> HTMLResponse:
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
    purpose = working_purpose(k, session)
    if purpose is None:
        return needs_purpose(k, request, session)
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
    form = await checked_form(request, session)
    return _list(
        k,
        request,
        session,
        now,
        text=staff.text(form, "q"),
        relationship=staff.text(form, "relationship"),
        page=1,
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


def _inputs(purposes: Iterable[Purpose], values: Mapping[str, str]) -> list[FieldInput]:
    """The inputs of the fields any of ``purposes`` may use, in declaration order."""
    chosen = list(purposes)
    return [
        FieldInput(f.name, f.kind.value, f.max_length, values.get(f.name, ""))
        for f in PERSONAL_FIELDS
        if any(p.may_use(f.category) for p in chosen)
    ]


def _shown(value: service.FieldValue) -> str:
    """A field as its input shows it: a list of interests separated by commas."""
    return ", ".join(value) if isinstance(value, list) else value


def _posted(form: FormData, names: Iterable[str]) -> dict[str, str]:
    return {name: staff.text(form, name) for name in names}


def _posted_company(form: FormData) -> int | None:
    """The chosen company to show again in a refused form (None when it was not a number)."""
    value = staff.text(form, "company_id")
    return int(value) if value.isdigit() and len(value) <= 10 else None


def _company_id(form: FormData) -> int | None:
    value = staff.text(form, "company_id")
    if not value:
        return None
    if not value.isdigit() or len(value) > 10:
        raise InvalidField(N_("choose a company from the list"), field="company_id")
    return int(value)


def _person_form(
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
    return _person_form(
        k,
        request,
        session,
        "staff/person_new.html",
        title,
        inputs=_inputs(chosen, {}),
        relationship=Relationship.PROSPECT.value,
        language="nl",
        company_id=None,
        chosen=chosen,
    )


@router.post("/contacts/new")
async def add_person(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    form = await checked_form(request, session)
    keys = [v for v in form.getlist("purposes") if isinstance(v, str)]
    chosen = _chosen(_collectable(k, session), keys)
    inputs = _inputs(chosen, {})
    values = _posted(form, (f.name for f in inputs))
    relationship, language = staff.text(form, "relationship"), staff.text(form, "language")
    try:
        company_id = _company_id(form)
        person_id = service.create_person(
            k,
            session.actor,
            service.NewPerson(
                relationship=relationship,
                purposes=[p.key for p in chosen],
                fields={name: value for name, value in values.items() if value},
                language=language,
                company_id=company_id,
            ),
            now,
            source="web",
        )
    except KluisError as exc:
        return _person_form(
            k,
            request,
            session,
            "staff/person_new.html",
            staff.gettext(session.language, "Add a person"),
            status=exc.status,
            inputs=_inputs(chosen, values),
            relationship=relationship,
            language=language,
            company_id=_posted_company(form),
            chosen=chosen,
            error=form_error(session.language, exc),
        )
    working = working_purpose(k, session)
    if working is None or not (working.covers_everyone or working.key in keys):
        # work under a purpose the new person was collected for, so their page can be shown
        sessions.set_purpose(k, session, chosen[0].key)
    return staff.redirect(f"{PREFIX}/contacts/{person_id}")


@router.get("/contacts/{person_id}")
def person_page(
    person_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    purpose = working_purpose(k, session)
    if purpose is None:
        return needs_purpose(k, request, session)
    person = service.read_person(k, session.actor, person_id, purpose.key, now)
    catalogue = {p.key: p for p in list_purposes(k.engine)}
    company = None
    if person.company_id is not None:
        company = companies.get_company(k, person.company_id)
    ledger = permissions = None
    messages: list[dict[str, Any]] = []
    if session.role.value in ("admin", "privacy_officer", "marketing", "sales", "service"):
        ledger = consent.ledger(k, session.actor, person_id, purpose.key, now)
        permissions = consent.permissions(k, session.actor, person_id, purpose.key, now)
        messages = messaging.messages_of(k, session.actor, person_id, purpose.key, now)
    cited = {e.notice_id for e in ledger.events} if ledger is not None else set()
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
        notices={n.id: n for n in consent_catalogue.list_notices(k) if n.id in cited},
        evidence_types={e["id"]: e["content_type"] for e in ledger.evidence} if ledger else {},
        may_open_evidence=session.role in ALL_PURPOSES_ROLES,
        may_erase=session.role in ERASE_ROLES,
        topics={
            t.key: t.name_nl if session.language == "nl" else t.name_en
            for t in consent_catalogue.list_topics(k)
        },
        captured_by=_staff_names(k, session),
    )


def _staff_names(k: KluisDep, session: sessions.Session) -> dict[str, str]:
    """Who captured a consent, by e-mail address, for admins and privacy officers, who answer
    for it (Art. 7(1)); other roles see the opaque ``user:N``, as the ledger keeps it."""
    if session.role not in ALL_PURPOSES_ROLES:
        return {}
    return {f"user:{u.id}": u.email for u in users.list_users(k.engine)}


def _edit_form(
    k: KluisDep,
    request: Request,
    session: sessions.Session,
    person: service.PersonView,
    purpose: Purpose,
    values: Mapping[str, str],
    *,
    relationship: str,
    language: str,
    company_id: int | None,
    error: FormError | None = None,
    status: int = 200,
) -> HTMLResponse:
    return _person_form(
        k,
        request,
        session,
        "staff/person_edit.html",
        staff.gettext(
            session.language, "Edit %(name)s", name=display_name(person, session.language)
        ),
        status=status,
        inputs=_inputs([purpose], values),
        relationship=relationship,
        language=language,
        company_id=company_id,
        error=error,
        person=person,
    )


def display_name(person: service.PersonView, language: str) -> str:
    name = " ".join(str(person.fields.get(n, "")) for n in ("given_name", "family_name")).strip()
    return name or staff.gettext(language, "this person")


@router.get("/contacts/{person_id}/edit")
def edit_person_form(
    person_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    purpose = working_purpose(k, session)
    if purpose is None:
        return needs_purpose(k, request, session)
    person = service.read_person(k, session.actor, person_id, purpose.key, now)
    return _edit_form(
        k,
        request,
        session,
        person,
        purpose,
        {name: _shown(value) for name, value in person.fields.items()},
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
    person = service.read_person(k, session.actor, person_id, purpose.key, now)
    values = _posted(form, (f.name for f in _inputs([purpose], {})))
    changes: dict[str, Any] = {
        name: value or None
        for name, value in values.items()
        if value != (_shown(person.fields[name]) if name in person.fields else "")
    }
    relationship, language = staff.text(form, "relationship"), staff.text(form, "language")
    try:
        company_id = _company_id(form)
        for name, new, old in (
            ("relationship", relationship, person.relationship),
            ("language", language, person.language),
            ("company_id", company_id, person.company_id),
        ):
            if new != old:
                changes[name] = new
        if changes:
            service.update_person(k, session.actor, person_id, purpose.key, changes, now)
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
            company_id=_posted_company(form),
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
    person = service.read_person(k, session.actor, person_id, purpose.key, now)
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
    service.erase_person(k, session.actor, person_id, now, reason=reason)
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
