"""Roles and what they may do: pure.

A role is a set of purposes (DESIGN.md): what a user may see is what their purposes may use.
Admins and privacy officers hold every purpose, because answering access and erasure requests
(Art. 15, 17) needs all of a person's data; the other roles hold the purposes that list them in the
catalogue.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    PRIVACY_OFFICER = "privacy_officer"
    SALES = "sales"
    MARKETING = "marketing"
    SERVICE = "service"


ALL_PURPOSES_ROLES = frozenset({Role.ADMIN, Role.PRIVACY_OFFICER})
"""Roles that hold every purpose, present and future."""

ERASE_ROLES = ALL_PURPOSES_ROLES
"""Erasure is irreversible; only the people answerable for it may do it."""

MANAGE_ROLES = frozenset({Role.ADMIN})
"""Users, tokens and the purposes catalogue are changed by admins (and the CLI)."""

CATALOGUE_ROLES = ALL_PURPOSES_ROLES
"""Who may add or change purposes: the owner or privacy officer sets purposes and retention."""


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role; choose one of {choices}") from None


def holds_purpose(role: Role, purpose_roles: frozenset[str] | tuple[str, ...]) -> bool:
    return role in ALL_PURPOSES_ROLES or role.value in purpose_roles


TOKEN_PREFIX = "kluis_"  # noqa: S105 (a prefix, not a secret)


def token_digest(token: str) -> str:
    """API tokens are 256-bit random strings, so a plain SHA-256 is enough to store them safely
    (no password stretching needed, and a look-up stays one indexed query)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Actor:
    """Who is acting; ``ref`` is what the audit log records (``user:12``, ``cli:root``)."""

    ref: str
    role: Role
    user_id: int | None = None


SYSTEM = Actor(ref="system", role=Role.ADMIN)
"""Kluis itself: seeding the catalogue, scheduled jobs."""

PERSON = Actor(ref="person", role=Role.PRIVACY_OFFICER)
"""The person themselves, acting on their own data from a public page or a link they were sent
(sign-up, preferences, unsubscribe, re-confirmation, privacy requests); the audit log records
``person``. Whatever they do concerns only their own data, which every purpose may hold, so the
role is one that holds every purpose (``ALL_PURPOSES_ROLES``); it manages nothing else."""


MAX_FAILED_SIGN_INS = 5
"""Wrong passwords in a row before the account locks (OWASP ASVS 2.2.1: limit guessing)."""
LOCK_MINUTES = 15
SESSION_IDLE_MINUTES = 30
"""A session ends after this long without a request (ASVS 3.3.2)."""
SESSION_MAX_HOURS = 12
"""And after this long in all, however busy (a working day)."""


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
