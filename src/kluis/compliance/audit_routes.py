"""JSON API of the audit log: read it and verify the chain (admin and privacy officer)."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Query

from kluis.api import MAX_SEQ, PROBLEMS, KluisDep
from kluis.audit import service
from kluis.audit.schemas import VerificationPublic
from kluis.auth.deps import ActorDep

router = APIRouter(prefix="/audit", tags=["audit"], responses=PROBLEMS)


@router.get("", response_model=list[service.AuditEntryView])
def list_entries(
    kluis: KluisDep,
    actor: ActorDep,
    person_id: str | None = None,
    action: str | None = None,
    after: Annotated[
        int, Query(ge=0, le=MAX_SEQ, description="Entries after this sequence number.")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[service.AuditEntryView]:
    """Audit entries in order, optionally about one person or of one action."""
    service.may_read(actor)
    return service.list_entries(
        kluis.engine, person_id=person_id, action=action, after=after, limit=limit
    )


@router.get("/verify", response_model=VerificationPublic)
def verify(kluis: KluisDep, actor: ActorDep) -> VerificationPublic:
    """Walk the hash chain; names the first entry changed, removed or reordered."""
    service.may_read(actor)
    return VerificationPublic(**dataclasses.asdict(service.verify(kluis.engine)))
