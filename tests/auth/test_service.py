"""Staff users and API tokens through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from conftest import ADMIN, NOW
from kluis.actors import Role
from kluis.audit import service as audit
from kluis.auth import service
from kluis.auth.rules import TOKEN_PREFIX
from kluis.auth.tables import ApiToken, User
from kluis.errors import Conflict, InvalidField, NotFound, Unauthenticated
from kluis.runtime import Kluis
from staff_helpers import assert_production_cost

LATER = NOW + timedelta(minutes=5)
REFUSED = "wrong e-mail address or password"


def refusal(kluis: Kluis, email: str, password: str) -> str:
    with pytest.raises(Unauthenticated) as caught:
        service.check_password(kluis.engine, email, password)
    return caught.value.detail


def test_create_user_returns_a_one_time_password(kluis: Kluis) -> None:
    user, password = service.create_user(kluis.engine, ADMIN, "Anna@Example.com", "sales", NOW)
    assert user.email == "anna@example.com"
    assert user.role is Role.SALES
    assert user.active
    assert user.must_change_password
    assert len(password) >= 16
    assert service.find_user(kluis.engine, "anna@example.com") == user
    _, other = service.create_user(kluis.engine, ADMIN, "bram@example.com", "sales", NOW)
    assert other != password


@pytest.mark.real_argon2
def test_the_password_is_stored_hashed_at_the_production_cost(kluis: Kluis) -> None:
    _, password = service.create_user(kluis.engine, ADMIN, "anna@example.com", "sales", NOW)
    with kluis.engine.connect() as conn:
        stored = conn.execute(select(User.password_hash)).scalar_one()
    assert password not in stored
    assert stored.startswith("$argon2id$")
    assert_production_cost(stored)


def test_create_user_is_audited_without_the_email(kluis: Kluis) -> None:
    user, _ = service.create_user(kluis.engine, ADMIN, "anna@example.com", "marketing", NOW)
    (entry,) = audit.list_entries(kluis.engine, action="user.created")
    assert entry.actor == ADMIN.ref
    assert entry.details == {"user_id": user.id, "role": "marketing"}
    assert "anna" not in str(entry.details)


def test_a_chosen_password_need_not_be_changed(kluis: Kluis) -> None:
    user, password = service.create_user(
        kluis.engine, ADMIN, "anna@example.com", "admin", NOW, password="correct horse battery"
    )
    assert password == "correct horse battery"
    assert not user.must_change_password
    assert service.check_password(kluis.engine, "anna@example.com", password) == user


def test_check_password_accepts_the_right_password(kluis: Kluis) -> None:
    user, password = service.create_user(kluis.engine, ADMIN, "anna@example.com", "service", NOW)
    assert service.check_password(kluis.engine, " ANNA@example.com ", password) == user


def test_wrong_password_unknown_user_and_inactive_user_get_the_same_error(kluis: Kluis) -> None:
    _, password = service.create_user(kluis.engine, ADMIN, "anna@example.com", "service", NOW)
    _, bram = service.create_user(kluis.engine, ADMIN, "bram@example.com", "service", NOW)
    with kluis.engine.begin() as conn:
        conn.execute(update(User).where(User.email == "bram@example.com").values(active=False))
    messages = {
        refusal(kluis, "anna@example.com", password + "x"),
        refusal(kluis, "anna@example.com", ""),
        refusal(kluis, "nobody@example.com", password),
        refusal(kluis, "bram@example.com", bram),
    }
    assert messages == {REFUSED}


def test_a_duplicate_user_is_a_conflict(kluis: Kluis) -> None:
    service.create_user(kluis.engine, ADMIN, "anna@example.com", "sales", NOW)
    with pytest.raises(Conflict, match=re.escape("anna@example.com")) as caught:
        service.create_user(kluis.engine, ADMIN, " Anna@EXAMPLE.com", "marketing", NOW)
    assert caught.value.field == "email"
    assert [u.role for u in service.list_users(kluis.engine)] == [Role.SALES]


def test_an_unknown_role_is_refused_naming_the_role_field(kluis: Kluis) -> None:
    with pytest.raises(InvalidField, match="unknown role") as caught:
        service.create_user(kluis.engine, ADMIN, "anna@example.com", "janitor", NOW)
    assert caught.value.field == "role"
    assert "admin" in caught.value.detail
    assert service.list_users(kluis.engine) == []


@pytest.mark.parametrize("email", ["anna", "@example.com", "anna@", "anna smit@example.com"])
def test_a_bad_email_is_refused(kluis: Kluis, email: str) -> None:
    with pytest.raises(InvalidField) as caught:
        service.create_user(kluis.engine, ADMIN, email, "sales", NOW)
    assert caught.value.field == "email"


def test_list_users_is_sorted_by_email(kluis: Kluis) -> None:
    for email in ("cas@example.com", "anna@example.com", "bram@example.com"):
        service.create_user(kluis.engine, ADMIN, email, "sales", NOW)
    assert [u.email for u in service.list_users(kluis.engine)] == [
        "anna@example.com",
        "bram@example.com",
        "cas@example.com",
    ]


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_a_token_authenticates_as_the_user_with_their_role(kluis: Kluis, role: Role) -> None:
    user, _ = service.create_user(kluis.engine, ADMIN, "anna@example.com", role.value, NOW)
    token_id, token = service.create_token(kluis.engine, ADMIN, "anna@example.com", NOW)
    assert token.startswith(TOKEN_PREFIX)
    actor = service.authenticate_token(kluis.engine, token, LATER)
    assert actor.role is role
    assert actor.user_id == user.id
    assert actor.ref == f"user:{user.id}"
    with kluis.engine.connect() as conn:
        row = conn.execute(select(ApiToken).where(ApiToken.id == token_id)).one()
    assert row.last_used_at == LATER
    assert token not in row.digest


def test_tokens_are_distinct_and_audited(kluis: Kluis) -> None:
    user, _ = service.create_user(kluis.engine, ADMIN, "anna@example.com", "sales", NOW)
    first = service.create_token(kluis.engine, ADMIN, "anna@example.com", NOW)
    second = service.create_token(kluis.engine, ADMIN, "anna@example.com", NOW, name="laptop")
    assert first[0] != second[0]
    assert first[1] != second[1]
    created = audit.list_entries(kluis.engine, action="token.created")
    assert [e.details for e in created] == [
        {"user_id": user.id, "token_id": first[0]},
        {"user_id": user.id, "token_id": second[0]},
    ]
    assert all(first[1] not in str(e.details) for e in created)


def test_a_token_for_an_unknown_user_is_not_found(kluis: Kluis) -> None:
    with pytest.raises(NotFound):
        service.create_token(kluis.engine, ADMIN, "nobody@example.com", NOW)


def test_a_revoked_token_no_longer_authenticates(kluis: Kluis) -> None:
    service.create_user(kluis.engine, ADMIN, "anna@example.com", "sales", NOW)
    token_id, token = service.create_token(kluis.engine, ADMIN, "anna@example.com", NOW)
    _, kept = service.create_token(kluis.engine, ADMIN, "anna@example.com", NOW)
    service.revoke_token(kluis.engine, ADMIN, token_id, LATER)
    with pytest.raises(Unauthenticated, match="unknown or revoked"):
        service.authenticate_token(kluis.engine, token, LATER)
    assert service.authenticate_token(kluis.engine, kept, LATER).role is Role.SALES
    (revoked,) = audit.list_entries(kluis.engine, action="token.revoked")
    assert revoked.details["token_id"] == token_id


def test_revoking_an_unknown_token_is_not_found(kluis: Kluis) -> None:
    with pytest.raises(NotFound) as caught:
        service.revoke_token(kluis.engine, ADMIN, 999, NOW)
    assert caught.value.field == "token_id"


@pytest.mark.parametrize("token", ["", "Bearer x", "kluis_", "kluis_unknown", "other_abc"])
def test_unknown_tokens_do_not_authenticate(kluis: Kluis, token: str) -> None:
    service.create_user(kluis.engine, ADMIN, "anna@example.com", "sales", NOW)
    service.create_token(kluis.engine, ADMIN, "anna@example.com", NOW)
    with pytest.raises(Unauthenticated):
        service.authenticate_token(kluis.engine, token, LATER)


def test_a_token_of_an_inactive_user_does_not_authenticate(kluis: Kluis) -> None:
    service.create_user(kluis.engine, ADMIN, "anna@example.com", "sales", NOW)
    _, token = service.create_token(kluis.engine, ADMIN, "anna@example.com", NOW)
    with kluis.engine.begin() as conn:
        conn.execute(update(User).values(active=False))
    with pytest.raises(Unauthenticated):
        service.authenticate_token(kluis.engine, token, LATER)


def test_reset_password_changes_the_password(kluis: Kluis) -> None:
    user, old = service.create_user(
        kluis.engine, ADMIN, "anna@example.com", "sales", NOW, password="old password 1"
    )
    assert not user.must_change_password
    new = service.reset_password(kluis.engine, ADMIN, "anna@example.com", LATER)
    assert new != old
    assert refusal(kluis, "anna@example.com", old) == REFUSED
    checked = service.check_password(kluis.engine, "anna@example.com", new)
    assert checked.id == user.id
    assert checked.must_change_password
    (entry,) = audit.list_entries(kluis.engine, action="user.password_reset")
    assert entry.details == {"user_id": user.id}
    assert entry.at == LATER


def test_reset_password_of_an_unknown_user_is_not_found(kluis: Kluis) -> None:
    with pytest.raises(NotFound, match=re.escape("nobody@example.com")):
        service.reset_password(kluis.engine, ADMIN, "nobody@example.com", NOW)
