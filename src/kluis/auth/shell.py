"""The staff session of every page: the signed-in user from the cookie (``SessionDep``), sent to
sign in or to change a one-time password when needed, and the CSRF check of posted forms."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from kluis.api import KluisDep, NowDep
from kluis.auth import sessions
from kluis.ui.staff import PREFIX, Forbidden, PasswordChangeNeeded, SignInNeeded

COOKIE = "kluis_session"
PASSWORD_CHANGE_PATHS = frozenset(
    f"{PREFIX}/{page}" for page in ("password", "sign-out", "language")
)
"""The only pages a user who must change their password may open (the language too, to read it)."""


def session_of(request: Request, k: KluisDep, now: NowDep) -> sessions.Session:
    found = sessions.current(k, request.cookies.get(COOKIE), now)
    if found is None:
        raise SignInNeeded
    if found.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeNeeded
    return found


SessionDep = Annotated[sessions.Session, Depends(session_of)]


async def checked_form(request: Request, session: sessions.Session) -> FormData:
    """The posted form, after its CSRF token was found to be the session's (OWASP: synchroniser
    token pattern; SameSite=Lax cookies are the second line)."""
    form = await request.form()
    token = form.get("csrf")
    if not sessions.csrf_ok(session, token if isinstance(token, str) else None):
        raise Forbidden
    return form
