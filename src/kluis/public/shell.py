"""The public pages' shell: security headers, the template environment and rendering in the
visitor's language, the page route that turns any failure into a page, and the links and names
the unsubscribe, preference and re-confirmation pages share. See ``kluis.public.routes``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from functools import lru_cache
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from kluis.consent import catalogue
from kluis.locale import choose as choose_language
from kluis.messaging import tokens
from kluis.messaging.tokens import TokenInvalid
from kluis.public import i18n
from kluis.runtime import Kluis

log = logging.getLogger(__name__)

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("kluis.public", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(
    k: Kluis, template: str, language: str, title: str, status: int = 200, **context: Any
) -> HTMLResponse:
    body = (
        environment()
        .get_template(template)
        .render(
            t=i18n.strings(language),
            lang=language,
            title=title,
            organisation=k.settings.organisation_name,
            **context,
        )
    )
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def language(request: Request, person_language: str | None = None) -> str:
    return choose_language(
        person_language, request.query_params.get("lang"), request.headers.get("accept-language")
    )


def message_page(k: Kluis, lang: str, title_key: str, message: str, status: int) -> HTMLResponse:
    return render(k, "message.html", lang, i18n.strings(lang)[title_key], status, message=message)


def link_error(k: Kluis, exc: TokenInvalid, lang: str) -> HTMLResponse:
    """An expired, altered, used or orphaned link: 400 when it was altered, else 410 Gone."""
    reason = exc.reason if f"token_{exc.reason}" in i18n.STRINGS[lang] else "tampered"
    status = 400 if reason == "tampered" else 410
    return message_page(k, lang, "link_error_title", i18n.strings(lang)[f"token_{reason}"], status)


class PageRoute(APIRoute):
    """Any failure in a page gives a page in the visitor's language (and is logged)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        path = self.path

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except StarletteHTTPException as exc:
                status = exc.status_code
            except Exception:
                log.exception("the public page %s failed", path)
                status = 500
            k: Kluis = request.app.state.kluis
            lang = language(request)
            return message_page(
                k, lang, "unexpected_title", i18n.strings(lang)["unexpected_body"], status
            )

        return guarded


def _topic_names(k: Kluis, lang: str) -> dict[str, str]:
    return {t.key: t.name_en if lang == "en" else t.name_nl for t in catalogue.list_topics(k)}


def _preferences_path(k: Kluis, person_id: str) -> str:
    token = tokens.sign(k.vault.signing_key, tokens.LinkToken("preferences", person_id))
    return f"/preferences/{token}"
