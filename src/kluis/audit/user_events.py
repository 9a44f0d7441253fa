"""Audit events of managing staff users from the web app and the command line: a role changed,
an account deactivated or reactivated. Creating users, passwords and tokens are
``system_events``. They name users by id; a user's e-mail address is never in the log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class UserRoleChanged(AuditEvent):
    action: ClassVar[str] = "user.role_changed"
    user_id: int
    role: str
    previous_role: str


@dataclass(frozen=True)
class UserDeactivated(AuditEvent):
    action: ClassVar[str] = "user.deactivated"
    user_id: int
    sessions_ended: int


@dataclass(frozen=True)
class UserReactivated(AuditEvent):
    action: ClassVar[str] = "user.reactivated"
    user_id: int
