"""The admin's pages of staff users (``/app/admin/users``): the list, creating a user, changing
a role, a new one-time password, deactivating and reactivating. Thin: each calls
``auth.users`` or ``auth.service``, which check that the actor is an admin and audit the change,
as for the ``kluis users`` commands.

A new user gets a one-time password, as ``kluis users create`` does: it is shown once, on the
answer to the form (never in an address, never stored but as its Argon2id hash, the page is not
cached), and must be changed at the first sign-in (``auth.shell``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from kluis.actors import Role
from kluis.api import MAX_ID, KluisDep, NowDep
from kluis.auth import service, users
from kluis.auth.sessions import Session
from kluis.auth.shell import SessionDep, checked_form
from kluis.errors import KluisError, NotFound
from kluis.locale.formats import say_moment
from kluis.runtime import Kluis
from kluis.ui import staff
from kluis.ui.staff import PREFIX

router = APIRouter(
    prefix=f"{PREFIX}/admin/users",
    route_class=staff.StaffRoute,
    default_response_class=HTMLResponse,
)

UserId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _row(user: users.StaffUser, language: str) -> dict[str, Any]:
    return {
        "user": user,
        "last_sign_in": say_moment(user.last_sign_in_at, language) if user.last_sign_in_at else "",
    }


def _list_page(
    k: Kluis,
    request: Request,
    session: Session,
    *,
    status: int = 200,
    error: str | None = None,
    email: str = "",
    role: str = "",
) -> HTMLResponse:
    found = users.staff_users(k.engine, session.actor)
    return staff.render(
        k,
        request,
        "staff/admin_users.html",
        session,
        staff.gettext(session.language, "Staff users"),
        status=status,
        rows=[_row(u, session.language) for u in found],
        roles=[r.value for r in Role],
        error=error,
        email=email,
        role=role,
    )


def _user_page(
    k: Kluis,
    request: Request,
    session: Session,
    user_id: int,
    *,
    status: int = 200,
    error: str | None = None,
    password: str | None = None,
    token: str | None = None,
    done: str | None = None,
) -> HTMLResponse:
    user = users.staff_user(k.engine, session.actor, user_id)
    tokens = [
        {
            "token": t,
            "created": say_moment(t.created_at, session.language),
            "used": say_moment(t.last_used_at, session.language) if t.last_used_at else "",
        }
        for t in users.tokens_of(k.engine, session.actor, user_id)
    ]
    return staff.render(
        k,
        request,
        "staff/admin_user.html",
        session,
        user.email,
        status=status,
        **_row(user, session.language),
        roles=[r.value for r in Role],
        own=user.id == session.user_id,
        error=error,
        password=password,
        token=token,
        tokens=tokens,
        done=done,
    )


@router.get("")
def list_users(request: Request, k: KluisDep, session: SessionDep) -> HTMLResponse:
    return _list_page(k, request, session)


@router.post("")
async def create_user(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    form = await checked_form(request, session)
    email, role = staff.text(form, "email"), staff.text(form, "role")
    try:
        user, password = service.create_user(k.engine, session.actor, email, role, now)
    except KluisError as exc:
        if exc.status == 403:
            raise
        return _list_page(
            k,
            request,
            session,
            status=exc.status,
            error=staff.error_text(session.language, exc),
            email=email,
            role=role,
        )
    return _user_page(k, request, session, user.id, status=201, password=password, done="created")


@router.get("/{user_id}")
def show_user(request: Request, k: KluisDep, session: SessionDep, user_id: UserId) -> HTMLResponse:
    return _user_page(k, request, session, user_id)


@router.post("/{user_id}/role")
async def change_role(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep, user_id: UserId
) -> Response:
    form = await checked_form(request, session)
    try:
        users.change_role(k.engine, session.actor, user_id, staff.text(form, "role"), now)
    except KluisError as exc:
        return _refused(k, request, session, user_id, exc)
    return _user_page(k, request, session, user_id, done="role")


@router.post("/{user_id}/password")
async def reset_password(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep, user_id: UserId
) -> Response:
    await checked_form(request, session)
    user = users.staff_user(k.engine, session.actor, user_id)
    password = service.reset_password(k.engine, session.actor, user.email, now)
    return _user_page(k, request, session, user_id, password=password, done="password")


@router.post("/{user_id}/active")
async def set_active(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep, user_id: UserId
) -> Response:
    form = await checked_form(request, session)
    active = staff.text(form, "active") == "yes"
    try:
        users.set_active(k.engine, session.actor, user_id, active, now)
    except KluisError as exc:
        return _refused(k, request, session, user_id, exc)
    return _user_page(k, request, session, user_id, done="reactivated" if active else "deactivated")


@router.post("/{user_id}/tokens")
async def create_token(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep, user_id: UserId
) -> Response:
    form = await checked_form(request, session)
    user = users.staff_user(k.engine, session.actor, user_id)
    name = staff.text(form, "name")[:100] or "api"
    _, token = service.create_token(k.engine, session.actor, user.email, now, name)
    return _user_page(k, request, session, user_id, status=201, token=token, done="token")


@router.post("/{user_id}/tokens/{token_id}/revoke")
async def revoke_token(
    request: Request,
    k: KluisDep,
    now: NowDep,
    session: SessionDep,
    user_id: UserId,
    token_id: UserId,
) -> Response:
    await checked_form(request, session)
    if token_id not in {t.id for t in users.tokens_of(k.engine, session.actor, user_id)}:
        raise NotFound(f"there is no token {token_id}", field="token_id")
    service.revoke_token(k.engine, session.actor, token_id, now)
    return _user_page(k, request, session, user_id, done="revoked")


def _refused(
    k: Kluis, request: Request, session: Session, user_id: int, exc: KluisError
) -> HTMLResponse:
    if exc.status in (403, 404):
        raise exc
    return _user_page(
        k,
        request,
        session,
        user_id,
        status=exc.status,
        error=staff.error_text(session.language, exc),
    )
