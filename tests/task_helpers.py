"""Staff users as actors for task tests: tasks need users that exist (assignees)."""

from __future__ import annotations

from conftest import NOW
from kluis.actors import SYSTEM, Actor, Role
from kluis.auth import service as auth
from kluis.auth.sessions import Session
from kluis.errors import NotFound
from kluis.runtime import Kluis
from staff_helpers import PASSWORD


def staff(kluis: Kluis, role: str, email: str | None = None) -> Actor:
    """A staff user with ``role`` as an actor (made on first use)."""
    address = email or f"{role}@example.com"
    try:
        user = auth.find_user(kluis.engine, address)
    except NotFound:
        user, _ = auth.create_user(kluis.engine, SYSTEM, address, role, NOW, password=PASSWORD)
    return Actor(ref=f"user:{user.id}", role=Role(role), user_id=user.id)


def session_of(actor: Actor, language: str = "en") -> Session:
    """A staff session of ``actor`` for calling a home or person panel directly."""
    assert actor.user_id is not None
    return Session(
        token_digest="0" * 64,
        user_id=actor.user_id,
        email=f"{actor.role.value}@example.com",
        role=actor.role,
        csrf="csrf",
        purpose=None,
        language=language,
        must_change_password=False,
        totp=False,
    )
