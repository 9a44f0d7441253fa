"""The staff page that exports a selection of the people list (its bulk action "Export"): a CSV
download of the ticked people under the working purpose, through ``export.export_selection``.
The file is personal data in plain text: it is sent with ``Cache-Control: no-store`` and never
kept on the server."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kluis.api import KluisDep, NowDep
from kluis.auth.shell import SessionDep, checked_form
from kluis.purposes.shell import working_purpose
from kluis.transfer import export
from kluis.ui import staff
from kluis.ui.staff import PREFIX

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)


@router.post("/contacts/selection/export")
async def export_selection(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    purpose = working_purpose(k, session)
    if purpose is None:
        return staff.redirect(f"{PREFIX}/contacts")
    ids = [v for v in form.getlist("person_id") if isinstance(v, str)]
    text, _count = export.export_selection(k, session.actor, ids, purpose.key, now)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            **staff.HEADERS,
            "Content-Disposition": f'attachment; filename="kluis-{purpose.key}.csv"',
        },
    )
