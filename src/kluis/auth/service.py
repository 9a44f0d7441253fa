"""Staff users and API tokens: creation, passwords (Argon2id), bearer-token authentication."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, insert, select, update

from kluis.actors import Actor, Role, parse_role
from kluis.audit import service as audit
from kluis.audit.system_events import TokenCreated, TokenRevoked, UserCreated, UserPasswordReset
from kluis.auth.rules import TOKEN_PREFIX, token_digest
from kluis.auth.tables import ApiToken, User
from kluis.auth.users import check_manager, end_sessions
from kluis.errors import Conflict, InvalidField, NotFound, Unauthenticated
from kluis.locale import N_

_hasher = PasswordHasher()

LAST_USED_PRECISION = timedelta(minutes=5)
"""A token's last use is recorded to this precision, so that reads do not each cost a write."""


@dataclass(frozen=True)
class UserView:
    id: int
    email: str
    role: Role
    active: bool
    must_change_password: bool


def _staff_email(value: str) -> str:
    email = value.strip().lower()
    local, _, domain = email.partition("@")
    if not local or not domain or " " in email:
        raise InvalidField(
            "email is not an e-mail address",
            field="email",
            msgid=N_("That is not an e-mail address."),
        )
    return email


def new_password() -> str:
    return secrets.token_urlsafe(15)


def create_user(
    engine: Engine, actor: Actor, email: str, role: str, now: datetime, password: str | None = None
) -> tuple[UserView, str]:
    """Create a staff user; returns the user and their one-time password (shown once). Only an
    admin creates users (``users.check_manager``)."""
    check_manager(actor)
    address = _staff_email(email)
    try:
        parsed = parse_role(role)
    except ValueError as exc:
        raise InvalidField(str(exc), field="role", msgid=N_("Choose one of the roles.")) from None
    secret = password or new_password()
    with engine.begin() as conn:
        if conn.execute(select(User.id).where(User.email == address)).first() is not None:
            raise Conflict(
                f"a user {address} exists already",
                field="email",
                msgid=N_("A user %(email)s exists already."),
                values={"email": address},
            )
        user_id = conn.execute(
            insert(User)
            .values(
                email=address,
                password_hash=_hasher.hash(secret),
                role=parsed.value,
                must_change_password=password is None,
                active=True,
                created_at=now,
            )
            .returning(User.id)
        ).scalar_one()
        audit.record(conn, actor.ref, now, [UserCreated(user_id, parsed.value)])
    return UserView(user_id, address, parsed, True, password is None), secret


def find_user(engine: Engine, email: str) -> UserView:
    with engine.connect() as conn:
        row = conn.execute(select(User).where(User.email == email.strip().lower())).first()
    if row is None:
        raise NotFound(
            f"there is no user {email}; create one with `kluis users create`", field="email"
        )
    return UserView(row.id, row.email, Role(row.role), row.active, row.must_change_password)


def list_users(engine: Engine) -> list[UserView]:
    with engine.connect() as conn:
        rows = conn.execute(select(User).order_by(User.email))
        return [
            UserView(r.id, r.email, Role(r.role), r.active, r.must_change_password) for r in rows
        ]


def reset_password(engine: Engine, actor: Actor, email: str, now: datetime) -> str:
    """A new one-time password for the user, to change at their next sign-in; their sessions
    end, so whoever held the old password is signed out (Art. 32(1)(b))."""
    check_manager(actor)
    user = find_user(engine, email)
    secret = new_password()
    with engine.begin() as conn:
        conn.execute(
            update(User)
            .where(User.id == user.id)
            .values(password_hash=_hasher.hash(secret), must_change_password=True)
        )
        end_sessions(conn, user.id)
        audit.record(conn, actor.ref, now, [UserPasswordReset(user.id)])
    return secret


def check_password(engine: Engine, email: str, password: str) -> UserView:
    """The user if the password is right; the same error whether the user or password is wrong."""
    with engine.connect() as conn:
        row = conn.execute(select(User).where(User.email == email.strip().lower())).first()
    refused = Unauthenticated("wrong e-mail address or password")
    if row is None or not row.active:
        _hasher.hash(password)
        raise refused
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise refused from None
    return UserView(row.id, row.email, Role(row.role), row.active, row.must_change_password)


def create_token(
    engine: Engine, actor: Actor, email: str, now: datetime, name: str = "api"
) -> tuple[int, str]:
    """A new API token for the user; returns its id and the token, which is never shown again."""
    check_manager(actor)
    user = find_user(engine, email)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        token_id = conn.execute(
            insert(ApiToken)
            .values(user_id=user.id, digest=token_digest(token), name=name, created_at=now)
            .returning(ApiToken.id)
        ).scalar_one()
        audit.record(conn, actor.ref, now, [TokenCreated(user.id, token_id)])
    return token_id, token


def revoke_token(engine: Engine, actor: Actor, token_id: int, now: datetime) -> None:
    """Revoke an API token (admins only); it is refused from then on."""
    check_manager(actor)
    with engine.begin() as conn:
        row = conn.execute(select(ApiToken).where(ApiToken.id == token_id)).first()
        if row is None:
            raise NotFound(f"there is no token {token_id}", field="token_id")
        conn.execute(update(ApiToken).where(ApiToken.id == token_id).values(revoked_at=now))
        audit.record(conn, actor.ref, now, [TokenRevoked(row.user_id, token_id)])


def authenticate_token(engine: Engine, token: str, now: datetime) -> Actor:
    if not token.startswith(TOKEN_PREFIX):
        raise Unauthenticated("the bearer token is not a Kluis API token")
    with engine.begin() as conn:
        row = conn.execute(
            select(
                ApiToken.id,
                ApiToken.revoked_at,
                ApiToken.last_used_at,
                User.id.label("user_id"),
                User.role,
                User.active,
            )
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.digest == token_digest(token))
        ).first()
        if row is None or row.revoked_at is not None or not row.active:
            raise Unauthenticated(
                "the API token is unknown or revoked; create one with `kluis tokens create`"
            )
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
            conn.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    return Actor(ref=f"user:{row.user_id}", role=Role(row.role), user_id=row.user_id)
