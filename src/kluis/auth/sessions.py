"""Staff sign-in for the web app: passwords (Argon2id), lock-out after repeated failures, an
optional second factor (TOTP, RFC 6238), server-side sessions with a CSRF token each.

The cookie carries a random 256-bit token; the database keeps its SHA-256, so neither a copy of
the database nor its logs can be replayed as a session. Each session has its own CSRF token
(synchroniser token pattern) that every form posts back. Sessions end after
``KLUIS_SESSION_IDLE_MINUTES`` without a request and after twelve hours in all.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, delete, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kluis.actors import Actor, Role
from kluis.audit import service as audit
from kluis.audit.system_events import StaffSignedIn, StaffSignInFailed, UserPasswordChanged
from kluis.auth import rules
from kluis.auth.rules import token_digest
from kluis.auth.tables import SignInClient, StaffSession, User
from kluis.errors import InvalidField, Unauthenticated
from kluis.locale import N_
from kluis.runtime import Kluis

_hasher = PasswordHasher()
TOUCH_PRECISION = timedelta(minutes=1)
MIN_PASSWORD_LENGTH = 12
"""NIST SP 800-63B asks for at least 8; a CRM full of personal data asks for more."""


@dataclass(frozen=True)
class Session:
    token_digest: str
    user_id: int
    email: str
    role: Role
    csrf: str
    purpose: str | None
    language: str
    must_change_password: bool
    totp: bool

    @property
    def actor(self) -> Actor:
        return Actor(ref=f"user:{self.user_id}", role=self.role, user_id=self.user_id)


class SignInRefused(Unauthenticated):
    """Wrong address, password or code, or a locked account: one answer for all, so the page
    does not tell which addresses have accounts."""


class SecondFactorNeeded(Unauthenticated):
    slug = "second-factor-needed"
    title = "Enter the code from your authenticator app"


def _totp_key(k: Kluis) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"kluis/v1/totp").derive(
        k.vault.key_encryption_key
    )
    return AESGCM(key)


def _seal_totp(k: Kluis, user_id: int, secret: str) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + _totp_key(k).encrypt(nonce, secret.encode(), f"totp:{user_id}".encode())


def _open_totp(k: Kluis, user_id: int, blob: bytes) -> str:
    return _totp_key(k).decrypt(blob[:12], blob[12:], f"totp:{user_id}".encode()).decode()


def _client_digest(k: Kluis, client: str) -> str:
    return k.vault.blind_index("sign_in_client", client).hex()


def _client_state(k: Kluis, digest: str) -> rules.ClientFailures | None:
    with k.engine.connect() as conn:
        row = conn.execute(select(SignInClient).where(SignInClient.digest == digest)).first()
    return None if row is None else rules.ClientFailures(row.failures, row.since, row.locked_until)


def _count_client_failure(
    conn: Connection, digest: str, state: rules.ClientFailures | None, now: datetime
) -> None:
    """One more failed sign-in from the client, in the caller's transaction; counts whose
    window and lock are over are deleted on the way, so the table holds only live ones."""
    after = rules.client_after_failure(state, now)
    stale = now - timedelta(minutes=rules.CLIENT_WINDOW_MINUTES + rules.LOCK_MINUTES)
    conn.execute(
        delete(SignInClient).where(SignInClient.since < stale, SignInClient.digest != digest)
    )
    values = {"failures": after.count, "since": after.since, "locked_until": after.locked_until}
    # two failures racing from one address both land (one count may be lost), neither fails
    builder = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        builder(SignInClient)
        .values(digest=digest, **values)
        .on_conflict_do_update(index_elements=["digest"], set_=values)
    )


def sign_in(
    k: Kluis,
    email: str,
    password: str,
    now: datetime,
    *,
    code: str | None = None,
    client: str | None = None,
) -> tuple[str, Session]:
    """Check the password (and the TOTP code when the user has one); returns the new session's
    cookie token and the session. Five wrong tries in a row lock the account for 15 minutes;
    ``rules.MAX_CLIENT_FAILURES`` failures from one ``client`` address within
    ``rules.CLIENT_WINDOW_MINUTES``, on any accounts or none, refuse that address for 15 minutes
    (OWASP ASVS 2.2.1). Both refusals look like a wrong password."""
    address = email.strip().lower()
    refused = SignInRefused("wrong e-mail address, password or code, or the account is locked")
    digest = None if client is None else _client_digest(k, client)
    state = None if digest is None else _client_state(k, digest)
    if rules.client_locked(state, now):
        _hasher.hash(password)
        raise refused
    with k.engine.connect() as conn:
        row = conn.execute(select(User).where(User.email == address)).first()
    if row is None or not row.active or (row.locked_until is not None and now < row.locked_until):
        _hasher.hash(password)  # the same work as for a known address
        if digest is not None:
            with k.engine.begin() as conn:
                _count_client_failure(conn, digest, state, now)
        raise refused
    step: int | None = None
    try:
        _hasher.verify(row.password_hash, password)
        ok = True
    except (VerificationError, InvalidHashError):
        ok = False
    if ok and row.totp_secret is not None:
        if not code:
            raise SecondFactorNeeded("enter the six-digit code from your authenticator app")
        step = _matched_step(_open_totp(k, row.id, row.totp_secret), code.strip(), now)
        ok = rules.totp_fresh(step, row.totp_last_step)
    with k.engine.begin() as conn:
        if not ok:
            if digest is not None:
                _count_client_failure(conn, digest, state, now)
            failures = (row.failed_sign_ins or 0) + 1
            locked = rules.lock_after_failure(failures, now)
            conn.execute(
                update(User)
                .where(User.id == row.id)
                .values(failed_sign_ins=failures, locked_until=locked)
            )
            audit.record(
                conn, f"user:{row.id}", now, [StaffSignInFailed(row.id, locked is not None)]
            )
        else:
            accepted = update(User).where(User.id == row.id)
            if step is not None:
                # two processes taking the same code at once: only one moves the step on
                accepted = accepted.where(
                    or_(User.totp_last_step.is_(None), User.totp_last_step < step)
                ).values(totp_last_step=step)
            moved = conn.execute(
                accepted.values(failed_sign_ins=0, locked_until=None, last_sign_in_at=now)
            )
            if moved.rowcount != 1:
                raise refused
            token = secrets.token_urlsafe(32)
            csrf = secrets.token_urlsafe(32)
            conn.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
            conn.execute(
                insert(StaffSession).values(
                    digest=token_digest(token),
                    user_id=row.id,
                    csrf=csrf,
                    purpose=None,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=_expiry(k, now, now),
                )
            )
            audit.record(
                conn, f"user:{row.id}", now, [StaffSignedIn(row.id, row.totp_secret is not None)]
            )
    if not ok:
        raise refused
    session = current(k, token, now)
    assert session is not None
    return token, session


def _expiry(k: Kluis, created_at: datetime, now: datetime) -> datetime:
    return min(
        now + timedelta(minutes=k.settings.session_idle_minutes),
        created_at + timedelta(hours=rules.SESSION_MAX_HOURS),
    )


def current(k: Kluis, token: str | None, now: datetime) -> Session | None:
    """The live session of a cookie token, touched; None when there is none or it expired."""
    if not token:
        return None
    digest = token_digest(token)
    with k.engine.connect() as conn:
        row = conn.execute(
            select(
                StaffSession.csrf,
                StaffSession.purpose,
                StaffSession.created_at,
                StaffSession.last_seen_at,
                User.id,
                User.email,
                User.role,
                User.active,
                User.language,
                User.must_change_password,
                User.totp_secret,
            )
            .join(User, User.id == StaffSession.user_id)
            .where(StaffSession.digest == digest)
        ).first()
    if row is None:
        return None
    if not row.active or not rules.session_alive(
        row.created_at, row.last_seen_at, now, k.settings.session_idle_minutes
    ):
        with k.engine.begin() as conn:
            conn.execute(delete(StaffSession).where(StaffSession.digest == digest))
        return None
    if now - row.last_seen_at >= TOUCH_PRECISION:
        with k.engine.begin() as conn:
            conn.execute(
                update(StaffSession)
                .where(StaffSession.digest == digest)
                .values(last_seen_at=now, expires_at=_expiry(k, row.created_at, now))
            )
    return Session(
        digest,
        row.id,
        row.email,
        Role(row.role),
        row.csrf,
        row.purpose,
        row.language,
        row.must_change_password,
        row.totp_secret is not None,
    )


def csrf_ok(session: Session, posted: str | None) -> bool:
    return posted is not None and hmac.compare_digest(session.csrf, posted)


def sign_out(k: Kluis, session: Session) -> None:
    with k.engine.begin() as conn:
        conn.execute(delete(StaffSession).where(StaffSession.digest == session.token_digest))


def set_purpose(k: Kluis, session: Session, purpose: str | None) -> None:
    with k.engine.begin() as conn:
        conn.execute(
            update(StaffSession)
            .where(StaffSession.digest == session.token_digest)
            .values(purpose=purpose)
        )


def set_language(k: Kluis, session: Session, language: str) -> None:
    if language not in ("nl", "en"):
        raise InvalidField("language is nl or en", field="language")
    with k.engine.begin() as conn:
        conn.execute(update(User).where(User.id == session.user_id).values(language=language))


def change_password(
    k: Kluis, session: Session, current_password: str, new_password: str, now: datetime
) -> None:
    """Change one's own password; every other session of the user ends."""
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise InvalidField(
            f"the new password needs at least {MIN_PASSWORD_LENGTH} characters",
            field="new_password",
            msgid=N_("The new password needs at least %(most)s characters."),
            values={"most": str(MIN_PASSWORD_LENGTH)},
        )
    if new_password == current_password:
        raise InvalidField(
            "the new password must differ from the current one", field="new_password"
        )
    with k.engine.connect() as conn:
        row = conn.execute(select(User).where(User.id == session.user_id)).one()
    try:
        _hasher.verify(row.password_hash, current_password)
    except (VerificationError, InvalidHashError):
        raise InvalidField("the current password is wrong", field="current_password") from None
    with k.engine.begin() as conn:
        conn.execute(
            update(User)
            .where(User.id == session.user_id)
            .values(password_hash=_hasher.hash(new_password), must_change_password=False)
        )
        conn.execute(
            delete(StaffSession).where(
                StaffSession.user_id == session.user_id,
                StaffSession.digest != session.token_digest,
            )
        )
        audit.record(conn, session.actor.ref, now, [UserPasswordChanged(session.user_id)])


def _matched_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (RFC 6238 section 4, 30 s) whose code ``code`` is, looked for in the step
    of ``now`` and one either side (clock drift, section 5.2); None when it is none of them."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def enable_totp(k: Kluis, session: Session, secret: str, code: str, now: datetime) -> None:
    """Turn the second factor on once the user shows a code from the new secret."""
    if not pyotp.TOTP(secret).verify(code.strip(), for_time=now, valid_window=1):
        raise InvalidField(
            "that code does not match; check the time on your phone and try the next code",
            field="code",
        )
    with k.engine.begin() as conn:
        conn.execute(
            update(User)
            .where(User.id == session.user_id)
            .values(totp_secret=_seal_totp(k, session.user_id, secret))
        )
