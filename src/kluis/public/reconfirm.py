"""The re-confirmation page: ``/reconfirm/{token}``, the link in the mail that asks a person,
once, whether a consent nearing its re-confirm-by date should go on.

Same rules as the other public pages (``routes``): no cookies, no scripts, not cached, no
referrer. A GET shows the consent and a button and changes nothing (mail scanners open every
link); the POST records ``reconfirmed`` as the person's own act (Art. 7(1)), which renews the
re-confirm-by date. Silence is not consent (Recital 32): who does not press the button lapses
at the date. A consent that lapsed or was withdrawn meanwhile cannot be re-confirmed here; the
page says to sign up again.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from kluis.api import KluisDep, NowDep
from kluis.locale.formats import say_date
from kluis.messaging.tokens import TokenInvalid
from kluis.public import i18n, preferences
from kluis.public.shell import (
    PageRoute,
    _preferences_path,
    _topic_names,
    language,
    link_error,
    render,
)
from kluis.retention import reconfirmation
from kluis.runtime import Kluis

router = APIRouter(route_class=PageRoute, default_response_class=HTMLResponse)


def _page(k: Kluis, request: Request, token: str, now: datetime, *, confirm: bool) -> HTMLResponse:
    try:
        state = reconfirmation.reconfirm_state(k, token, now)
    except TokenInvalid as exc:
        return link_error(k, exc, language(request))
    lang = language(request, preferences.language_of(k, state.token.person_id))
    try:
        if not state.live:
            raise TokenInvalid("this consent has lapsed or was withdrawn", reason="lapsed")
        if confirm:
            state = reconfirmation.reconfirm(k, token, now)
    except TokenInvalid as exc:
        return link_error(k, exc, lang)
    t = i18n.strings(lang)
    done = confirm or state.renewed
    return render(
        k,
        "reconfirm.html",
        lang,
        t["reconfirmed_title" if done else "reconfirm_title"],
        done=done,
        channel=i18n.CHANNELS[lang].get(state.channel, state.channel),
        topic=_topic_names(k, lang).get(state.topic, state.topic),
        until="" if state.reconfirm_by is None else say_date(state.reconfirm_by, lang),
        preferences_path=_preferences_path(k, state.token.person_id),
    )


@router.get("/reconfirm/{token}")
def reconfirm_page(token: str, request: Request, k: KluisDep, now: NowDep) -> HTMLResponse:
    """The consent the link is about, until when it runs, and a button; changes nothing."""
    return _page(k, request, token, now, confirm=False)


@router.post("/reconfirm/{token}")
async def reconfirm(token: str, request: Request, k: KluisDep, now: NowDep) -> HTMLResponse:
    """The button: record ``reconfirmed`` as done by the person; pressing it again changes
    nothing more."""
    return await run_in_threadpool(_page, k, request, token, now, confirm=True)
