"""Behind a reverse proxy: the client's real address and scheme, and HSTS over HTTPS.

A proxy (Caddy, nginx) ends TLS and connects to Kluis over plain HTTP, so without help every
request would seem to come from the proxy, over ``http``. The proxy says who the client was in
``X-Forwarded-For`` and ``X-Forwarded-Proto``; anyone can send those headers, so they are
believed only from the addresses in ``KLUIS_TRUSTED_PROXIES`` (uvicorn's
``ProxyHeadersMiddleware``, which takes the right-most untrusted address of the chain). The real
address matters for the sign-in and public-form limits and for the IP kept as consent evidence;
the real scheme decides the session cookie's ``Secure`` flag and HSTS.

HSTS (RFC 6797): a response to a request that arrived over HTTPS carries
``Strict-Transport-Security``, so a browser that saw Kluis once never again talks to it in
clear; over plain HTTP it is not sent (section 7.2: a browser ignores it there).
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from kluis.settings import Settings


def trusted(value: str) -> list[str]:
    """The addresses and networks of ``KLUIS_TRUSTED_PROXIES`` (checked by ``Settings``)."""
    return [item.strip() for item in value.split(",") if item.strip()]


class StrictTransport:
    """Adds ``Strict-Transport-Security: max-age=N`` to responses of requests whose (real)
    scheme is ``https``."""

    def __init__(self, app: ASGIApp, seconds: int) -> None:
        self.app = app
        self.header = (b"strict-transport-security", f"max-age={seconds}".encode("ascii"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("scheme") != "https":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), self.header]}
            await send(message)

        await self.app(scope, receive, sending)


def install(app: FastAPI, settings: Settings) -> None:
    """HSTS and, when proxies are trusted, their headers, read before anything else runs (the
    middleware added last is the outermost)."""
    if settings.hsts_seconds:
        app.add_middleware(StrictTransport, seconds=settings.hsts_seconds)
    proxies = trusted(settings.trusted_proxies)
    if proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
