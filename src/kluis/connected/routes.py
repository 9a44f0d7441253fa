"""JSON API of connected systems: the register, the identifiers of people, the notices of a
person and ticking a manual step. Admins and privacy officers only (the service says so)."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Path, status

from kluis.api import MAX_ID, PROBLEMS, KluisDep, NowDep
from kluis.auth.deps import ActorDep
from kluis.connected import delivery, service, tracking
from kluis.connected.schemas import (
    IdentityCreate,
    NoticePublic,
    PurposesUpdate,
    SecretPublic,
    SystemAdded,
    SystemCreate,
    SystemPublic,
)

router = APIRouter(tags=["connected systems"], responses=PROBLEMS)

SystemRef = Annotated[str, Path(max_length=120, pattern=r"^[^\x00/]*$")]
PersonId = Annotated[str, Path(max_length=36, pattern=r"^[^\x00]*$")]
NoticeId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _public(view: service.SystemView) -> SystemPublic:
    values = dataclasses.asdict(view)
    values["purposes"] = list(view.purposes)
    return SystemPublic(**values)


@router.get("/systems")
def list_systems(k: KluisDep, actor: ActorDep, now: NowDep) -> list[SystemPublic]:
    """The connected systems (Art. 19, 28) with the purposes that send data to each."""
    return [_public(v) for v in service.systems(k, actor, now)]


@router.post("/systems", status_code=status.HTTP_201_CREATED)
def add_system(body: SystemCreate, k: KluisDep, actor: ActorDep, now: NowDep) -> SystemAdded:
    """Register a system; a webhook system's secret is in the answer this once."""
    added = service.add_system(k, actor, now, **body.model_dump())
    return SystemAdded(system=_public(added.system), secret=added.secret)


@router.get("/systems/{system}")
def show_system(system: SystemRef, k: KluisDep, actor: ActorDep, now: NowDep) -> SystemPublic:
    """One system, by id or name."""
    return _public(service.show(k, actor, system, now))


@router.put("/systems/{system}/purposes")
def set_purposes(
    system: SystemRef, body: PurposesUpdate, k: KluisDep, actor: ActorDep, now: NowDep
) -> SystemPublic:
    """The purposes that send data to the system."""
    return _public(service.set_purposes(k, actor, system, body.purposes, now))


@router.post("/systems/{system}/rotate-secret")
def rotate_secret(system: SystemRef, k: KluisDep, actor: ActorDep, now: NowDep) -> SecretPublic:
    """A new webhook secret (shown once); the old one signs beside it for 24 hours."""
    return SecretPublic(secret=service.rotate_secret(k, actor, system, now))


@router.put("/people/{person_id}/systems/{system}", status_code=status.HTTP_204_NO_CONTENT)
def link(
    person_id: PersonId,
    system: SystemRef,
    body: IdentityCreate,
    k: KluisDep,
    actor: ActorDep,
    now: NowDep,
) -> None:
    """Record the identifier the system knows the person by (sealed with their key)."""
    service.link(k, actor, person_id, system, body.external_id, now)


@router.get("/people/{person_id}/notices")
def notices(person_id: PersonId, k: KluisDep, actor: ActorDep) -> list[NoticePublic]:
    """The notices sent to connected systems about the person, and their state."""
    return [NoticePublic(**dataclasses.asdict(n)) for n in tracking.notices(k, actor, person_id)]


@router.post("/notices/{notice_id}/confirm")
def tick(notice_id: NoticeId, k: KluisDep, actor: ActorDep, now: NowDep) -> dict[str, bool]:
    """Staff confirm a manual step (or a system's confirmation by other means)."""
    return {"confirmed": delivery.tick(k, actor, notice_id, now)}
