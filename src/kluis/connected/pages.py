"""Staff pages of connected systems: the register with a form to add a system (a webhook
system's secret is shown once, on the page that follows), rotating a secret, and ticking a
notice on a privacy request's page (a manual step, or a confirmation that came by telephone or
letter). Admins and the privacy officer only; the service checks and audits."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kluis.api import KluisDep, NowDep
from kluis.auth import sessions
from kluis.auth.shell import SessionDep, checked_form
from kluis.connected import delivery, rules, service
from kluis.errors import KluisError, PermissionDenied
from kluis.purposes import service as purposes
from kluis.ui import staff
from kluis.ui.staff import PREFIX, refused
from kluis.ui.vocabulary import N_

WORDS = (
    N_("processor"),
    N_("recipient"),
    N_("webhook"),
    N_("email"),
    N_("manual"),
    N_("erasure"),
    N_("rectification"),
    N_("restriction"),
    N_("restriction_lifted"),
    N_("objection"),
    N_("objection_lifted"),
    N_("consent_withdrawn"),
    N_("pending"),
    N_("sent"),
    N_("confirmed"),
    N_("failed"),
)
"""The kinds, ways of reaching and states the pages show through ``_()``, listed for the
extractor."""

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)


def _page(
    k: KluisDep,
    request: Request,
    session: sessions.Session,
    now: NowDep,
    *,
    secret: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    try:
        found = service.systems(k, session.actor, now)
    except PermissionDenied as exc:
        return refused(k, request, session, exc)
    return staff.render(
        k,
        request,
        "staff/connected_systems.html",
        session,
        staff.gettext(session.language, "Connected systems"),
        status=status,
        systems=found,
        catalogue=purposes.list_purposes(k.engine),
        kinds=rules.KINDS,
        reaches=rules.REACHES,
        secret=secret,
        error=error,
    )


@router.get("/compliance/systems")
def systems_page(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    return _page(k, request, session, now)


@router.post("/compliance/systems")
async def add(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    form = await checked_form(request, session)
    try:
        added = service.add_system(
            k,
            session.actor,
            now,
            name=staff.text(form, "name"),
            kind=staff.text(form, "kind"),
            reach=staff.text(form, "reach"),
            purposes=[p for p in form.getlist("purposes") if isinstance(p, str)],
            webhook_url=staff.text(form, "webhook_url") or None,
            contact_email=staff.text(form, "contact_email") or None,
            instructions=staff.text(form, "instructions") or None,
            send_values=staff.text(form, "send_values") == "yes",
        )
    except PermissionDenied as exc:
        return refused(k, request, session, exc)
    except KluisError as exc:
        message = staff.error_text(session.language, exc)
        return _page(k, request, session, now, error=message, status=exc.status)
    return _page(k, request, session, now, secret=added.secret)


@router.post("/compliance/systems/{system_id}/rotate")
async def rotate(
    system_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    await checked_form(request, session)
    try:
        secret = service.rotate_secret(k, session.actor, system_id, now)
    except PermissionDenied as exc:
        return refused(k, request, session, exc)
    return _page(k, request, session, now, secret=secret)


@router.post("/connected/notices/{notice_id}/tick")
async def tick(
    notice_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    try:
        delivery.tick(k, session.actor, notice_id, now)
    except PermissionDenied as exc:
        return refused(k, request, session, exc)
    back = staff.text(form, "back")
    return staff.redirect(back if back.startswith(f"{PREFIX}/") else f"{PREFIX}/compliance/systems")
