"""Staff pages of the test send to oneself (``trial_send``): the button on a campaign's page,
and the staff member's own number for test texts (their profile's phone). Plain forms with the
CSRF token; a refusal (no provider, no mail server, no number, a person who cannot be read
under the working purpose) is shown on the campaign page with what to do."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kluis.api import KluisDep, NowDep
from kluis.auth.shell import SessionDep, checked_form
from kluis.errors import InvalidField, KluisError, PermissionDenied
from kluis.messaging import pages, trial_send, trial_view
from kluis.purposes.shell import working_purpose
from kluis.ui import staff
from kluis.ui.staff import PREFIX
from kluis.ui.vocabulary import N_

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

SERVICE_MESSAGES = (
    N_(
        "you have no phone number for test messages; add yours on your profile "
        "(/app/profile/phone) first"
    ),
    N_("choose the purpose you work for: the person is read under it"),
)
"""What ``trial_send`` says when it refuses, listed so the extractor finds it."""


@router.post("/campaigns/{campaign_id}/test")
async def send_test(
    campaign_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    """Send the campaign to the signed-in user, rendered for the person named in the form (or
    sample values), and come back to the campaign page saying where it went."""
    form = await checked_form(request, session)
    person = staff.text(form, "person")
    purpose = working_purpose(k, session)
    try:
        sent = trial_send.send_test(
            k,
            session.actor,
            campaign_id,
            trial_view.person_id_of(person),
            purpose.key if purpose else None,
            now,
            language=session.language,
            mail=pages._transport(request),
        )
    except PermissionDenied:
        raise
    except KluisError as exc:
        return pages.campaign_view(k, request, session, campaign_id, now, person, error=exc)
    query = urlencode(
        {"person": person, "tested": sent.channel} if person else {"tested": sent.channel}
    )
    return staff.redirect(f"{PREFIX}/campaigns/{campaign_id}?{query}#test")


def _phone_page(
    k: KluisDep, request: Request, session: SessionDep, error: KluisError | None = None
) -> HTMLResponse:
    return staff.render(
        k,
        request,
        "staff/test_phone.html",
        session,
        staff.gettext(session.language, "Your number for test messages"),
        status=error.status if error else 200,
        phone=trial_send.phone_of(k, session.actor),
        error=staff.error_text(session.language, error) if error else None,
    )


@router.get("/profile/phone")
def phone_form(request: Request, k: KluisDep, session: SessionDep) -> HTMLResponse:
    return _phone_page(k, request, session)


@router.post("/profile/phone")
async def set_phone(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    form = await checked_form(request, session)
    number = "" if staff.text(form, "remove") else staff.text(form, "phone")
    try:
        trial_send.set_phone(k, session.actor, number or None, now)
    except InvalidField as exc:
        return _phone_page(k, request, session, exc)
    return staff.redirect(f"{PREFIX}/profile/phone")
