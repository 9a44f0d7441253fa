"""Staff users and API tokens (data store)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class User(DataBase):
    """A member of staff; their role decides which purposes, and so which fields, they may use."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    """The time step (RFC 6238) of the last code accepted at sign-in: a code is accepted once."""
    """The TOTP secret (RFC 6238), sealed with a key derived from the master key; None when the
    user has no second factor."""
    language: Mapped[str] = mapped_column(String(5), default="nl")
    task_reminders: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """Whether the user gets the daily mail of their open tasks due (``tasks.reminders``): staff
    mail, asked for on their own tasks page."""
    test_phone_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The number the user's test texts (SMS, WhatsApp) go to (``messaging.trial_send``),
    sealed with a key derived from the master key; written only by messaging."""


class ApiToken(DataBase):
    """A bearer token for the API, stored as its SHA-256 digest; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StaffSession(DataBase):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a
    copy of the database cannot be used to take over a session."""

    __tablename__ = "staff_sessions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str | None] = mapped_column(String(60))
    """The purpose the user works under; it decides which fields pages show (Art. 5(1)(b))."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class SignInClient(DataBase):
    """Failed staff sign-ins counted per client address (``auth.rules.client_after_failure``),
    beside the per-account count on ``users``. The address is kept only as a keyed digest
    (HMAC with the blind-index key): a staff member's IP address is personal data, and a plain
    hash of an IPv4 address is undone by trying all four billion."""

    __tablename__ = "sign_in_clients"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    since: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
