"""Staff pages of phone call lists: the list of a phone campaign, and one person's call with
the number as a ``tel:`` link (RFC 3966), the script and the outcome buttons. Every button is
a plain POST form (CSRF token, redirect after), so the pages work without JavaScript. Opening a
call decides again (``calls.open_call``); a refusal is shown with its reason, without the
number."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kluis.api import KluisDep, NowDep
from kluis.auth.shell import SessionDep, checked_form
from kluis.consent.evidence import Recording
from kluis.consent.rules import REASONS, Reason
from kluis.messaging import call_rules, calls
from kluis.ui import staff
from kluis.ui.staff import PREFIX
from kluis.ui.uploads import read_upload
from kluis.ui.vocabulary import N_

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

OUTCOME_LABELS = {
    "reached": N_("Reached"),
    "no_answer": N_("No answer"),
    "call_back": N_("Call back"),
    "not_interested": N_("Not interested"),
    "opt_out": N_("Opt out: call no more"),
}
TOO_LARGE = N_("the recording is larger than allowed")


def why(reason: str, language: str) -> str:
    """The sentence that explains a decision's reason, in the page's language."""
    try:
        en, nl = REASONS[Reason(reason)]
    except ValueError:
        return reason
    return nl if language == "nl" else en


@router.get("/campaigns/{campaign_id}/calls")
def list_page(campaign_id: int, request: Request, k: KluisDep, session: SessionDep) -> HTMLResponse:
    found = calls.call_list(k, session.actor, campaign_id)
    return staff.render(
        k,
        request,
        "staff/call_list.html",
        session,
        staff.gettext(session.language, "Call list: %(name)s", name=found.campaign.name),
        found=found,
        labels=OUTCOME_LABELS,
        why=lambda reason: why(reason, session.language),
    )


@router.post("/campaigns/{campaign_id}/calls")
async def make_list(
    campaign_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    await checked_form(request, session)
    calls.make_list(k, session.actor, campaign_id, now)
    return staff.redirect(f"{PREFIX}/campaigns/{campaign_id}/calls")


@router.get("/calls/{call_id}")
def call_page(
    call_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    call = calls.open_call(k, session.actor, call_id, now)
    name = " ".join(n for n in (call.given_name, call.family_name) if n)
    shown = name or "#" + str(call_id)
    return staff.render(
        k,
        request,
        "staff/call_person.html",
        session,
        staff.gettext(session.language, "Call: %(name)s", name=shown),
        call=call,
        name=name,
        outcomes=call_rules.OUTCOMES,
        labels=OUTCOME_LABELS,
        reason=why(call.reason, session.language),
        tel="tel:" + "".join(c for c in (call.phone or "") if c.isdigit() or c == "+"),
    )


@router.post("/calls/{call_id}/outcome")
async def log_outcome(
    call_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    try:
        upload = await read_upload(
            form, "recording", k.settings.evidence_max_bytes, TOO_LARGE, aliases={}
        )
        recording = None
        if upload is not None:
            recording = Recording(upload.content_type, upload.data, upload.filename)
    finally:
        await form.close()  # the uploaded file's temporary copy
    item = calls.log_outcome(k, session.actor, call_id, staff.text(form, "outcome"), now, recording)
    campaign_id = calls.campaign_of(k, item.id)
    return staff.redirect(f"{PREFIX}/campaigns/{campaign_id}/calls#call-{item.id}")
