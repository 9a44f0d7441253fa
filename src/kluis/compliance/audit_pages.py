"""Staff web page of the audit log: the entries in order, paged by sequence number, and a button
that walks the hash chain and shows whether it holds, with the head hash to write down
elsewhere (a later check against it proves nobody rewrote the end of the log).

Admins and privacy officers only (``audit.service.may_read``). The entries name people by opaque
id and hold no personal values, so the page shows them as they are.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from kluis.api import KluisDep
from kluis.audit import service
from kluis.auth import sessions
from kluis.auth.shell import SessionDep, checked_form
from kluis.errors import PermissionDenied
from kluis.ui import staff
from kluis.ui.staff import PREFIX, refused

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

PAGE_SIZE = 50
MAX_SEQ = 2**62


def _page(
    k: KluisDep,
    request: Request,
    session: sessions.Session,
    after: int,
    verification: service.Verification | None = None,
) -> Response:
    try:
        service.may_read(session.actor)
    except PermissionDenied as exc:
        return refused(k, request, session, exc)
    entries = service.list_entries(k.engine, after=after, limit=PAGE_SIZE)
    return staff.render(
        k,
        request,
        "staff/audit.html",
        session,
        staff.gettext(session.language, "Audit log"),
        entries=[
            (e, json.dumps(e.details, ensure_ascii=False, sort_keys=True) if e.details else "")
            for e in entries
        ],
        after=after,
        earlier=max(0, after - PAGE_SIZE) if after > 0 else None,
        later=entries[-1].seq if len(entries) == PAGE_SIZE else None,
        verification=verification,
    )


@router.get("/compliance/audit")
def audit_page(
    request: Request,
    k: KluisDep,
    session: SessionDep,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
) -> Response:
    return _page(k, request, session, after)


@router.post("/compliance/audit/verify")
async def verify(request: Request, k: KluisDep, session: SessionDep) -> Response:
    """Walk the whole chain (it reads every entry, so it is a button, not a page load)."""
    await checked_form(request, session)
    try:
        service.may_read(session.actor)
    except PermissionDenied as exc:
        return refused(k, request, session, exc)
    return _page(k, request, session, 0, service.verify(k.engine))
