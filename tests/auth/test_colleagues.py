"""How a page names a colleague (``auth.colleagues``): by sign-in address for an admin only,
by number and role for every other role, in the reader's language; deactivated users keep
their name (they may still own a record); audit references that are not a user's stay
unnamed."""

from __future__ import annotations

import pytest

from conftest import NOW
from kluis.actors import SYSTEM, Role
from kluis.auth import colleagues, service, users
from kluis.runtime import Kluis

ADDRESS = "joris.vink@example.com"


def add(kluis: Kluis, email: str, role: str) -> int:
    user, _ = service.create_user(kluis.engine, SYSTEM, email, role, NOW, password="x" * 16)
    return user.id


@pytest.mark.parametrize("role", list(Role))
def test_only_an_admin_sees_the_address(role: Role) -> None:
    named = colleagues.name(role, "en", 7, ADDRESS, Role.SALES)
    if role is Role.ADMIN:
        assert named == ADDRESS
    else:
        assert named == "Colleague 7 (sales)"
    assert colleagues.shows_addresses(role) is (role is Role.ADMIN)


def test_names_in_the_readers_language() -> None:
    assert colleagues.name(Role.SERVICE, "nl", 7, ADDRESS, Role.SALES) == "Collega 7 (sales)"


def test_deactivated_colleagues_keep_their_name_but_are_no_choice(kluis: Kluis) -> None:
    gone = add(kluis, ADDRESS, "sales")
    kept = add(kluis, "anouk.smit@example.com", "marketing")
    users.set_active(kluis.engine, SYSTEM, gone, False, NOW)
    choices = colleagues.colleagues(kluis.engine, Role.SALES, "en")
    assert gone not in [c.id for c in choices]
    assert colleagues.Colleague(kept, f"Colleague {kept} (marketing)", Role.MARKETING, True) in (
        choices
    )
    assert [c.id for c in choices] == sorted(c.id for c in choices)
    names = colleagues.names(kluis.engine, Role.SALES, "en")
    assert names[gone] == f"Colleague {gone} (sales)"
    assert ADDRESS not in names.values()
    assert colleagues.names(kluis.engine, Role.ADMIN, "en")[gone] == ADDRESS


def test_an_audit_reference_names_a_colleague_only_when_it_is_a_users(kluis: Kluis) -> None:
    user_id = add(kluis, ADDRESS, "sales")
    assert colleagues.of_ref(kluis.engine, Role.SERVICE, "en", f"user:{user_id}") == (
        f"Colleague {user_id} (sales)"
    )
    assert colleagues.of_ref(kluis.engine, Role.ADMIN, "en", f"user:{user_id}") == ADDRESS
    for ref in ("cli:root", "portable:sales", "user:", "user:x", f"user:{user_id + 100}"):
        assert colleagues.of_ref(kluis.engine, Role.ADMIN, "en", ref) is None
