"""The request page's search of one uploaded old file (``kluis.discover``).

The upload is limited to ``KLUIS_DISCOVER_UPLOAD_MAX_BYTES`` (refused from its Content-Length
before the body is read, and checked again after), searched, and closed, which removes its
temporary file: nothing of it is kept but the report (file name, places, kinds)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from kluis.api import KluisDep, NowDep
from kluis.auth.shell import SessionDep, checked_form
from kluis.discover import service as discover
from kluis.errors import InvalidField, KluisError
from kluis.requests import old_files, pages
from kluis.ui import staff
from kluis.ui.staff import PREFIX
from kluis.ui.vocabulary import N_

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

TOO_LARGE = N_("the file is larger than the most accepted")
NO_FILE = N_("choose a file to search")
FORM_ROOM = 64 * 1024
"""What a multipart body holds besides the file (boundaries, headers, the CSRF field)."""


@router.post("/requests/{request_id}/old-files/search")
async def search_upload(
    request_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    limit = k.settings.discover_upload_max_bytes
    try:
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit + FORM_ROOM:
            raise InvalidField(TOO_LARGE, field="file")
        form = await checked_form(request, session)
        posted = form.get("file")
        upload = posted if isinstance(posted, UploadFile) and posted.filename else None
        if upload is None:
            raise InvalidField(NO_FILE, field="file")
        if upload.size is not None and upload.size > limit:
            raise InvalidField(TOO_LARGE, field="file")
        discover.scan_upload(
            k,
            session.actor,
            old_files.target(k, request_id),
            upload.filename or "",
            upload.file,
            now,
        )
    except KluisError as exc:
        if exc.status >= 500:
            raise
        return pages._page(
            k,
            request,
            session,
            now,
            request_id,
            error=staff.error_text(session.language, exc),
            status=exc.status,
        )
    finally:
        # closes every uploaded part, which removes its temporary file (a refused form too)
        await request.close()
    return staff.redirect(f"{PREFIX}/requests/{request_id}#old-files")
