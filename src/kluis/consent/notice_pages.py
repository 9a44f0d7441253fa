"""The pages of consent notices and topics (``/app/admin/notices``): every version of the
wording shown when consent is asked, what it asks for and how many consent events cite it; a
new version; the topics, and a new topic. Thin: each calls ``consent.catalogue``, which audits
(``notice.added``, ``topic.created``) and checks roles as for ``kluis notices`` and ``kluis
topics`` and the API (a notice or a topic needs an admin or the privacy officer); other roles
get 403 on every page here.

Notices are append-only (Art. 7(1): the controller must be able to show what each person agreed
to): there is no edit form; changing a wording is adding a new version, and the old one stays
with the grants that cite it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from kluis.api import KluisDep, NowDep
from kluis.auth.sessions import Session
from kluis.auth.shell import SessionDep, checked_form
from kluis.consent import catalogue, grant_rules
from kluis.consent.rules import Channel
from kluis.errors import KluisError
from kluis.locale import N_
from kluis.locale.formats import say_date
from kluis.runtime import Kluis
from kluis.ui import staff
from kluis.ui.staff import PREFIX


def _keeper(session: SessionDep) -> None:
    """Every page here answers 403 to a role that may not add notices (the service's check,
    made before anything is read or shown)."""
    catalogue.may_add_notices(session.actor)


router = APIRouter(
    prefix=f"{PREFIX}/admin/notices",
    route_class=staff.StaffRoute,
    default_response_class=HTMLResponse,
    dependencies=[Depends(_keeper)],
)

REFUSALS = (
    N_("only an admin or the privacy officer may add a consent notice"),
    N_("only an admin or the privacy officer may add topics"),
)
"""The services' refusals these pages show, for the translations."""


def _page(
    k: Kluis,
    request: Request,
    session: Session,
    *,
    status: int = 200,
    error: str | None = None,
    error_in: str | None = None,
    posted: dict[str, Any] | None = None,
    done: str | None = None,
) -> HTMLResponse:
    cited = catalogue.notice_citations(k)
    notices = [
        {
            "notice": n,
            "since": say_date(n.created_at, session.language),
            "cited": cited.get(n.id, 0),
        }
        for n in reversed(catalogue.list_notices(k))
    ]
    return staff.render(
        k,
        request,
        "staff/admin_notices.html",
        session,
        staff.gettext(session.language, "Consent notices"),
        status=status,
        notices=notices,
        topics=catalogue.list_topics(k),
        channels=[c.value for c in Channel],
        error=error,
        error_in=error_in,
        posted=posted or {},
        done=done,
    )


@router.get("")
def notices_page(request: Request, k: KluisDep, session: SessionDep) -> HTMLResponse:
    return _page(k, request, session)


@router.post("")
async def add_notice(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    form = await checked_form(request, session)
    channels = [str(c) for c in form.getlist("channels")]
    topics = [str(t) for t in form.getlist("topics")]
    language, text = staff.text(form, "language"), staff.text(form, "text")
    posted = {"language": language, "text": text, "channels": channels, "topics": topics}
    try:
        catalogue.add_notice(
            k,
            session.actor,
            language,
            text,
            now,
            covers=grant_rules.every(channels, topics),
        )
    except KluisError as exc:
        return _page(
            k,
            request,
            session,
            status=exc.status,
            error=staff.error_text(session.language, exc),
            error_in="notice",
            posted=posted,
        )
    return _page(k, request, session, done="notice")


@router.post("/topics")
async def add_topic(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    form = await checked_form(request, session)
    posted = {n: staff.text(form, n) for n in ("key", "name_en", "name_nl", "reconfirm_months")}
    try:
        months = int(posted["reconfirm_months"] or catalogue.DEFAULT_RECONFIRM_MONTHS)
    except ValueError:
        months = 0
    try:
        catalogue.create_topic(
            k, session.actor, posted["key"], posted["name_en"], posted["name_nl"], now, months
        )
    except KluisError as exc:
        return _page(
            k,
            request,
            session,
            status=exc.status,
            error=staff.error_text(session.language, exc),
            error_in="topic",
            posted=posted,
        )
    return _page(k, request, session, done="topic")
