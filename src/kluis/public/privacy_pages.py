"""The pages of the privacy-request portal: ``/privacy`` and ``/privacy/confirm/{token}``.

Same rules as the other public pages (``routes``): no cookies, no scripts, a GET changes
nothing. ``POST /privacy`` answers the same page, with the same status and headers, whatever
the address: the look-up and the e-mail happen in a job (``privacy_mail``: the address sealed
in its own row, the job's argument the row's id), queued after the page has been sent, so
neither the page nor how long it took tells the visitor whether the address is known
(Art. 12(6), 15(1)). A failure to queue or send is logged, without the address, and the page
stays the same. CSRF protection is not needed: the form changes nothing but sending an e-mail to the
address it names, and the request itself is made only from the link in that e-mail.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from kluis.api import KluisDep, NowDep
from kluis.errors import KluisError
from kluis.jobs import web
from kluis.locale.formats import say_date
from kluis.messaging import service as messaging
from kluis.messaging.tokens import TokenInvalid
from kluis.public import i18n, preferences, privacy, privacy_mail
from kluis.public.shell import PageRoute, language, link_error, message_page, render
from kluis.requests.rules import RequestType
from kluis.runtime import Kluis
from kluis.ui import limits

log = logging.getLogger(__name__)

MAX_BODY = 2048
"""Bytes a form may have: an address (at most 254) and a request type fit many times over."""

FORM = "application/x-www-form-urlencoded"

router = APIRouter(route_class=PageRoute, default_response_class=HTMLResponse)


def _form_page(
    k: Kluis,
    lang: str,
    *,
    chosen: str | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    t = i18n.strings(lang)
    types = [
        {
            "key": kind.value,
            "label": t[f"request_{kind.value}"],
            "help": t[f"request_{kind.value}_help"],
            "article": i18n.article(kind.value, lang),
        }
        for kind in privacy.ORDER
    ]
    return render(
        k,
        "privacy.html",
        lang,
        t["privacy_title"],
        status,
        types=types,
        chosen=chosen,
        hours=k.settings.privacy_link_hours,
        errors=errors or {},
    )


async def _bounded_body(request: Request) -> bytes | None:
    """The body, or None when it is larger than ``MAX_BODY`` (read no further than that)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _fields(body: bytes, content_type: str) -> dict[str, str]:
    """The first value of each field of an url-encoded form; nothing for any other kind."""
    if content_type.split(";")[0].strip().lower() != FORM:
        return {}
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(name, value)
    return fields


def _transport(request: Request, k: Kluis) -> messaging.TransportFactory | None:
    factory: messaging.TransportFactory | None = getattr(
        request.app.state, "transport_factory", None
    )
    if factory is not None:
        return factory
    if not k.settings.smtp_url:
        return None
    return lambda: messaging.smtp_transport(k)


def _queue(
    state: Any,
    k: Kluis,
    email: str,
    kind: RequestType,
    lang: str,
    now: datetime,
    transport: messaging.TransportFactory,
) -> None:
    """Runs after the page went out: the address sealed in its row and the job queued (or run
    at once by an app around an open Kluis, ``jobs.web``). Must not raise, nor log the
    address."""
    try:
        verification_id = privacy_mail.queue(k, email, kind, lang, now)
        web.submit(
            state,
            k,
            privacy_mail.JOB,
            {"verification_id": verification_id},
            clock=lambda: now,
            transport=transport,
        )
    except KluisError as exc:
        log.warning("a privacy-portal e-mail was not queued: %s", exc.slug)
    except Exception:
        log.exception("a privacy-portal e-mail was not queued")


@router.get("/privacy")
def privacy_page(request: Request, k: KluisDep) -> HTMLResponse:
    """The form: an address and one of the six requests (nothing chosen in advance)."""
    return _form_page(k, language(request))


@router.post("/privacy")
async def ask(request: Request, k: KluisDep, now: NowDep) -> HTMLResponse:
    """Check the form and answer "check your mail"; the link or the "nothing held" e-mail is
    sent after the answer, the same answer either way."""
    lang = language(request)
    t = i18n.strings(lang)
    body = await _bounded_body(request)
    if body is None:
        return message_page(k, lang, "privacy_title", t["privacy_too_large"], 413)
    fields = _fields(body, request.headers.get("content-type", ""))
    kind_text = fields.get("type", "")
    checked = privacy.check(fields.get("email", ""), kind_text)
    if isinstance(checked, dict):
        chosen = kind_text if "type" not in checked else None
        return await run_in_threadpool(
            lambda: _form_page(k, lang, chosen=chosen, errors=checked, status=422)
        )
    email, kind = checked
    client = request.client.host if request.client else None
    if not await run_in_threadpool(limits.client_allowed, k, client, now):
        return message_page(k, lang, "too_many_title", t["too_many_body"], 429)
    transport = _transport(request, k)
    if transport is None:
        text = t["privacy_unavailable"].format(organisation=k.settings.organisation_name)
        return message_page(k, lang, "privacy_title", text, 503)
    response = render(
        k,
        "privacy_sent.html",
        lang,
        t["check_mail_title"],
        hours=k.settings.privacy_link_hours,
    )
    if await run_in_threadpool(limits.address_allowed, k, email, now):
        response.background = BackgroundTask(
            _queue, request.app.state, k, email, kind, lang, now, transport
        )
    else:
        log.info("privacy page: mail limit reached for an address; nothing sent")
    return response


def _link_error(k: Kluis, exc: TokenInvalid, lang: str) -> HTMLResponse:
    if exc.reason == "expired":
        t = i18n.strings(lang)
        return render(
            k,
            "privacy_confirm.html",
            lang,
            t["link_error_title"],
            410,
            request_id=None,
            expired=True,
        )
    return link_error(k, exc, lang)


def _confirm_page(
    k: Kluis, request: Request, token: str, now: datetime, *, submit: bool
) -> HTMLResponse:
    lang = language(request)
    try:
        link = privacy.read_link(k, token, now)
        person_language = preferences.language_of(k, link.person_id)
        if person_language is None:
            raise TokenInvalid("this address is no longer on file", reason="gone")
        lang = language(request, person_language)
        view = privacy.confirm(k, link, now) if submit else None
    except TokenInvalid as exc:
        return _link_error(k, exc, lang)
    t = i18n.strings(lang)
    kind = link.type.value
    if view is None:
        return render(
            k,
            "privacy_confirm.html",
            lang,
            t["privacy_confirm_title"],
            request_id=None,
            expired=False,
            label=t[f"request_{kind}"],
            help=t[f"request_{kind}_help"],
            article=i18n.article(kind, lang),
        )
    return render(
        k,
        "privacy_confirm.html",
        lang,
        t["privacy_received_title"],
        expired=False,
        request_id=view.id,
        request=i18n.request_label(view.type, lang),
        due=say_date(view.deadline, lang),
        rectification=view.type == RequestType.RECTIFICATION.value,
    )


@router.get("/privacy/confirm/{token}")
def confirm_page(token: str, request: Request, k: KluisDep, now: NowDep) -> HTMLResponse:
    """What the link asks for, and a button; records nothing (mail scanners open links)."""
    return _confirm_page(k, request, token, now, submit=False)


@router.post("/privacy/confirm/{token}")
def confirm(token: str, request: Request, k: KluisDep, now: NowDep) -> HTMLResponse:
    """Record the request, verified by the e-mail link (``email_link``, channel ``portal``);
    a second press finds the request the first one made."""
    return _confirm_page(k, request, token, now, submit=True)
