"""JSON API of the purposes catalogue."""

from __future__ import annotations

import dataclasses

from fastapi import APIRouter, status

from kluis.api import PROBLEMS, KluisDep, NowDep
from kluis.auth.deps import ActorDep
from kluis.purposes import service
from kluis.purposes.rules import Purpose
from kluis.purposes.schemas import PurposeCreate, PurposePublic, PurposeUpdate

router = APIRouter(prefix="/purposes", tags=["purposes"], responses=PROBLEMS)


def _public(purpose: Purpose) -> PurposePublic:
    return PurposePublic.model_validate(dataclasses.asdict(purpose))


@router.get("", response_model=list[PurposePublic])
def list_purposes(kluis: KluisDep, actor: ActorDep) -> list[PurposePublic]:
    """The purposes catalogue: why data is held, on what basis, for how long."""
    return [_public(p) for p in service.list_purposes(kluis.engine)]


@router.get("/{key}", response_model=PurposePublic)
def get_purpose(kluis: KluisDep, actor: ActorDep, key: str) -> PurposePublic:
    return _public(service.get_purpose(kluis.engine, key))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PurposePublic)
def create_purpose(
    kluis: KluisDep, actor: ActorDep, now: NowDep, body: PurposeCreate
) -> PurposePublic:
    """Add a purpose (admin or privacy officer); fideslang keys are checked, the change audited."""
    purpose = service.purpose_from_mapping(body.model_dump())
    return _public(service.create_purpose(kluis.engine, actor, purpose, now))


@router.patch("/{key}", response_model=PurposePublic)
def change_purpose(
    kluis: KluisDep, actor: ActorDep, now: NowDep, key: str, body: PurposeUpdate
) -> PurposePublic:
    """Change a purpose (admin or privacy officer); the audit log names the fields changed."""
    changes = body.model_dump(exclude_unset=True)
    return _public(service.change_purpose(kluis.engine, actor, key, changes, now))
