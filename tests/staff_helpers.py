"""Plain helpers for tests of the staff web app through a TestClient: a staff user with a known
password, a signed-in client, the CSRF token of a page, the purpose switch."""

from __future__ import annotations

import re
from datetime import datetime

from argon2 import Type, extract_parameters
from fastapi.testclient import TestClient

from conftest import NOW
from kluis.actors import SYSTEM
from kluis.api import get_now
from kluis.app import create_app
from kluis.auth import service as auth
from kluis.errors import NotFound
from kluis.runtime import Kluis

PASSWORD = "correct horse battery staple"
NOTICE_EN = "Yes, you may call me about offers. I can say no at any time."


def assert_production_cost(stored: str) -> None:
    """At least argon2-cffi's RFC 9106 low-memory profile (the other tests hash cheaply)."""
    used = extract_parameters(stored)
    assert used.type is Type.ID
    assert used.time_cost >= 3
    assert used.memory_cost >= 64 * 1024
    assert used.parallelism >= 1


class Clock:
    """The app's clock: tests move it to walk through idle time and lock-outs."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def staff_client(kluis: Kluis, clock: Clock | None = None) -> TestClient:
    app = create_app(kluis)
    app.dependency_overrides[get_now] = clock or Clock()
    return TestClient(app, follow_redirects=False)


def make_user(kluis: Kluis, role: str, email: str | None = None) -> str:
    """A staff user with ``role`` and :data:`PASSWORD` (made on first use); returns the address."""
    address = email or f"{role}@example.com"
    try:
        auth.find_user(kluis.engine, address)
    except NotFound:
        auth.create_user(kluis.engine, SYSTEM, address, role, NOW, password=PASSWORD)
    return address


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(
    client: TestClient, email: str, password: str = PASSWORD, code: str | None = None
) -> str:
    """Sign in; returns the CSRF token of the session."""
    form = {"email": email, "password": password}
    if code is not None:
        form["code"] = code
    response = client.post("/app/sign-in", data=form)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/app/contacts").text)


def signed_in(
    kluis: Kluis, role: str, purpose: str | None = None, clock: Clock | None = None
) -> tuple[TestClient, str]:
    """A client signed in as a user with ``role``, working under ``purpose``; and its CSRF."""
    client = staff_client(kluis, clock)
    csrf = sign_in(client, make_user(kluis, role))
    if purpose is not None:
        choose(client, csrf, purpose)
    return client, csrf


def choose(client: TestClient, csrf: str, purpose: str) -> None:
    response = client.post("/app/purpose", data={"csrf": csrf, "purpose": purpose})
    assert response.status_code == 303, response.text
