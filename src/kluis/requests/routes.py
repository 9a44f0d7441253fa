"""JSON API of privacy requests; thin: each route calls one service function."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Query, Request, status
from pydantic import BaseModel

from kluis.api import MAX_ID, PROBLEMS, KluisDep, NowDep
from kluis.auth.deps import ActorDep
from kluis.messaging import service as messaging
from kluis.messaging.routes import MAIL_PROBLEMS
from kluis.requests import service
from kluis.requests.schemas import (
    ProcessedPublic,
    RequestCreate,
    RequestExtend,
    RequestLift,
    RequestProcess,
    RequestRefuse,
    RequestVerify,
)
from kluis.requests.views import RequestView

if TYPE_CHECKING:
    CreateBody = BaseModel
    VerifyBody = BaseModel
    ExtendBody = BaseModel
    RefuseBody = BaseModel
    ProcessBody = BaseModel
    LiftBody = BaseModel
else:
    CreateBody = RequestCreate
    VerifyBody = RequestVerify
    ExtendBody = RequestExtend
    RefuseBody = RequestRefuse
    ProcessBody = RequestProcess
    LiftBody = RequestLift

router = APIRouter(prefix="/requests", tags=["privacy requests"], responses=PROBLEMS)
RequestId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _transport(request: Request) -> messaging.TransportFactory | None:
    factory: messaging.TransportFactory | None = getattr(
        request.app.state, "transport_factory", None
    )
    return factory


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RequestView)
def create_request(kluis: KluisDep, actor: ActorDep, now: NowDep, body: CreateBody) -> RequestView:
    """Record a privacy request; it is due one calendar month after receipt (Art. 12(3))."""
    assert isinstance(body, RequestCreate)
    return service.create(
        kluis,
        actor,
        body.type,
        now,
        person_id=body.person_id,
        email=body.email,
        verified_by=body.verified_by,
        details=body.details,
    )


@router.get("", response_model=list[RequestView])
def list_requests(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    status_: Annotated[
        str | None,
        Query(
            alias="status",
            pattern="^(received|verified|in_progress|completed|refused)$",
        ),
    ] = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
    due_within: Annotated[int | None, Query(ge=0, le=3660)] = None,
    overdue: bool = False,
    person_id: Annotated[str | None, Query(max_length=36, pattern=r"^[^\x00]*$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[RequestView]:
    """Requests by deadline, soonest first, with days left and whether they are overdue."""
    return service.list_requests(
        kluis,
        actor,
        now,
        status=status_,
        open_only=open_only,
        due_within=due_within,
        overdue=overdue,
        person_id=person_id,
        limit=limit,
        offset=offset,
    )


@router.get("/{request_id}", response_model=RequestView)
def get_request(
    kluis: KluisDep, actor: ActorDep, now: NowDep, request_id: RequestId
) -> RequestView:
    return service.get(kluis, actor, request_id, now)


@router.post("/{request_id}/verify", response_model=RequestView)
def verify_request(
    kluis: KluisDep, actor: ActorDep, now: NowDep, request_id: RequestId, body: VerifyBody
) -> RequestView:
    """Record how the requester was shown to be the person (Art. 12(6))."""
    assert isinstance(body, RequestVerify)
    return service.verify(kluis, actor, request_id, body.verified_by, now)


@router.post("/{request_id}/extend", response_model=RequestView, responses=MAIL_PROBLEMS)
def extend_request(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    request: Request,
    request_id: RequestId,
    body: ExtendBody,
) -> RequestView:
    """Extend by one or two months, within the first month, telling the person why."""
    assert isinstance(body, RequestExtend)
    return service.extend(
        kluis,
        actor,
        request_id,
        body.months,
        body.reason,
        now,
        transport=_transport(request),
        mail=body.mail,
    )


@router.post("/{request_id}/refuse", response_model=RequestView, responses=MAIL_PROBLEMS)
def refuse_request(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    request: Request,
    request_id: RequestId,
    body: RefuseBody,
) -> RequestView:
    """Refuse, telling the person the reason and their right to complain (Art. 12(4))."""
    assert isinstance(body, RequestRefuse)
    return service.refuse(
        kluis,
        actor,
        request_id,
        body.reason,
        now,
        transport=_transport(request),
        mail=body.mail,
    )


@router.post("/{request_id}/process", response_model=ProcessedPublic, responses=MAIL_PROBLEMS)
def process_request(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    request: Request,
    request_id: RequestId,
    body: ProcessBody,
) -> ProcessedPublic:
    """Carry out a verified request's steps and complete it."""
    assert isinstance(body, RequestProcess)
    done = service.process(
        kluis,
        actor,
        request_id,
        now,
        transport=_transport(request),
        changes=body.changes,
        mail=body.mail,
    )
    return ProcessedPublic(
        request=done.request,
        files={name: _text(content) for name, content in done.files.items()},
    )


@router.post("/{request_id}/lift", response_model=RequestView, responses=MAIL_PROBLEMS)
def lift_restriction(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    request: Request,
    request_id: RequestId,
    body: LiftBody,
) -> RequestView:
    """Lift a restriction, telling the person first (Art. 18(3))."""
    assert isinstance(body, RequestLift)
    return service.lift_restriction(
        kluis, actor, request_id, now, transport=_transport(request), mail=body.mail
    )


def _text(content: bytes) -> str:
    try:
        return content.decode()
    except UnicodeDecodeError:
        return base64.b64encode(content).decode()
