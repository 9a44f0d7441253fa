"""Plain helpers for API tests: a TestClient per role with a real bearer token, the clock fixed at
``NOW``, and one check of the problem+json shape every error response must have."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from fastapi.testclient import TestClient

from conftest import NOW
from kluis.actors import SYSTEM
from kluis.api import get_now
from kluis.app import create_app
from kluis.auth import service as auth
from kluis.errors import NotFound
from kluis.runtime import Kluis

__all__ = [
    "PROBLEM",
    "TestClient",
    "anonymous_client",
    "assert_problem",
    "client_for",
    "token_for",
]

PROBLEM = "application/problem+json"


class Response(Protocol):
    """What the checks need of a test client's response (httpx or httpx2)."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Any: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any: ...


def token_for(kluis: Kluis, role: str, email: str | None = None, now: datetime = NOW) -> str:
    """A fresh API token of a staff user with ``role`` (the user is made on first use)."""
    address = email or f"{role}@example.com"
    try:
        auth.find_user(kluis.engine, address)
    except NotFound:
        auth.create_user(kluis.engine, SYSTEM, address, role, now)
    _token_id, token = auth.create_token(kluis.engine, SYSTEM, address, now)
    return token


def anonymous_client(kluis: Kluis, now: datetime = NOW) -> TestClient:
    """A client of the app for ``kluis`` that sends no token; the app's clock reads ``now``."""
    app = create_app(kluis)
    app.dependency_overrides[get_now] = lambda: now
    return TestClient(app)


def client_for(
    kluis: Kluis, role: str, email: str | None = None, now: datetime = NOW
) -> TestClient:
    """A client that sends the bearer token of a user with ``role``."""
    client = anonymous_client(kluis, now)
    client.headers["Authorization"] = f"Bearer {token_for(kluis, role, email, now)}"
    return client


def assert_problem(
    response: Response,
    status: int,
    type_uri: str | None = None,
    field: str | None = None,
) -> dict[str, Any]:
    """Check ``response`` is an RFC 9457 problem with ``status`` (and type and field, if given);
    returns the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].split(";")[0] == PROBLEM
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail"} <= set(body), body
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"].strip()
    assert isinstance(body["detail"], str)
    assert body["detail"].strip()
    if type_uri is not None:
        assert body["type"] == type_uri, body
    if field is not None:
        assert body.get("field") == field, body
    return body
