"""The public pages: unsubscribe, preferences, sign-up and its confirmation.

Server-rendered HTML (Jinja2, autoescaped), in the person's language when the link names them,
else ``?lang=``, else the browser's ``Accept-Language``, else Dutch. A GET never changes anything,
since mail link scanners fetch every link; changes take a POST. The one-click unsubscribe POST of
RFC 8058 needs no cookie, no CSRF token and gets no redirect: the signed token in the address is
the authority. Pages set no cookies, run no scripts, are not cached and send no ``Referer``
(the token is in the address). A bad link, or any failure, gives a page, never JSON or a trace.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from kluis.api import KluisDep, NowDep
from kluis.errors import NotFound, PersonErased
from kluis.locale.formats import say_date, say_retention
from kluis.messaging import service as messaging
from kluis.messaging import tokens
from kluis.messaging.tokens import TokenInvalid
from kluis.messaging.transport import SendFailed
from kluis.public import i18n, preferences, signups
from kluis.public.shell import (
    PageRoute,
    _preferences_path,
    _topic_names,
    language,
    link_error,
    message_page,
    render,
)
from kluis.purposes.service import get_purpose
from kluis.runtime import Kluis
from kluis.ui import limits

log = logging.getLogger(__name__)


def _gone() -> TokenInvalid:
    return TokenInvalid("this address is no longer on file", reason="gone")


router = APIRouter(route_class=PageRoute, default_response_class=HTMLResponse)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _texts(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str) and v]


def _prefixed(form: FormData, prefix: str) -> dict[str, str]:
    """The form's fields named ``prefix`` + something, by that something."""
    return {
        name[len(prefix) :]: value
        for name, value in form.multi_items()
        if name.startswith(prefix) and isinstance(value, str)
    }


def _client(request: Request) -> tuple[str | None, str | None]:
    return (request.client.host if request.client else None), request.headers.get("user-agent")


# Unsubscribe ------------------------------------------------------------------------------------


def _unsubscribe_token(k: Kluis, token: str) -> tokens.LinkToken:
    link = tokens.verify(
        k.vault.signing_key, "unsubscribe", token, k.settings.link_max_age_days * 86400
    )
    if link.channel is None or link.topic is None:
        raise TokenInvalid("this link is not an unsubscribe link", reason="tampered")
    return link


def _unsubscribe_page(k: Kluis, request: Request, token: str, *, done: bool) -> HTMLResponse:
    try:
        link = _unsubscribe_token(k, token)
        person_language = preferences.language_of(k, link.person_id)
        if person_language is None:
            raise _gone()
    except TokenInvalid as exc:
        return link_error(k, exc, language(request))
    lang = language(request, person_language)
    t = i18n.strings(lang)
    assert link.channel is not None
    assert link.topic is not None
    return render(
        k,
        "unsubscribe.html",
        lang,
        t["unsubscribed_title" if done else "unsubscribe_title"],
        done=done,
        channel=i18n.CHANNELS[lang].get(link.channel, link.channel),
        topic=_topic_names(k, lang).get(link.topic, link.topic),
        preferences_path=_preferences_path(k, link.person_id),
    )


@router.get("/unsubscribe/{token}")
def unsubscribe_page(token: str, request: Request, k: KluisDep) -> HTMLResponse:
    """What the link would stop, and a button; changes nothing."""
    return _unsubscribe_page(k, request, token, done=False)


@router.post("/unsubscribe/{token}")
async def unsubscribe(token: str, request: Request, k: KluisDep, now: NowDep) -> HTMLResponse:
    """RFC 8058 one-click (``List-Unsubscribe=One-Click``) or the page's button: withdraw now."""
    form = await request.form()
    if _text(form, "List-Unsubscribe") != "One-Click":
        return await run_in_threadpool(_unsubscribe_page, k, request, token, done=False)
    try:
        await run_in_threadpool(messaging.unsubscribe, k, token, now)
    except TokenInvalid as exc:
        return link_error(k, exc, language(request))
    return await run_in_threadpool(_unsubscribe_page, k, request, token, done=True)


# Preferences ------------------------------------------------------------------------------------


