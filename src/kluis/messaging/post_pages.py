"""Downloads of a post mailing, from the campaign's staff page and the JSON API: a CSV for a
mailing house, address labels and letters (``post``). A download is a POST (with the page's
CSRF token): it decides people and stores those decisions, which a GET must not do. The file
holds names and addresses, so it is sent with ``Cache-Control: no-store`` (nothing keeps a
copy on the way, GDPR Art. 32) and as an attachment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from kluis.api import PROBLEMS, KluisDep, NowDep
from kluis.auth.deps import ActorDep
from kluis.auth.shell import SessionDep, checked_form
from kluis.messaging import post
from kluis.messaging.routes import CampaignId
from kluis.ui import staff
from kluis.ui.staff import PREFIX

pages = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)
api = APIRouter(prefix="/campaigns", tags=["campaigns"], responses=PROBLEMS)

FileKind = Annotated[str, Path(pattern="^(csv|labels|letters)$")]


def attachment(made: post.File) -> Response:
    return Response(
        made.content,
        media_type=made.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{made.name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@pages.post("/campaigns/{campaign_id}/post/{kind}")
async def download_page(
    campaign_id: int,
    kind: str,
    request: Request,
    k: KluisDep,
    now: NowDep,
    session: SessionDep,
) -> Response:
    await checked_form(request, session)  # before the path is checked: a forged form is 403
    _mailing, made = post.files(k, session.actor, campaign_id, [kind], now)
    return attachment(made[0])


@api.post(
    "/{campaign_id}/post/{kind}",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/pdf": {}}}},
)
def download(
    kluis: KluisDep, actor: ActorDep, now: NowDep, campaign_id: CampaignId, kind: FileKind
) -> Response:
    """A post campaign's file: `csv` (for a mailing house), `labels` (PDF, A4, 3 x 8 labels of
    70 x 37 mm) or `letters` (PDF, one letter per person). The first download makes the
    mailing (the campaign is then sent); every download decides each person again, reads names
    and addresses under the purpose of their decision and is audited (`post.downloaded`).
    Answered with `Cache-Control: no-store`. Marketing, an admin or the privacy officer only."""
    _mailing, made = post.files(kluis, actor, campaign_id, [kind], now)
    return attachment(made[0])
