"""API shapes of the audit log. An entry answers as ``service.AuditEntryView``; the verification
drops ``head_hash``, so it keeps its own shape."""

from __future__ import annotations

from pydantic import BaseModel


class VerificationPublic(BaseModel):
    ok: bool
    entries: int
    broken_at: int | None
    reason: str | None
