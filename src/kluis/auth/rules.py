"""The rules of signing in: pure. API tokens stored as digests, account and client lock-outs
after wrong passwords, and how long a staff session lives. Roles and actors are in
``kluis.actors``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

TOKEN_PREFIX = "kluis_"  # noqa: S105 (a prefix, not a secret)


def token_digest(token: str) -> str:
    """API tokens are 256-bit random strings, so a plain SHA-256 is enough to store them safely
    (no password stretching needed, and a look-up stays one indexed query)."""
    return hashlib.sha256(token.encode()).hexdigest()


MAX_FAILED_SIGN_INS = 5
"""Wrong passwords in a row before the account locks (OWASP ASVS 2.2.1: limit guessing)."""
LOCK_MINUTES = 15
SESSION_IDLE_MINUTES = 30
"""A session ends after this long without a request (ASVS 3.3.2)."""
SESSION_MAX_HOURS = 12
"""And after this long in all, however busy (a working day)."""


def totp_fresh(step: int | None, last_step: int | None) -> bool:
    """Whether a code of time step ``step`` (None: it matched no step near now) may sign in,
    the last accepted code's step being ``last_step``. RFC 6238 section 5.2: a verifier must
    not accept the second attempt of the same code after a successful validation; an older
    step than the last accepted one is refused too (a code seen over a shoulder)."""
    return step is not None and (last_step is None or step > last_step)


def lock_after_failure(failures: int, now: datetime) -> datetime | None:
    """Until when an account locks after its ``failures``-th wrong password in a row."""
    if failures < MAX_FAILED_SIGN_INS:
        return None
    return now + timedelta(minutes=LOCK_MINUTES)


MAX_CLIENT_FAILURES = 20
"""Failed sign-ins from one client address within ``CLIENT_WINDOW_MINUTES`` before that address
is refused for ``LOCK_MINUTES``, whichever accounts they tried: the account lock-out alone lets
one machine try a few passwords on every account (password spraying, OWASP ASVS 2.2.1). Enough
for an office behind one address where people mistype now and then."""
CLIENT_WINDOW_MINUTES = 15


@dataclass(frozen=True)
class ClientFailures:
    """The failed sign-ins counted for one client address: ``count`` since ``since``, and until
    when the address is refused, if it is."""

    count: int
    since: datetime
    locked_until: datetime | None = None


def client_locked(state: ClientFailures | None, now: datetime) -> bool:
    return state is not None and state.locked_until is not None and now < state.locked_until


def client_after_failure(state: ClientFailures | None, now: datetime) -> ClientFailures:
    """The count after one more failed sign-in from the address at ``now``. Failures older than
    the window, or from before a lock that has ended, no longer count. A success resets
    nothing: one account the guesser holds must not wipe the count of their guesses at others."""
    window = timedelta(minutes=CLIENT_WINDOW_MINUTES)
    fresh = (
        state is None
        or (state.locked_until is not None and now >= state.locked_until)
        or (state.locked_until is None and now - state.since >= window)
    )
    count, since = (1, now) if fresh or state is None else (state.count + 1, state.since)
    if state is not None and client_locked(state, now):
        return ClientFailures(count, since, state.locked_until)
    locked = now + timedelta(minutes=LOCK_MINUTES) if count >= MAX_CLIENT_FAILURES else None
    return ClientFailures(count, since, locked)


def session_alive(
    created_at: datetime, last_seen_at: datetime, now: datetime, idle_minutes: int
) -> bool:
    return now - last_seen_at < timedelta(minutes=idle_minutes) and now - created_at < timedelta(
        hours=SESSION_MAX_HOURS
    )


SELF_DEACTIVATION = "self"
LAST_ADMIN = "last_admin"


def staff_change_refusal(
    *,
    own_account: bool,
    deactivating: bool,
    was_active_admin: bool,
    stays_active_admin: bool,
    active_admins: int,
) -> str | None:
    """Why a change of a staff user's role or state is refused, or None: a user may not lock
    themselves out, and the last active admin may not stop being one, since then nobody could
    manage users, purposes or the catalogue from the web app (Art. 24, 32(1)(b): keeping the
    system manageable is part of keeping it secure)."""
    if own_account and deactivating:
        return SELF_DEACTIVATION
    if was_active_admin and not stays_active_admin and active_admins <= 1:
        return LAST_ADMIN
    return None
