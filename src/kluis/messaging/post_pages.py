"""Downloads of a post mailing, from the campaign's staff page and the JSON API: a CSV for a
mailing house, address labels and letters (``post``). A download is a POST (with the page's
CSRF token): it decides people and stores those decisions, which a GET must not do. The file
holds names and addresses, so it is sent with ``Cache-Control: no-store`` (nothing keeps a
copy on the way, GDPR Art. 32) and as an attachment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from kluis.api import PROBLEMS, KluisDep, NowDep, get_now
from kluis.auth.deps import ActorDep
from kluis.auth.shell import SessionDep, checked_form
from kluis.jobs import web as jobs
from kluis.messaging import campaigns, post, post_jobs
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
    """Start making the file as a job (``post_jobs``) and go to its page, which follows the
    progress and offers the file when it is ready."""
    await checked_form(request, session)  # before the path is checked: a forged form is 403
    made = post_jobs.request_file(k, session.actor, campaign_id, kind, now)
    clock: Callable[[], datetime] = request.app.dependency_overrides.get(get_now, get_now)
    jobs.submit(request.app.state, k, post_jobs.MAKE, {"file_id": made.id}, clock=clock)
    return staff.redirect(f"{PREFIX}/post-files/{made.id}")


@pages.get("/post-files/{file_id}")
def file_page(
    file_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    post_jobs.expire(k, now)
    found = post_jobs.get_file(k, session.actor, file_id, now)
    view = campaigns.get_campaign(k, found.campaign_id)
    return staff.render(
        k,
        request,
        "staff/post_file.html",
        session,
        staff.gettext(session.language, "Post file: %(name)s", name=view.name),
        f=found,
        c=view,
        refresh=found.state in ("queued", "deciding", "writing"),
    )


@pages.post("/post-files/{file_id}/download")
async def file_download(
    file_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    """The ready file, once: it is deleted as it is handed over."""
    await checked_form(request, session)
    return attachment(post_jobs.take(k, session.actor, file_id, now))


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
