"""Managing staff users: the overview an admin works from, a role changed, an account
deactivated or reactivated. The web app's admin pages (``auth.admin_pages``) and the
``kluis users`` commands share these; creating users and one-time passwords is
``auth.service``.

Access control is part of the security of processing (GDPR Art. 32(1)(b), 32(4)): only an admin
changes who may do what, every change is audited, and a deactivated user's sessions end at once
(their API tokens stop working with them, ``service.authenticate_token``). The last active admin
cannot be demoted or deactivated and nobody deactivates themselves (``rules.
staff_change_refusal``): the rows of active admins are locked while counting them, so two admins
demoting each other at once cannot leave none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, select, update

from kluis.actors import MANAGE_ROLES, Actor, Role, parse_role
from kluis.audit import service as audit
from kluis.audit.user_events import UserDeactivated, UserReactivated, UserRoleChanged
from kluis.auth import rules
from kluis.auth.tables import ApiToken, StaffSession, User
from kluis.errors import Conflict, InvalidField, NotFound, PermissionDenied
from kluis.locale import N_


@dataclass(frozen=True)
class StaffUser:
    """A staff user as an admin sees them: no password hash, no second-factor secret."""

    id: int
    email: str
    role: Role
    active: bool
    must_change_password: bool
    two_factor: bool
    last_sign_in_at: datetime | None
    created_at: datetime


def check_manager(actor: Actor) -> None:
    """Refuse anyone but an admin (``actors.MANAGE_ROLES``)."""
    if actor.role not in MANAGE_ROLES:
        raise PermissionDenied(
            "only an admin may manage staff users",
            msgid=N_("Only an admin may manage staff users."),
        )


def _view(row: Any) -> StaffUser:
    return StaffUser(
        row.id,
        row.email,
        Role(row.role),
        row.active,
        row.must_change_password,
        row.totp_secret is not None,
        row.last_sign_in_at,
        row.created_at,
    )


def staff_users(engine: Engine, actor: Actor) -> list[StaffUser]:
    """Every staff user, by e-mail address."""
    check_manager(actor)
    with engine.connect() as conn:
        return [_view(r) for r in conn.execute(select(User).order_by(User.email))]


def _row(conn: Connection, user_id: int, lock: bool = False) -> Any:
    query = select(User).where(User.id == user_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound(
            f"there is no user {user_id}", field="user", msgid=N_("There is no such user.")
        )
    return row


def staff_user(engine: Engine, actor: Actor, user_id: int) -> StaffUser:
    check_manager(actor)
    with engine.connect() as conn:
        return _view(_row(conn, user_id))


def user_id_of(engine: Engine, actor: Actor, email: str) -> int:
    """The id of the user with ``email`` (the commands name users by address)."""
    check_manager(actor)
    with engine.connect() as conn:
        found = conn.execute(select(User.id).where(User.email == email.strip().lower())).first()
    if found is None:
        raise NotFound(
            f"there is no user {email}", field="email", msgid=N_("There is no such user.")
        )
    return int(found.id)


def _active_admins(conn: Connection) -> int:
    ids = conn.execute(
        select(User.id)
        .where(User.role == Role.ADMIN.value, User.active.is_(True))
        .with_for_update()
    ).all()
    return len(ids)


def _check_change(conn: Connection, actor: Actor, row: Any, role: Role, active: bool) -> None:
    was_admin = row.active and row.role == Role.ADMIN.value
    refusal = rules.staff_change_refusal(
        own_account=actor.user_id == row.id,
        deactivating=row.active and not active,
        was_active_admin=was_admin,
        stays_active_admin=active and role is Role.ADMIN,
        active_admins=_active_admins(conn) if was_admin else 0,
    )
    if refusal == rules.SELF_DEACTIVATION:
        raise Conflict(
            "you cannot deactivate your own account; ask another admin",
            field="active",
            msgid=N_("You cannot deactivate your own account; ask another admin."),
        )
    if refusal == rules.LAST_ADMIN:
        raise Conflict(
            f"{row.email} is the last active admin; make another user admin first",
            field="role",
            msgid=N_("%(email)s is the last active admin; make another user admin first."),
            values={"email": row.email},
        )


def change_role(engine: Engine, actor: Actor, user_id: int, role: str, now: datetime) -> StaffUser:
    """Give a user another role. Their sessions carry on: each request reads the role afresh
    (``sessions.current``), so the new role applies from their next page."""
    check_manager(actor)
    try:
        parsed = parse_role(role)
    except ValueError as exc:
        raise InvalidField(str(exc), field="role", msgid=N_("Choose one of the roles.")) from None
    with engine.begin() as conn:
        row = _row(conn, user_id, lock=True)
        if row.role != parsed.value:
            _check_change(conn, actor, row, parsed, row.active)
            conn.execute(update(User).where(User.id == user_id).values(role=parsed.value))
            audit.record(conn, actor.ref, now, [UserRoleChanged(user_id, parsed.value, row.role)])
        return _view(_row(conn, user_id))


def set_active(
    engine: Engine, actor: Actor, user_id: int, active: bool, now: datetime
) -> StaffUser:
    """Deactivate (their sessions end; sign-in and API tokens are refused) or reactivate a
    user. Deactivating keeps the row: the audit log names users by id, and a user who returns
    keeps theirs."""
    check_manager(actor)
    with engine.begin() as conn:
        row = _row(conn, user_id, lock=True)
        if row.active != active:
            _check_change(conn, actor, row, Role(row.role), active)
            conn.execute(update(User).where(User.id == user_id).values(active=active))
            if active:
                audit.record(conn, actor.ref, now, [UserReactivated(user_id)])
            else:
                ended = end_sessions(conn, user_id)
                audit.record(conn, actor.ref, now, [UserDeactivated(user_id, ended)])
        return _view(_row(conn, user_id))


def end_sessions(conn: Connection, user_id: int) -> int:
    """End every web session of a user; how many there were."""
    return conn.execute(delete(StaffSession).where(StaffSession.user_id == user_id)).rowcount


@dataclass(frozen=True)
class TokenView:
    """An API token as an admin sees it: never the token, which is shown once when made."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def tokens_of(engine: Engine, actor: Actor, user_id: int) -> list[TokenView]:
    """A user's API tokens, newest first, revoked ones included."""
    check_manager(actor)
    with engine.connect() as conn:
        rows = conn.execute(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
        )
        return [TokenView(r.id, r.name, r.created_at, r.last_used_at, r.revoked_at) for r in rows]
