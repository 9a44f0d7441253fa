"""API shapes of the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditEntryPublic(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    person_id: str | None
    purpose: str | None
    details: dict[str, Any]
    hash: str


class VerificationPublic(BaseModel):
    ok: bool
    entries: int
    broken_at: int | None
    reason: str | None
