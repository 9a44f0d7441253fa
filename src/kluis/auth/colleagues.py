"""How the staff pages name a colleague: the one rule for owners, assignees and drop-downs.

A colleague's sign-in address is their personal data (GDPR Art. 4(1); at work, Art. 88): the
pages that show who owns a person, a company or a deal, or whom a task is for, need to tell the
staff users apart, not to show their addresses (data minimisation, Art. 5(1)(c)). Admins, who
manage the accounts (``actors.MANAGE_ROLES``), see the address; every other role sees the
user's number and role ("Colleague 5 (sales)" / "Collega 5 (sales)"), which is what the staff
table holds besides the address. Every page that names a colleague goes through ``name`` or
``colleagues``, so the rule is the same on the people, company, deal and task pages and in the
deals' CSV.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from kluis.actors import MANAGE_ROLES, Role
from kluis.auth import service
from kluis.locale import N_
from kluis.ui import staff

COLLEAGUE = N_("Colleague %(id)s (%(role)s)")


@dataclass(frozen=True)
class Colleague:
    """A staff user as a page shows them to one viewer."""

    id: int
    name: str
    role: Role
    active: bool


def shows_addresses(viewer_role: Role) -> bool:
    """Whether a viewer of ``viewer_role`` sees colleagues' sign-in addresses."""
    return viewer_role in MANAGE_ROLES


def name(viewer_role: Role, language: str, user_id: int, email: str, role: Role) -> str:
    """The colleague ``user_id`` as a viewer of ``viewer_role`` reading ``language`` sees them."""
    if shows_addresses(viewer_role):
        return email
    return staff.gettext(language, COLLEAGUE, id=user_id, role=role.value)


def colleagues(
    engine: Engine, viewer_role: Role, language: str, *, active_only: bool = True
) -> list[Colleague]:
    """The staff users (the active ones, unless ``active_only`` is false) named for the viewer;
    for an admin by address, for the others by number."""
    found = [
        Colleague(u.id, name(viewer_role, language, u.id, u.email, u.role), u.role, u.active)
        for u in service.list_users(engine)
        if u.active or not active_only
    ]
    return found if shows_addresses(viewer_role) else sorted(found, key=lambda c: c.id)


def names(engine: Engine, viewer_role: Role, language: str) -> dict[int, str]:
    """Every staff user's name for the viewer, deactivated ones included (they may still own
    a record or hold a task)."""
    return {c.id: c.name for c in colleagues(engine, viewer_role, language, active_only=False)}


def of_ref(engine: Engine, viewer_role: Role, language: str, ref: str) -> str | None:
    """The colleague an audit reference (``user:12``) names, as the viewer may see them; None
    for a reference that is not a staff user's (``cli:root``, ``portable:sales``)."""
    kind, _, number = ref.partition(":")
    if kind != "user" or not number.isdigit():
        return None
    return names(engine, viewer_role, language).get(int(number))
