"""Managing staff users (``auth.users``): roles, deactivation, the last admin, sessions ending,
the audit trail; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conftest import NOW, SALES
from kluis.actors import SYSTEM, Actor, Role
from kluis.audit import service as audit
from kluis.auth import rules, service, sessions, users
from kluis.auth.tables import StaffSession
from kluis.errors import Conflict, InvalidField, NotFound, PermissionDenied, Unauthenticated
from kluis.runtime import Kluis

LATER = NOW + timedelta(minutes=5)
PASSWORD = "correct horse battery staple"


def add(kluis: Kluis, email: str, role: str) -> int:
    user, _ = service.create_user(kluis.engine, SYSTEM, email, role, NOW, password=PASSWORD)
    return user.id


def as_user(user_id: int) -> Actor:
    return Actor(ref=f"user:{user_id}", role=Role.ADMIN, user_id=user_id)


def session_count(kluis: Kluis, user_id: int) -> int:
    with kluis.engine.connect() as conn:
        query = select(func.count()).where(StaffSession.user_id == user_id)
        return int(conn.execute(query).scalar_one())


def test_the_overview_shows_role_second_factor_state_and_last_sign_in(kluis: Kluis) -> None:
    anna = add(kluis, "anna@example.com", "sales")
    sessions.sign_in(kluis, "anna@example.com", PASSWORD, NOW)
    (row,) = [u for u in users.staff_users(kluis.engine, SYSTEM) if u.id == anna]
    assert (row.email, row.role, row.active, row.two_factor) == (
        "anna@example.com",
        Role.SALES,
        True,
        False,
    )
    assert row.last_sign_in_at == NOW


def test_only_an_admin_manages_users(kluis: Kluis) -> None:
    anna = add(kluis, "anna@example.com", "sales")
    for attempt in (
        lambda: users.staff_users(kluis.engine, SALES),
        lambda: users.change_role(kluis.engine, SALES, anna, "admin", NOW),
        lambda: users.set_active(kluis.engine, SALES, anna, False, NOW),
        lambda: service.create_user(kluis.engine, SALES, "bert@example.com", "admin", NOW),
        lambda: service.reset_password(kluis.engine, SALES, "anna@example.com", NOW),
        lambda: service.create_token(kluis.engine, SALES, "anna@example.com", NOW),
        lambda: service.revoke_token(kluis.engine, SALES, 1, NOW),
        lambda: users.tokens_of(kluis.engine, SALES, anna),
    ):
        with pytest.raises(PermissionDenied):
            attempt()


def test_a_role_change_is_audited_and_applies_to_the_running_session(kluis: Kluis) -> None:
    boss = add(kluis, "boss@example.com", "admin")
    anna = add(kluis, "anna@example.com", "sales")
    token, _ = sessions.sign_in(kluis, "anna@example.com", PASSWORD, NOW)
    changed = users.change_role(kluis.engine, as_user(boss), anna, "marketing", LATER)
    assert changed.role is Role.MARKETING
    current = sessions.current(kluis, token, LATER)
    assert current is not None
    assert current.role is Role.MARKETING
    (entry,) = audit.list_entries(kluis.engine, action="user.role_changed")
    assert entry.details == {"user_id": anna, "role": "marketing", "previous_role": "sales"}
    assert entry.actor == f"user:{boss}"
    users.change_role(kluis.engine, as_user(boss), anna, "marketing", LATER)
    assert len(audit.list_entries(kluis.engine, action="user.role_changed")) == 1
    with pytest.raises(InvalidField):
        users.change_role(kluis.engine, as_user(boss), anna, "owner", LATER)
    with pytest.raises(NotFound):
        users.change_role(kluis.engine, as_user(boss), 9999, "sales", LATER)


def test_deactivating_ends_sessions_and_tokens_and_reactivating_lets_them_back(
    kluis: Kluis,
) -> None:
    boss = add(kluis, "boss@example.com", "admin")
    anna = add(kluis, "anna@example.com", "sales")
    token, _ = sessions.sign_in(kluis, "anna@example.com", PASSWORD, NOW)
    _, api_token = service.create_token(kluis.engine, SYSTEM, "anna@example.com", NOW)
    assert session_count(kluis, anna) == 1
    off = users.set_active(kluis.engine, as_user(boss), anna, False, LATER)
    assert not off.active
    assert session_count(kluis, anna) == 0
    assert sessions.current(kluis, token, LATER) is None
    with pytest.raises(Unauthenticated):
        sessions.sign_in(kluis, "anna@example.com", PASSWORD, LATER)
    with pytest.raises(Unauthenticated):
        service.authenticate_token(kluis.engine, api_token, LATER)
    (entry,) = audit.list_entries(kluis.engine, action="user.deactivated")
    assert entry.details == {"user_id": anna, "sessions_ended": 1}
    assert users.set_active(kluis.engine, as_user(boss), anna, True, LATER).active
    sessions.sign_in(kluis, "anna@example.com", PASSWORD, LATER)
    (back,) = audit.list_entries(kluis.engine, action="user.reactivated")
    assert back.details == {"user_id": anna}


def test_nobody_deactivates_themselves(kluis: Kluis) -> None:
    add(kluis, "boss@example.com", "admin")
    other = add(kluis, "other@example.com", "admin")
    with pytest.raises(Conflict, match="your own account") as caught:
        users.set_active(kluis.engine, as_user(other), other, False, NOW)
    assert caught.value.msgid is not None
    assert users.staff_user(kluis.engine, SYSTEM, other).active


def test_the_last_active_admin_stays_an_active_admin(kluis: Kluis) -> None:
    boss = add(kluis, "boss@example.com", "admin")
    other = add(kluis, "other@example.com", "admin")
    users.set_active(kluis.engine, as_user(other), boss, False, NOW)
    with pytest.raises(Conflict, match="last active admin"):
        users.change_role(kluis.engine, SYSTEM, other, "sales", NOW)
    with pytest.raises(Conflict, match="last active admin"):
        users.set_active(kluis.engine, SYSTEM, other, False, NOW)
    users.set_active(kluis.engine, as_user(other), boss, True, NOW)
    users.change_role(kluis.engine, as_user(boss), other, "sales", NOW)
    assert users.staff_user(kluis.engine, SYSTEM, other).role is Role.SALES


def test_a_reset_password_ends_the_sessions_and_must_be_changed(kluis: Kluis) -> None:
    anna = add(kluis, "anna@example.com", "sales")
    token, _ = sessions.sign_in(kluis, "anna@example.com", PASSWORD, NOW)
    fresh = service.reset_password(kluis.engine, SYSTEM, "anna@example.com", LATER)
    assert sessions.current(kluis, token, LATER) is None
    assert session_count(kluis, anna) == 0
    _, again = sessions.sign_in(kluis, "anna@example.com", fresh, LATER)
    assert again.must_change_password


@pytest.mark.parametrize(
    ("own", "deactivating", "was_admin", "stays_admin", "admins", "expected"),
    [
        (True, True, True, False, 2, rules.SELF_DEACTIVATION),
        (True, True, False, False, 0, rules.SELF_DEACTIVATION),
        (True, False, True, False, 1, rules.LAST_ADMIN),
        (False, True, True, False, 1, rules.LAST_ADMIN),
        (False, True, True, False, 2, None),
        (False, False, True, True, 1, None),
        (False, False, False, True, 0, None),
        (False, True, False, False, 0, None),
        (True, False, True, False, 2, None),
    ],
)
def test_staff_change_refusal(
    own: bool, deactivating: bool, was_admin: bool, stays_admin: bool, admins: int, expected: str
) -> None:
    assert (
        rules.staff_change_refusal(
            own_account=own,
            deactivating=deactivating,
            was_active_admin=was_admin,
            stays_active_admin=stays_admin,
            active_admins=admins,
        )
        == expected
    )
