"""A real local HTTP server speaking the shape of Twilio's Messages API, as tests/mailserver.py
speaks SMTP: Kluis's requests arrive over a socket and are kept for the test to check, and the
test can have the "provider" post signed status callbacks and incoming replies back to Kluis.

``POST /2010-04-01/Accounts/{sid}/Messages.json`` with HTTP basic authentication (the account
SID and auth token) answers 201 and ``{"sid": "SM...", "status": "queued"}``; a number in
``refuse`` answers 400 with Twilio's error body (code 21211, invalid 'To' number), a wrong
password 401 (code 20003), and ``busy`` answers 429 that many times first.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote

from kluis.messaging import text_rules

ACCOUNT = "AC0123456789abcdef0123456789abcdef"
TOKEN = "test-auth-token-0123456789"


@dataclass
class Request:
    path: str
    account: str
    form: dict[str, str]


@dataclass
class ProviderServer:
    account: str = ACCOUNT
    token: str = TOKEN
    refuse: set[str] = field(default_factory=set)
    busy: int = 0
    keep: bool = True
    received: list[Request] = field(default_factory=list)
    count: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    def url(self, channel: str = "sms", sender: str = "+3197010000001") -> str:
        """The ``KLUIS_SMS_URL`` / ``KLUIS_WHATSAPP_URL`` naming this server."""
        return (
            f"twilio://{self.account}:{self.token}@127.0.0.1:{self.port}/"
            f"?from={quote(sender)}&tls=false"
        )

    def __enter__(self) -> ProviderServer:
        provider = self
        ids = itertools.count(1)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                auth = self.headers.get("Authorization", "")
                user, _, password = (
                    base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
                    if auth.startswith("Basic ")
                    else ("", "", "")
                )
                wanted = f"/2010-04-01/Accounts/{provider.account}/Messages.json"
                if self.path != wanted:
                    self._answer(404, {"code": 20404, "message": "not found", "status": 404})
                    return
                if user != provider.account or password != provider.token:
                    self._answer(401, {"code": 20003, "message": "auth", "status": 401})
                    return
                with provider._lock:
                    if provider.busy > 0:
                        provider.busy -= 1
                        self._answer(429, {"code": 20429, "message": "busy", "status": 429})
                        return
                    provider.count += 1
                    if provider.keep:
                        provider.received.append(Request(self.path, user, form))
                to = form.get("To", "").removeprefix("whatsapp:")
                if to in provider.refuse:
                    self._answer(
                        400,
                        {
                            "code": 21211,
                            "message": f"The 'To' number {to} is not valid.",
                            "status": 400,
                        },
                    )
                    return
                self._answer(201, {"sid": f"SM{next(ids):032x}", "status": "queued"})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def signed(self, url: str, params: dict[str, str]) -> dict[str, str]:
        """The headers Twilio sends with a webhook to ``url``: its signature of the params."""
        return {"X-Twilio-Signature": text_rules.twilio_signature(self.token, url, params.items())}

    def callback(
        self,
        post: Callable[..., Any],
        url: str,
        params: dict[str, str],
        *,
        signature: str | None = None,
    ) -> Any:
        """Post a webhook to Kluis as the provider does (``post`` is a test client's post)."""
        headers = (
            self.signed(url, params) if signature is None else {"X-Twilio-Signature": signature}
        )
        return post(url, data=params, headers=headers)
