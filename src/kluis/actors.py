"""Who acts, and in which role: pure, and the ground every slice stands on.

A role is a set of purposes (DESIGN.md): what a user may see is what their purposes may use.
Admins and privacy officers hold every purpose, because answering access and erasure requests
(Art. 15, 17) needs all of a person's data; the other roles hold the purposes that list them in the
catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
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

NOTICE_ROLES = ALL_PURPOSES_ROLES
"""Who may add a consent notice (the wording a person agrees to): the controller must be able to
show what each consent was given to (Art. 7(1)), so the wording is set by those answerable for
it, as the topics and purposes are."""

IMPORT_PAGE_ROLES = MANAGE_ROLES
"""Who may use the import pages of the web app (the upload, check and status of every import)."""


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise ValueError(f"unknown role; choose one of {choices}") from None


def holds_purpose(role: Role, purpose_roles: frozenset[str] | tuple[str, ...]) -> bool:
    return role in ALL_PURPOSES_ROLES or role.value in purpose_roles


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
