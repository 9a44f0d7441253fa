"""Behind a reverse proxy (``kluis.proxy``): the client's address and scheme come from
``X-Forwarded-For`` and ``X-Forwarded-Proto`` only when a trusted proxy sends them; HSTS (RFC
6797) goes out on HTTPS only; the session cookie is ``Secure`` when the real scheme is HTTPS."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from kluis.api import get_now
from kluis.app import create_app
from kluis.proxy import install
from kluis.runtime import Kluis
from kluis.settings import Settings
from staff_helpers import PASSWORD, Clock, make_user

PROXY = ("10.0.0.5", 40000)
STRANGER = ("192.0.2.7", 40000)
FORWARDED = {"X-Forwarded-For": "198.51.100.23", "X-Forwarded-Proto": "https"}
HSTS = "strict-transport-security"


def _app(settings: Settings) -> FastAPI:
    app = FastAPI()

    @app.get("/whoami")
    def whoami(request: Request) -> dict[str, str | None]:
        return {
            "client": request.client.host if request.client else None,
            "scheme": request.url.scheme,
        }

    install(app, settings)
    return app


def _settings(**values: object) -> Settings:
    return Settings().model_copy(update=values)


def test_a_trusted_proxy_gives_the_client_and_the_scheme() -> None:
    client = TestClient(_app(_settings(trusted_proxies="10.0.0.0/8")), client=PROXY)
    response = client.get("/whoami", headers=FORWARDED)
    assert response.json() == {"client": "198.51.100.23", "scheme": "https"}
    assert response.headers[HSTS] == "max-age=31536000"


def test_a_spoofed_header_from_an_untrusted_client_is_ignored() -> None:
    client = TestClient(_app(_settings(trusted_proxies="10.0.0.0/8")), client=STRANGER)
    response = client.get("/whoami", headers=FORWARDED)
    assert response.json() == {"client": "192.0.2.7", "scheme": "http"}
    assert HSTS not in response.headers


def test_no_proxy_is_trusted_by_default() -> None:
    client = TestClient(_app(_settings()), client=("127.0.0.1", 40000))
    response = client.get("/whoami", headers=FORWARDED)
    assert response.json() == {"client": "127.0.0.1", "scheme": "http"}


def test_hsts_follows_the_setting_on_https() -> None:
    direct = TestClient(_app(_settings(hsts_seconds=600)), base_url="https://crm.example.com")
    assert direct.get("/whoami").headers[HSTS] == "max-age=600"
    off = TestClient(_app(_settings(hsts_seconds=0)), base_url="https://crm.example.com")
    assert HSTS not in off.get("/whoami").headers


def _sign_in(kluis: Kluis, client_address: tuple[str, int], headers: dict[str, str]) -> str:
    proxied = dataclasses.replace(
        kluis, settings=kluis.settings.model_copy(update={"trusted_proxies": "10.0.0.5"})
    )
    app = create_app(proxied)
    app.dependency_overrides[get_now] = Clock()
    client = TestClient(app, follow_redirects=False, client=client_address)
    email = make_user(kluis, "sales")
    response = client.post(
        "/app/sign-in", data={"email": email, "password": PASSWORD}, headers=headers
    )
    assert response.status_code == 303, response.text
    return response.headers["set-cookie"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_session_cookie_is_secure_when_the_real_scheme_is_https(kluis: Kluis) -> None:
    assert kluis.settings.base_url.startswith("http://")
    cookie = _sign_in(kluis, PROXY, FORWARDED)
    assert "secure" in cookie.lower().split("; ")
    spoofed = _sign_in(kluis, STRANGER, FORWARDED)
    assert "secure" not in spoofed.lower().split("; ")
