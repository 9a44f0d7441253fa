"""Staff web pages of privacy requests: the queue by deadline with days left (overdue first to
catch the eye), and each request's page walking the steps of its type. Thin: every action calls
``kluis.requests.service``, which checks the role and audits."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kluis.api import KluisDep, NowDep
from kluis.auth.shell import SessionDep, checked_form
from kluis.connected import tracking
from kluis.contacts import custom_fields
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.errors import InvalidField, KluisError
from kluis.locale.formats import say_date
from kluis.messaging import service as messaging
from kluis.purposes import service as purposes
from kluis.requests import old_files, rules, service
from kluis.runtime import Kluis
from kluis.ui import staff
from kluis.ui.staff import PREFIX
from kluis.ui.vocabulary import N_

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

STEPS = {
    "access": N_("Verify who is asking, then send them a copy of everything held about them."),
    "portability": N_(
        "Verify who is asking, then send them their data as a file another system can import."
    ),
    "rectification": N_("Verify who is asking, then correct the fields they named."),
    "restriction": N_(
        "Verify who is asking, then restrict processing to storage until it is lifted."
    ),
    "objection": N_("Verify who is asking, then stop direct marketing on every channel."),
    "erasure": N_(
        "Verify who is asking; they get a copy of their data, everything no law requires is "
        "erased, and they get a certificate."
    ),
}


def _transport(request: Request) -> messaging.TransportFactory | None:
    factory: messaging.TransportFactory | None = getattr(
        request.app.state, "transport_factory", None
    )
    return factory


def _outcomes(k: Kluis, session: Any, ids: list[int]) -> dict[int, str]:
    """The outcomes of the finished requests among ``ids`` in the reader's language: fields
    and purposes by their names, days as dates (``outcomes.Outcome.said``)."""
    found = service.outcomes_of(k, session.actor, ids)
    if not found:
        return {}
    language = session.language
    fields = {f.name: f.label_nl if language == "nl" else f.label_en for f in PERSONAL_FIELDS}
    fields |= {f.name: f.label(language) for f in custom_fields.fields(k)}
    names = {
        p.key: p.name_nl if language == "nl" else p.name_en
        for p in purposes.list_purposes(k.engine)
    }
    words = staff.translations(language).gettext
    return {
        number: outcome.said(
            words,
            lambda name: fields.get(name, name),
            lambda key: names.get(key, key),
            lambda day: say_date(day, language),
        )
        for number, outcome in found.items()
    }


def _queue(
    k: KluisDep,
    request: Request,
    session: Any,
    now: Any,
    *,
    error: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    views = service.list_requests(k, session.actor, now, open_only=True, limit=1000)
    done = service.list_requests(k, session.actor, now, limit=1000)
    closed = [v for v in done if v.status in ("completed", "refused")][-50:]
    return staff.render(
        k,
        request,
        "staff/requests.html",
        session,
        staff.gettext(session.language, "Privacy requests"),
        status=status,
        open_requests=views,
        closed=closed,
        outcomes=_outcomes(k, session, [v.id for v in closed]),
        types=[t.value for t in rules.RequestType],
        verifications=[v.value for v in rules.Verification],
        error=error,
        form=form or {},
    )


@router.get("/requests")
def queue(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> HTMLResponse:
    return _queue(k, request, session, now)


@router.post("/requests")
async def new_request(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    """Take a request in (by letter, phone or at the desk): the person by e-mail address or id,
    and how they were verified if that is done already."""
    form = await checked_form(request, session)
    values = {name: staff.text(form, name) for name in ("type", "who", "verified_by", "details")}
    who = values["who"]
    try:
        made = service.create(
            k,
            session.actor,
            values["type"],
            now,
            person_id=None if "@" in who else (who or None),
            email=who if "@" in who else None,
            verified_by=values["verified_by"] or None,
            details=values["details"] or None,
        )
    except KluisError as exc:
        if exc.status >= 500:
            raise
        return _queue(
            k,
            request,
            session,
            now,
            error=staff.error_text(session.language, exc),
            status=exc.status,
            form=values,
        )
    return staff.redirect(f"{PREFIX}/requests/{made.id}")


def _page(
    k: KluisDep,
    request: Request,
    session: Any,
    now: Any,
    request_id: int,
    *,
    error: str | None = None,
    done: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    view = service.get(k, session.actor, request_id, now)
    return staff.render(
        k,
        request,
        "staff/request.html",
        session,
        staff.gettext(session.language, "Request %(id)s", id=request_id),
        status=status,
        r=view,
        outcome=_outcomes(k, session, [view.id]).get(view.id),
        steps=STEPS[view.type],
        article=rules.ARTICLES[rules.RequestType(view.type)],
        verifications=[v.value for v in rules.Verification],
        fields=[
            (f.name, f.label_nl if session.language == "nl" else f.label_en)
            for f in PERSONAL_FIELDS
        ]
        + [(f.name, f.label(session.language)) for f in custom_fields.fields(k)],
        error=error,
        done=done,
        discover=old_files.page_part(k, session.actor, request_id, view.type, session.language),
        connected_notices=tracking.for_request(k, view.person_id),
    )


@router.get("/requests/{request_id}")
def request_page(
    request_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    return _page(k, request, session, now, request_id)


@router.post("/requests/{request_id}/{action}")
async def act(
    request_id: int,
    action: str,
    request: Request,
    k: KluisDep,
    now: NowDep,
    session: SessionDep,
) -> Response:
    form = await checked_form(request, session)
    mail = staff.text(form, "mail") == "yes"
    transport = _transport(request)
    files: dict[str, bytes] = {}
    try:
        if action == "verify":
            service.verify(k, session.actor, request_id, staff.text(form, "verified_by"), now)
        elif action == "extend":
            months = staff.text(form, "months")
            service.extend(
                k,
                session.actor,
                request_id,
                int(months) if months.isdigit() else 0,
                staff.text(form, "reason"),
                now,
                transport=transport,
                mail=mail,
            )
        elif action == "refuse":
            service.refuse(
                k,
                session.actor,
                request_id,
                staff.text(form, "reason"),
                now,
                transport=transport,
                mail=mail,
            )
        elif action == "process":
            field_name = staff.text(form, "field")
            changes = {field_name: staff.text(form, "value") or None} if field_name else None
            files = service.process(
                k,
                session.actor,
                request_id,
                now,
                transport=transport,
                changes=changes,
                mail=mail,
            ).files
        elif action == "lift":
            service.lift_restriction(
                k, session.actor, request_id, now, transport=transport, mail=mail
            )
        else:
            raise InvalidField(f"there is no step {action!r}", field="action")
    except KluisError as exc:
        if exc.status >= 500:
            raise
        return _page(
            k,
            request,
            session,
            now,
            request_id,
            error=staff.error_text(session.language, exc),
            status=exc.status,
        )
    if files:
        return _handover(request_id, files)
    said = (
        staff.gettext(session.language, "Done. The mails to the person will be sent.")
        if mail
        else staff.gettext(session.language, "Done.")
    )
    return _page(k, request, session, now, request_id, done=said)


def _handover(request_id: int, files: dict[str, bytes]) -> Response:
    """What could not go by e-mail, as one ZIP to hand over (it is personal data: not cached)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(files.items()):
            archive.writestr(name, content)
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={
            **staff.HEADERS,
            "Content-Disposition": f'attachment; filename="request-{request_id}.zip"',
        },
    )
