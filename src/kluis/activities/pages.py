"""Staff pages of activities: the form that logs one (on the person page and on a page of its
own, where a refused form comes back with its error), one activity with its recording, its
deletion, and a company's people's activities. All under the working purpose; they work without
JavaScript (a plain multipart form, a redirect after each post)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from kluis.activities import reads, rules, service
from kluis.activities.panels import form_context
from kluis.actors import ALL_PURPOSES_ROLES
from kluis.api import MAX_ID, KluisDep, NowDep
from kluis.auth import colleagues, sessions
from kluis.auth.shell import SessionDep, checked_form
from kluis.consent import ledger as consent_ledger
from kluis.consent.evidence import Recording
from kluis.contacts import companies
from kluis.contacts import people as contacts
from kluis.contacts.page_parts import FormError, display_name, form_error, needs_purpose
from kluis.errors import InvalidField, KluisError
from kluis.purposes.service import list_purposes
from kluis.purposes.shell import working_purpose
from kluis.ui import staff
from kluis.ui.staff import PREFIX
from kluis.ui.uploads import AUDIO_ALIASES, read_upload
from kluis.ui.vocabulary import N_

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

LABELS = {
    "type": N_("Kind"),
    "subject": N_("Subject"),
    "body": N_("What was said or agreed"),
    "occurred_at": N_("When"),
    "duration": N_("Duration in minutes"),
    "recording": N_("Recording"),
    "purpose": N_("Purpose"),
    "consent_event_id": N_("Consent this call recorded"),
}
NO_SUCH_EVENT = N_("choose one of the person's consent events, or none")
TOO_LARGE = N_("the recording is larger than the most accepted")
WORDS = (
    N_("call"),
    N_("meeting"),
    N_("email_in"),
    N_("email_out"),
    N_("note"),
    N_("visit"),
    N_("only the author, an admin or the privacy officer may change an activity"),
    N_("only a call or a meeting can carry a recording; log it as a call"),
    N_("give the time as on the form (2026-03-14T09:30)"),
)
ActivityId = Annotated[str, Path(max_length=36)]
CompanyId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _moment(value: str) -> datetime | None:
    """The form's ``datetime-local`` value, read as UTC (the form says so)."""
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidField(
            N_("give the time as on the form (2026-03-14T09:30)"), field="occurred_at"
        ) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _duration(value: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 5:
        raise InvalidField(
            f"duration must be between 0 and {rules.DURATION_MAX} minutes", field="duration"
        )
    return int(value)


def _consent_event(value: str) -> int | None:
    """The consent event a call recorded, chosen from the person's ledger (empty: none)."""
    if not value:
        return None
    if not value.isdigit() or int(value) > MAX_ID:
        raise InvalidField(NO_SUCH_EVENT, field="consent_event_id")
    return int(value)


def _form_page(
    k: KluisDep,
    request: Request,
    session: sessions.Session,
    person: contacts.PersonView,
    *,
    error: FormError | None = None,
    status: int = 200,
    posted: dict[str, str] | None = None,
    now: datetime,
) -> HTMLResponse:
    purpose = working_purpose(k, session)
    assert purpose is not None
    return staff.render(
        k,
        request,
        "staff/activity_form.html",
        session,
        staff.gettext(
            session.language,
            "Log an activity with %(name)s",
            name=display_name(person, session.language),
        ),
        status=status,
        person=person,
        activity_form=form_context(k, purpose, person.company_id),
        ledger=consent_ledger.ledger(k, session.actor, person.id, purpose.key, now),
        error=error,
        posted=posted or {},
    )


@router.get("/contacts/{person_id}/activities/new")
def new_activity(
    person_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    purpose = working_purpose(k, session)
    if purpose is None:
        return needs_purpose(k, request, session)
    person = contacts.read_person(k, session.actor, person_id, purpose.key, now)
    deal = request.query_params.get("deal", "")
    return _form_page(
        k, request, session, person, posted={"deal": deal} if deal.isdigit() else {}, now=now
    )


@router.post("/contacts/{person_id}/activities")
async def log_activity(
    person_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    """Log an activity under the working purpose, with a call's recording if one is sent."""
    form = await checked_form(request, session)
    try:
        return await _log(k, request, session, person_id, now, form)
    finally:
        await form.close()  # the uploaded file's temporary copy


async def _log(
    k: KluisDep,
    request: Request,
    session: sessions.Session,
    person_id: str,
    now: NowDep,
    form: FormData,
) -> Response:
    posted = {
        name: staff.text(form, name)
        for name in (
            "type",
            "subject",
            "body",
            "occurred_at",
            "duration",
            "company",
            "deal",
            "consent",
        )
    }
    purpose = working_purpose(k, session)
    if purpose is None:
        return needs_purpose(k, request, session)
    try:
        recording = None
        upload = await read_upload(
            form, "recording", k.settings.evidence_max_bytes, TOO_LARGE, AUDIO_ALIASES
        )
        if upload is not None:
            recording = Recording(upload.content_type, upload.data, upload.filename)
        draft = rules.Draft(
            type=posted["type"],
            subject=posted["subject"],
            body=posted["body"] or None,
            occurred_at=_moment(posted["occurred_at"]),
            duration_minutes=_duration(posted["duration"]),
            company_id=int(posted["company"]) if posted["company"].isdigit() else None,
            deal_id=int(posted["deal"]) if posted["deal"].isdigit() else None,
            consent_event_id=_consent_event(posted["consent"]),
        )
        service.log(k, session.actor, person_id, purpose.key, draft, now, recording)
    except KluisError as exc:
        person = contacts.read_person(k, session.actor, person_id, purpose.key, now)
        return _form_page(
            k,
            request,
            session,
            person,
            error=form_error(session.language, exc, LABELS),
            status=exc.status,
            posted=posted,
            now=now,
        )
    if draft.deal_id is not None:  # logged from the deal's page: back to it
        return staff.redirect(f"{PREFIX}/deals/{draft.deal_id}#deal-work")
    return staff.redirect(f"{PREFIX}/contacts/{person_id}#activities-h")


@router.get("/activities/{activity_id}")
def activity_page(
    activity_id: ActivityId, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    """One activity under the working purpose, with its recording for those who may open
    evidence, and its deletion for its author, admins and the privacy officer."""
    purpose = working_purpose(k, session)
    if purpose is None:
        return needs_purpose(k, request, session)
    view = reads.show(k, session.actor, activity_id, purpose.key, now)
    return staff.render(
        k,
        request,
        "staff/activity.html",
        session,
        staff.gettext(session.language, view.type),
        activity=view,
        author=colleagues.of_ref(k.engine, session.role, session.language, view.author),
        author_address=colleagues.shows_addresses(session.role),
        activity_purpose=next(p for p in list_purposes(k.engine) if p.key == view.purpose_key),
        may_open_evidence=session.role in ALL_PURPOSES_ROLES,
        may_delete=view.author == session.actor.ref or session.role in ALL_PURPOSES_ROLES,
    )


@router.post("/activities/{activity_id}/delete")
async def delete_activity(
    activity_id: ActivityId, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    await checked_form(request, session)
    purpose = working_purpose(k, session)
    if purpose is None:
        return needs_purpose(k, request, session)
    view = reads.show(k, session.actor, activity_id, purpose.key, now)
    service.delete(k, session.actor, activity_id, purpose.key, now)
    return staff.redirect(f"{PREFIX}/contacts/{view.person_id}#activities-h")


@router.get("/companies/{company_id}/activities")
def company_activities(
    company_id: CompanyId, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    """The activities of a company's people under the working purpose."""
    purpose = working_purpose(k, session)
    if purpose is None:
        return needs_purpose(k, request, session)
    company = companies.get_company(k, company_id)
    found = reads.of_company(k, session.actor, company_id, purpose.key, now)
    return staff.render(
        k,
        request,
        "staff/company_activities.html",
        session,
        staff.gettext(session.language, "Activities at %(name)s", name=company.name),
        company=company,
        activities=found,
    )
