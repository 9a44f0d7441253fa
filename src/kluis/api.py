"""What every API route shares: the Kluis dependency, bearer-token authentication, the clock.

``Annotated`` aliases keep route signatures short (``KluisDep``, ``ActorDep``), as in the
full-stack FastAPI template.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

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


KluisDep = Annotated[Kluis, Depends(get_kluis)]
ActorDep = Annotated[Actor, Depends(get_actor)]
NowDep = Annotated[datetime, Depends(get_now)]