def _preferences_page(
    k: Kluis,
    request: Request,
    token: str,
    now: datetime,
    change: Callable[[str], list[str]] | None = None,
) -> HTMLResponse:
    """The preference page; ``change`` (given the person id) applies a submitted form first and
    says what to report."""
    try:
        link = tokens.verify(
            k.vault.signing_key, "preferences", token, k.settings.link_max_age_days * 86400
        )
        person_language = preferences.language_of(k, link.person_id)
        if person_language is None:
            raise _gone()
        lang = language(request, person_language)
        try:
            messages = change(link.person_id) if change is not None else []
            state = preferences.load(k, link.person_id, now)
        except (NotFound, PersonErased):
            raise _gone() from None
    except TokenInvalid as exc:
        return link_error(k, exc, language(request))
    t = i18n.strings(lang)
    names = _topic_names(k, lang)
    notices = preferences.box_notices(k, lang)
    channels = []
    for channel, label in i18n.CHANNELS[lang].items():
        rows = []
        for choice in state.choices:
            if choice.channel != channel:
                continue
            if choice.soft_opt_in and not choice.live:
                text = t["state_soft_opt_in"]
            elif choice.live:
                assert choice.since is not None
                text = t["state_granted"].format(date=say_date(choice.since, lang))
            elif choice.status == "withdrawn":
                assert choice.since is not None
                text = t["state_withdrawn"].format(date=say_date(choice.since, lang))
            elif choice.status is not None:
                text = t["state_expired"]
            else:
                text = t["state_none"]
            notice = notices.get(choice.key)
            rows.append(
                {
                    "key": choice.key,
                    "topic": names.get(choice.topic, choice.topic),
                    "live": choice.live,
                    "notice": notice,
                    "can_tick": choice.live or notice is not None,
                    "soft_opt_in": choice.soft_opt_in and not choice.live,
                    "state": text,
                }
            )
        channels.append({"label": label, "rows": rows})
    return render(
        k,
        "preferences.html",
        lang,
        t["preferences_title"],
        channels=channels,
        any_notice=bool(notices),
        objected=state.objected,
        gpc=request.headers.get("sec-gpc", "").strip() == "1",
        messages=messages,
    )


def _describe(k: Kluis, lang: str, items: list[tuple[str, str]]) -> str:
    names = _topic_names(k, lang)
    return ", ".join(
        f"{names.get(topic, topic)} ({i18n.CHANNELS[lang].get(channel, channel)})"
        for channel, topic in items
    )


@router.get("/preferences/{token}")
def preferences_page(token: str, request: Request, k: KluisDep, now: NowDep) -> HTMLResponse:
    """Every channel and topic with its state; changes nothing."""
    return _preferences_page(k, request, token, now)


@router.post("/preferences/{token}")
async def save_preferences(token: str, request: Request, k: KluisDep, now: NowDep) -> HTMLResponse:
    """Apply the form (or the "stop all marketing" button) as the person's own acts."""
    form = await request.form()
    source_ip, user_agent = _client(request)
    gpc = request.headers.get("sec-gpc", "").strip() == "1"

    def change(person_id: str) -> list[str]:
        lang = language(request, preferences.language_of(k, person_id))
        t = i18n.strings(lang)
        if _text(form, "action") == "object":
            preferences.object_to_marketing(k, person_id, now)
            return [t["objection_recorded"]]
        notices = preferences.posted_notices(k, lang, _prefixed(form, "notice-"))
        outcome = preferences.save(
            k,
            person_id,
            now,
            ticked=set(_texts(form, "consent")),
            shown_ticked=set(_texts(form, "shown")) if "shown" in form else None,
            stop=set(_texts(form, "stop")),
            notices=notices,
            source_ip=source_ip,
            user_agent=user_agent,
            gpc=gpc,
        )
        said = []
        if outcome.granted:
            said.append(t["saved_granted"].format(items=_describe(k, lang, outcome.granted)))
        if outcome.withdrawn:
            said.append(t["saved_withdrawn"].format(items=_describe(k, lang, outcome.withdrawn)))
        if outcome.objection_recorded:
            said.append(t["gpc_recorded"])
        return [t["saved"], *said] if said else [t["saved_nothing"]]

    return await run_in_threadpool(_preferences_page, k, request, token, now, change)


# Sign-up ----------------------------------------------------------------------------------------


