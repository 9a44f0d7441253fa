"""Staff web pages of signing in and out, language, password and the second factor. Thin: each
calls ``kluis.auth.sessions``. Choosing the purpose worked under is ``kluis.purposes.pages``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kluis.api import KluisDep, NowDep
from kluis.auth import sessions
from kluis.auth.shell import COOKIE, SessionDep, checked_form
from kluis.errors import InvalidField
from kluis.ui import staff
from kluis.ui.staff import HEADERS, PREFIX

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

MAX_FORM_BYTES = 4096

HOME_ORDER = ("tasks", "activities", "requests", "findings", "people", "consents")
"""The home page's sections by key, what one does today first; others follow in registry
order."""


def _sign_in_page(
    k: KluisDep, request: Request, *, error: str | None = None, email: str = "", code: bool = False
) -> HTMLResponse:
    language = staff.request_language(request)
    return staff.render(
        k,
        request,
        "staff/sign_in.html",
        None,
        staff.gettext(language, "Sign in"),
        status=401 if error else 200,
        error=error,
        email=email,
        ask_code=code,
    )


@router.get("/sign-in")
def sign_in_form(request: Request, k: KluisDep) -> HTMLResponse:
    return _sign_in_page(k, request)


@router.post("/sign-in")
async def sign_in(request: Request, k: KluisDep, now: NowDep) -> Response:
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        return _sign_in_page(
            k,
            request,
            error=staff.gettext(staff.request_language(request), "That form was too large."),
        )
    form = await request.form()
    email, password, code = (staff.text(form, n) for n in ("email", "password", "code"))
    language = staff.request_language(request)
    try:
        token, session = sessions.sign_in(
            k,
            email,
            password,
            now,
            code=code or None,
            client=request.client.host if request.client else None,
        )
    except sessions.SecondFactorNeeded:
        return _sign_in_page(
            k,
            request,
            error=staff.gettext(language, "Enter the six-digit code from your authenticator app."),
            email=email,
            code=True,
        )
    except sessions.SignInRefused:
        return _sign_in_page(
            k,
            request,
            error=staff.gettext(
                language,
                "Wrong e-mail address, password or code, or the account is locked for a "
                "while after too many tries.",
            ),
            email=email,
        )
    target = f"{PREFIX}/password" if session.must_change_password else f"{PREFIX}/"
    response = staff.redirect(target)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        secure=staff.secure_cookies(k, request),
        samesite="lax",
        path="/",
    )
    return response


@router.post("/sign-out")
async def sign_out(request: Request, k: KluisDep, session: SessionDep) -> Response:
    await checked_form(request, session)
    sessions.sign_out(k, session)
    response = staff.redirect(f"{PREFIX}/sign-in")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("")
def home_without_slash(session: SessionDep) -> Response:
    del session
    return staff.redirect(f"{PREFIX}/")


@router.get("/")
def home(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> HTMLResponse:
    """The home page after sign-in: the sections the slices offer (``auth.home``), each given
    the session and reading through its own services, so purpose-bound and audited; a section
    with nothing for this user or role is left out."""
    sections = sorted(
        (
            section
            for panel in getattr(request.app.state, "home_panels", ())
            if (section := panel(k, session, now)) is not None
        ),
        key=lambda s: HOME_ORDER.index(s.key) if s.key in HOME_ORDER else len(HOME_ORDER),
    )
    return staff.render(
        k,
        request,
        "staff/home.html",
        session,
        staff.gettext(session.language, "Home"),
        sections=sections,
    )


@router.post("/language")
async def choose_language(request: Request, k: KluisDep, session: SessionDep) -> Response:
    form = await checked_form(request, session)
    sessions.set_language(k, session, staff.text(form, "language"))
    back = staff.text(form, "back")
    response = staff.redirect(back if back.startswith(f"{PREFIX}/") else f"{PREFIX}/contacts")
    response.set_cookie(
        "kluis_lang",
        staff.text(form, "language"),
        secure=staff.secure_cookies(k, request),
        samesite="lax",
        path="/",
    )
    return response


@router.get("/password")
def password_form(request: Request, k: KluisDep, session: SessionDep) -> HTMLResponse:
    return staff.render(
        k,
        request,
        "staff/password.html",
        session,
        staff.gettext(session.language, "Change password"),
        error=None,
    )


@router.post("/password")
async def change_password(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    new, again = staff.text(form, "new_password"), staff.text(form, "again")
    try:
        if new != again:
            raise InvalidField("the two new passwords differ", field="again")
        sessions.change_password(k, session, staff.text(form, "current_password"), new, now)
    except InvalidField as exc:
        return staff.render(
            k,
            request,
            "staff/password.html",
            session,
            staff.gettext(session.language, "Change password"),
            status=422,
            error=staff.error_text(session.language, exc),
        )
    return staff.redirect(f"{PREFIX}/contacts")


@router.get("/two-factor")
def two_factor_form(request: Request, k: KluisDep, session: SessionDep) -> HTMLResponse:
    secret = sessions.new_totp_secret()
    return staff.render(
        k,
        request,
        "staff/two_factor.html",
        session,
        staff.gettext(session.language, "Two-step sign-in"),
        secret=secret,
        uri=sessions.totp_uri(secret, session.email, k.settings.organisation_name),
        error=None,
    )


@router.post("/two-factor")
async def two_factor(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    form = await checked_form(request, session)
    secret = staff.text(form, "secret")
    try:
        sessions.enable_totp(k, session, secret, staff.text(form, "code"), now)
    except InvalidField as exc:
        return staff.render(
            k,
            request,
            "staff/two_factor.html",
            session,
            staff.gettext(session.language, "Two-step sign-in"),
            status=422,
            secret=secret,
            uri=sessions.totp_uri(secret, session.email, k.settings.organisation_name),
            error=staff.error_text(session.language, exc),
        )
    return staff.redirect(f"{PREFIX}/contacts")


__all__ = ["HEADERS", "router"]
