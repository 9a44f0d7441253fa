"""The public privacy notice page, ``GET /privacy-notice`` (Art. 12(1), 13).

Rendered like the other public pages (no cookies, no scripts, autoescaped), in the language of
``?lang=``, else the browser's ``Accept-Language``, else Dutch.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from kluis.api import KluisDep, NowDep
from kluis.compliance import notice
from kluis.public.shell import HEADERS, PageRoute, language

router = APIRouter(route_class=PageRoute, default_response_class=HTMLResponse)


@router.get("/privacy-notice")
def privacy_notice(request: Request, k: KluisDep, now: NowDep) -> HTMLResponse:
    """What is kept, why, how long, who gets it, and the person's rights; from the catalogue."""
    lang = language(request)
    body = notice.as_html(notice.build(k, lang, now), k.settings.organisation_name, page=True)
    return HTMLResponse(body, headers=HEADERS)
