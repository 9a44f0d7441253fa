"""What every API route shares: the Kluis dependency, bearer-token authentication, the clock.

``Annotated`` aliases keep route signatures short (``KluisDep``, ``ActorDep``), as in the
full-stack FastAPI template.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from kluis.auth import service as auth
from kluis.auth.rules import Actor
from kluis.db import utcnow
from kluis.errors import Unauthenticated
from kluis.runtime import Kluis


def get_kluis(request: Request) -> Kluis:
    kluis: Kluis = request.app.state.kluis
    return kluis


def get_now() -> datetime:
    return utcnow()


_bearer = HTTPBearer(auto_error=False, description="An API token from `kluis tokens create`.")


def get_actor(
    kluis: Annotated[Kluis, Depends(get_kluis)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    now: Annotated[datetime, Depends(get_now)],
) -> Actor:
    if credentials is None:
        raise Unauthenticated(
            "send an API token as `Authorization: Bearer <token>`; create one with "
            "`kluis tokens create EMAIL`"
        )
    return auth.authenticate_token(kluis.engine, credentials.credentials, now)


class FieldError(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    """An error, as RFC 9457 ``application/problem+json``."""

    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: list[FieldError] | None = None


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": Problem.model_json_schema()}},
    }


PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: _problem("No API token, or an unknown or revoked one."),
    403: _problem("The role may not do this, or may not work under this purpose."),
    404: _problem("Not found."),
    409: _problem("Conflicts with what is stored (a duplicate)."),
    410: _problem("The person was erased."),
    422: _problem("A value is missing or invalid; `field` names it."),
    500: _problem("An unexpected failure."),
}
"""Error answers every API router declares, so the OpenAPI schema tells clients what to expect."""

MAX_ID = 2**31 - 1
"""Largest integer id or offset accepted: what a 32-bit integer column holds on every backend."""
MAX_SEQ = 2**63 - 1

KluisDep = Annotated[Kluis, Depends(get_kluis)]
ActorDep = Annotated[Actor, Depends(get_actor)]
NowDep = Annotated[datetime, Depends(get_now)]
PurposeQuery = Annotated[
    str,
    Query(
        description="The purpose of this read: the role must hold it and the person must have "
        "been collected for it (Art. 5(1)(b)); only what it may use is returned, and the read "
        "is audited under it.",
        examples=["customer_service"],
    ),
]
"""Every read of what is kept about a person names its purpose (DESIGN.md invariant 3)."""
