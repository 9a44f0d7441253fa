"""``kluis users role|deactivate|reactivate``: the commands beside the admin's pages, on the
same service (``auth.users``)."""

from __future__ import annotations

from cli_helpers import ok, refused
from kluis.actors import Role
from kluis.audit import service as audit
from kluis.auth import service as auth
from kluis.runtime import Kluis
from kluis.settings import Settings


def test_role_deactivate_and_reactivate(kluis_env: Settings, kluis: Kluis) -> None:
    ok("users", "create", "anneke.visser@example.com", "--role", "sales")
    assert (
        "is now marketing" in ok("users", "role", "anneke.visser@example.com", "marketing").stdout
    )
    assert auth.find_user(kluis.engine, "anneke.visser@example.com").role is Role.MARKETING
    ok("users", "deactivate", "anneke.visser@example.com")
    assert not auth.find_user(kluis.engine, "anneke.visser@example.com").active
    ok("users", "reactivate", "anneke.visser@example.com")
    assert auth.find_user(kluis.engine, "anneke.visser@example.com").active
    actions = [e.action for e in audit.list_entries(kluis.engine) if e.action.startswith("user.")]
    assert actions[-3:] == ["user.role_changed", "user.deactivated", "user.reactivated"]


def test_the_last_admin_and_unknown_users_are_refused(kluis_env: Settings, kluis: Kluis) -> None:
    ok("users", "create", "baas@example.com", "--role", "admin")
    assert "last active admin" in refused("users", "deactivate", "baas@example.com", field="role")
    assert "last active admin" in refused(
        "users", "role", "baas@example.com", "sales", field="role"
    )
    refused("users", "role", "baas@example.com", "boss", field="role")
    refused("users", "deactivate", "niemand@example.com", field="email")
