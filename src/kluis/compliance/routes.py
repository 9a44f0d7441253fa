"""JSON API of the compliance slice: record of processing, breach register, findings.

Admins and privacy officers only: these are the controller's documents for the supervisory
authority. The privacy notice is public and lives in ``pages.py``.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status
from fastapi.responses import JSONResponse

from kluis.api import MAX_ID, PROBLEMS, KluisDep, NowDep
from kluis.auth.deps import ActorDep
from kluis.compliance import findings, ropa, service
from kluis.compliance.rules import has_high
from kluis.compliance.schemas import (
    AffectedPublic,
    BreachCreate,
    BreachNotify,
    BreachPublic,
    FindingPublic,
    FindingsPublic,
)
from kluis.errors import InvalidField

router = APIRouter(tags=["compliance"], responses=PROBLEMS)

BreachId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _public(view: service.BreachView) -> BreachPublic:
    return BreachPublic.model_validate(service.as_dict(view))


@router.get(
    "/ropa",
    responses={
        200: {
            "content": {
                "text/markdown": {},
                "text/html": {},
                "text/csv": {},
            },
            "description": "The record in the format asked for.",
        }
    },
)
def get_ropa(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    format: Annotated[str, Query(pattern="^(md|html|csv|json)$")] = "json",
    lang: Annotated[str, Query(pattern="^(nl|en)$")] = "nl",
) -> Response:
    """The record of processing activities (Art. 30(1)), generated from the purposes catalogue:
    items (a) to (g) for every purpose and the people per purpose and lawful basis."""
    ropa.may_read(actor)
    record = ropa.build(kluis, lang, now)
    if format == "json":
        return JSONResponse(ropa.as_json(record))
    body, media_type = ropa.render(record, format)
    return Response(body, media_type=media_type)


@router.get(
    "/breaches",
    response_model=list[BreachPublic],
    responses={
        200: {
            "content": {"text/html": {}},
            "description": "The register as JSON, or with `format=html` as a document.",
        }
    },
)
def list_breaches(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    format: Annotated[str, Query(pattern="^(json|html)$")] = "json",
) -> Any:
    """The breach register (Art. 33(5)), overdue notifications flagged; `format=html` gives the
    register as a document."""
    if format == "html":
        body, media_type = service.export(kluis, actor, "html", now)
        return Response(body, media_type=media_type)
    return [_public(b) for b in service.list_breaches(kluis, actor, now)]


@router.post("/breaches", status_code=status.HTTP_201_CREATED, response_model=BreachPublic)
def add_breach(
    kluis: KluisDep, actor: ActorDep, now: NowDep, body: BreachCreate, response: Response
) -> BreachPublic:
    """Record a personal-data breach; the 72-hour clock runs from `detected_at`."""
    view = service.add_breach(kluis, actor, service.NewBreach(**body.model_dump()), now)
    response.headers["Location"] = f"/api/v1/breaches/{view.id}"
    return _public(view)


@router.get("/breaches/{breach_id}", response_model=BreachPublic)
def get_breach(kluis: KluisDep, actor: ActorDep, now: NowDep, breach_id: BreachId) -> BreachPublic:
    return _public(service.get_breach(kluis, actor, breach_id, now))


@router.post("/breaches/{breach_id}/notify", response_model=BreachPublic)
def notify(
    kluis: KluisDep, actor: ActorDep, now: NowDep, breach_id: BreachId, body: BreachNotify
) -> BreachPublic:
    """Record that the authority or the people were told (a late authority notification needs
    `late_reason`), or document why not (`not_required`, `exemption`)."""
    if body.whom == "authority":
        if body.exemption is not None:
            raise InvalidField("exemption is for the people; use not_required", field="exemption")
        view = service.notify_authority(
            kluis,
            actor,
            breach_id,
            now,
            at=body.at,
            late_reason=body.late_reason,
            not_required=body.not_required,
        )
    else:
        if body.not_required is not None or body.late_reason is not None:
            raise InvalidField(
                "not_required and late_reason are for the authority", field="not_required"
            )
        view = service.notify_people(
            kluis, actor, breach_id, now, at=body.at, exemption=body.exemption
        )
    return _public(view)


@router.post("/breaches/{breach_id}/affected", response_model=AffectedPublic)
def affected(kluis: KluisDep, actor: ActorDep, now: NowDep, breach_id: BreachId) -> AffectedPublic:
    """The people (opaque ids) the audit log shows in the breach's window, by its actors and/or
    under its purposes; the count is stored on the breach."""
    ids = service.affected(kluis, actor, breach_id, now)
    return AffectedPublic(breach_id=breach_id, count=len(ids), person_ids=ids)


@router.get("/compliance/findings", response_model=FindingsPublic)
def get_findings(kluis: KluisDep, actor: ActorDep, now: NowDep) -> FindingsPublic:
    """Concrete findings, the most severe first, each with the rule or article and the fix."""
    found = findings.findings(kluis, actor, now)
    return FindingsPublic(
        high=has_high(found),
        findings=[FindingPublic.model_validate(dataclasses.asdict(f)) for f in found],
    )
