"""The API's authentication: the bearer token of every request turned into the ``Actor`` it acts
as (``ActorDep``), through ``auth.service``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kluis.actors import Actor
from kluis.api import get_kluis, get_now
from kluis.auth import service as auth
from kluis.errors import Unauthenticated
from kluis.runtime import Kluis

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


ActorDep = Annotated[Actor, Depends(get_actor)]
