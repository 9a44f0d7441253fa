"""The staff web app's shared parts: Dutch and English (Babel catalogues), security headers, the
page route that turns failures into pages, and rendering. The session from the cookie and the
CSRF check are ``kluis.auth.shell``; the purposes the header offers come from the layout
provider the assembly installs (``app.state.layout``, ``kluis.purposes.shell.layout``).

Pages are server-rendered Jinja2, autoescaped, with no inline script (the Content-Security-Policy
forbids it) and no personal data in addresses: searches are POSTed, people are named by opaque
id. Every page checks the user's role and purpose on the server through the services; a page
never holds a second copy of a rule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import urlsplit

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.datastructures import FormData

from kluis.actors import Role
from kluis.errors import KluisError, PermissionDenied
from kluis.locale.formats import TIME_ZONE, say_day, say_duration, say_moment, say_when
from kluis.runtime import Kluis
from kluis.ui.vocabulary import N_
from kluis.ui.words import LANGUAGES as LANGUAGES
from kluis.ui.words import error_text as error_text
from kluis.ui.words import gettext as gettext
from kluis.ui.words import translations as translations

log = logging.getLogger(__name__)

PREFIX = "/app"
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "media-src 'self'; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
"""Every staff page holds personal data: never cached, never framed, no inline script. The
scripts are served from this server (no CDN): htmx, which swaps parts of a page, and the deals
board's drag and drop (``deals-board.js``), a progressive enhancement of its move forms."""


@lru_cache(maxsize=len(LANGUAGES))
def environment(language: str) -> Environment:
    env = Environment(
        loader=PackageLoader("kluis.ui", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["duration"] = lambda iso: say_duration(iso, language)
    env.filters["moment"] = lambda value: say_moment(value, language)
    env.filters["day"] = pass_context(
        lambda context, value: say_day(value, language, _zone(context))
    )
    env.filters["when"] = pass_context(
        lambda context, value: say_when(value, language, _zone(context))
    )
    return env


def _zone(context: Context) -> str:
    """The organisation's time zone (``KLUIS_TIME_ZONE``), which :func:`render` passes to every
    page; a template rendered without it says Amsterdam's time."""
    zone: str = context.get("time_zone", TIME_ZONE)
    return zone


FORM_EXPIRED = N_("This form has expired. Go back, reload the page and try again.")
UNEXPECTED = N_("Something went wrong on our side; it has been logged.")
NOT_VALID = N_("That address or form is not valid. Go back and try again.")


class StaffSession(Protocol):
    """What a page and its layout need of the signed-in user's session (``auth.sessions.Session``
    is one): the shell stands below ``auth`` and does not import it."""

    @property
    def email(self) -> str: ...
    @property
    def role(self) -> Role: ...
    @property
    def csrf(self) -> str: ...
    @property
    def purpose(self) -> str | None: ...
    @property
    def language(self) -> str: ...
    @property
    def must_change_password(self) -> bool: ...


LayoutProvider = Callable[[Kluis, StaffSession], dict[str, Any]]
"""What the layout shows around every page for a signed-in user (the purposes to choose from and
the one worked under), installed by the assembly as ``app.state.layout``."""

NO_LAYOUT: dict[str, Any] = {"purposes": [], "purpose": None}
"""The layout without a session (the sign-in and error pages)."""


class SignInNeeded(Exception):
    """No live session: the browser is sent to the sign-in page."""


class PasswordChangeNeeded(Exception):
    """A user with a one-time password: every page but changing it (and signing out) sends them
    there, so the password someone else has seen never stays in use."""


class Forbidden(Exception):
    """A POST without the session's CSRF token."""


class StaffRoute(APIRoute):
    """Failures give a page, never JSON or a trace: no session → sign in; a domain error → the
    page's message with its status; a malformed address or form → 422; anything else → a
    logged 500 page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        path = self.path

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInNeeded:
                return RedirectResponse(f"{PREFIX}/sign-in", status_code=303, headers=HEADERS)
            except PasswordChangeNeeded:
                return RedirectResponse(f"{PREFIX}/password", status_code=303, headers=HEADERS)
            except Forbidden:
                return _plain(request, 403, FORM_EXPIRED)
            except RequestValidationError:
                return _plain(request, 422, NOT_VALID)
            except KluisError as exc:
                return _plain(request, exc.status, exc)
            except Exception:
                log.exception("the staff page %s failed", path)
                return _plain(request, 500, UNEXPECTED)

        return guarded


def _plain(request: Request, status: int, message: str | KluisError) -> HTMLResponse:
    k: Kluis = request.app.state.kluis
    language = request_language(request)
    return render(
        k,
        request,
        "staff/message.html",
        None,
        gettext(language, "Error"),
        status=status,
        message=(
            error_text(language, message)
            if isinstance(message, KluisError)
            else gettext(language, message)
        ),
    )


def request_language(request: Request, session: StaffSession | None = None) -> str:
    if session is not None:
        return session.language
    wanted = request.cookies.get("kluis_lang")
    if wanted in LANGUAGES:
        return wanted
    header = request.headers.get("accept-language", "")
    return "en" if header.lower().startswith("en") else "nl"


def secure_cookies(k: Kluis, request: Request) -> bool:
    """Cookies get ``Secure`` when the request's real scheme is HTTPS (behind a trusted proxy:
    its ``X-Forwarded-Proto``, ``kluis.proxy``) or the public address is ``https``."""
    return request.url.scheme == "https" or urlsplit(k.settings.base_url).scheme == "https"


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def render(
    k: Kluis,
    request: Request,
    template: str,
    session: StaffSession | None,
    title: str,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    language = request_language(request, session)
    layout: dict[str, Any] = (
        request.app.state.layout(k, session) if session is not None else NO_LAYOUT
    )
    body = (
        environment(language)
        .get_template(template)
        .render(
            lang=language,
            title=title,
            organisation=k.settings.organisation_name,
            time_zone=k.settings.time_zone,
            session=session,
            **layout,
            path=request.url.path,
            **context,
        )
    )
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def refused(
    k: Kluis, request: Request, session: StaffSession, exc: PermissionDenied
) -> HTMLResponse:
    """The service's refusal as a 403 page that still offers the other compliance pages."""
    return render(
        k,
        request,
        "staff/compliance_refused.html",
        session,
        gettext(session.language, "Compliance"),
        status=exc.status,
        message=error_text(session.language, exc),
    )


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303, headers=HEADERS)