def _signup_page(
    k: Kluis,
    lang: str,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    t = i18n.strings(lang)
    boxes = signups.boxes(k, lang)
    if not boxes:
        return message_page(k, lang, "signup_title", t["signup_closed"], 503)
    purpose = get_purpose(k.engine, k.settings.marketing_purpose)
    return render(
        k,
        "signup.html",
        lang,
        t["signup_title"],
        status,
        topics=[
            (topic.key, topic.name_en if lang == "en" else topic.name_nl, notice)
            for topic, notice in boxes
        ],
        retention=say_retention(purpose.retention, purpose.retention_anchor.value, lang),
        hours=k.settings.signup_ttl_hours,
        values=values
        or {"email": "", "given_name": "", "family_name": "", "language": lang, "topics": []},
        errors=errors or {},
    )


@router.get("/signup")
def signup_page(request: Request, k: KluisDep) -> HTMLResponse:
    """The sign-up form: one unticked box per topic that has a notice asking for e-mail about
    it in the page's language, that wording next to the box, and the retention period."""
    return _signup_page(k, language(request))


@router.post("/signup")
async def signup(request: Request, k: KluisDep, now: NowDep) -> HTMLResponse:
    """Check the form, keep a pending sign-up and send the confirmation e-mail; the answer is
    the same whether or not the address is known."""
    form = await request.form()
    lang = language(request)
    posted_notices = _prefixed(form, "notice-")
    submitted = signups.SignupForm(
        email=_text(form, "email"),
        given_name=_text(form, "given_name"),
        family_name=_text(form, "family_name"),
        language=_text(form, "language"),
        topics=_texts(form, "topic"),
        notices={
            topic: int(value) if value.isdigit() and len(value) < 10 else None
            for topic, value in posted_notices.items()
        },
    )
    checked = await run_in_threadpool(signups.check, k, submitted, lang, now)
    if not isinstance(checked, signups.Checked):
        values = {
            "email": submitted.email,
            "given_name": submitted.given_name,
            "family_name": submitted.family_name,
            "language": submitted.language,
            "topics": list(submitted.topics),
        }
        return await run_in_threadpool(_signup_page, k, lang, values, checked, 422)
    factory: messaging.TransportFactory = getattr(request.app.state, "transport_factory", None) or (
        lambda: messaging.smtp_transport(k)
    )

    def send(message: Any) -> None:
        with factory() as smtp:
            smtp.send(message)

    source_ip, user_agent = _client(request)
    if not await run_in_threadpool(limits.client_allowed, k, source_ip, now):
        t = i18n.strings(lang)
        return message_page(k, lang, "too_many_title", t["too_many_body"], 429)
    if not await run_in_threadpool(limits.address_allowed, k, checked.email, now):
        # The same answer as when the mail went: the page must not tell what happened.
        t = i18n.strings(lang)
        return message_page(
            k,
            lang,
            "check_mail_title",
            t["check_mail_body"].format(hours=k.settings.signup_ttl_hours),
            200,
        )
    try:
        await run_in_threadpool(
            lambda: signups.start(k, checked, now, send, source_ip=source_ip, user_agent=user_agent)
        )
    except (SendFailed, messaging.MailNotConfigured):
        log.warning("a sign-up's confirmation e-mail could not be sent", exc_info=True)
        t = i18n.strings(lang)
        return message_page(k, lang, "send_failed_title", t["send_failed_body"], 503)
    t = i18n.strings(lang)
    return message_page(
        k,
        lang,
        "check_mail_title",
        t["check_mail_body"].format(hours=k.settings.signup_ttl_hours),
        200,
    )


def _confirm_page(
    k: Kluis, request: Request, token: str, now: datetime, *, confirm: bool
) -> HTMLResponse:
    lang = language(request)
    try:
        signup_id = signups.read_token(k, token)
        if confirm:
            confirmed = signups.confirm(k, signup_id, now)
            lang = language(request, confirmed.language)
            t = i18n.strings(lang)
            return message_page(k, lang, "confirmed_title", t["confirmed_body"], 200)
        pending = signups.pending(k, signup_id, now)
        lang = language(request, pending.language)
    except TokenInvalid as exc:
        return link_error(k, exc, lang)
    t = i18n.strings(lang)
    names = _topic_names(k, lang)
    return render(
        k,
        "confirm.html",
        lang,
        t["confirm_title"],
        topics=[names.get(topic, topic) for topic in pending.topics],
    )


@router.get("/confirm/{token}")
def confirm_page(token: str, request: Request, k: KluisDep, now: NowDep) -> HTMLResponse:
    """What the sign-up asked for, and a button; grants nothing."""
    return _confirm_page(k, request, token, now, confirm=False)


@router.post("/confirm/{token}")
def confirm(token: str, request: Request, k: KluisDep, now: NowDep) -> HTMLResponse:
    """Confirm once: the person and a ``double_opt_in`` grant per chosen topic."""
    return _confirm_page(k, request, token, now, confirm=True)
