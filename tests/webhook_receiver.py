"""A small reference receiver of Kluis's notices: a real local HTTP server that verifies the
Standard Webhooks signature (written from the specification, not from Kluis's code), refuses a
timestamp more than five minutes from its clock, and ignores a replayed ``webhook-id``.

Each receiver answers from a script: an int is a status to answer with (500: down), ``"done"``
answers 200 with ``{"status": "done"}``, ``"accepted"`` answers 202 and keeps the confirmation
URL for the test to call back later."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema_rs

TOLERANCE = 300
SCHEMA = Path(__file__).parents[1] / "docs" / "connected-notice.schema.json"


def check_schema(*bodies: dict[str, Any]) -> None:
    """Every payload is valid under the published JSON Schema (docs/connected-systems.md)."""
    validator = jsonschema_rs.validator_for(json.loads(SCHEMA.read_text()))
    for body in bodies:
        validator.validate(body)


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Standard Webhooks: HMAC-SHA256 under base64-decoded ``whsec_`` secret of
    ``id.timestamp.body``; any one of the space-separated ``v1,`` signatures may match."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for candidate in headers["webhook-signature"].split(" "):
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


class Receiver:
    def __init__(self, script: list[int | str]) -> None:
        self.secrets: list[str] = []
        self.script = list(script)
        self.now: datetime | None = None
        self.seen: set[str] = set()
        self.acted: list[dict[str, Any]] = []
        self.replays = 0
        self.refused = 0
        self.calls = 0
        self.confirm_urls: list[str] = []
        self.url = ""
        self.raw: list[tuple[dict[str, str], bytes]] = []

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        self.calls += 1
        self.raw.append((headers, body))
        if not any(verify(s, headers, body) for s in self.secrets):
            self.refused += 1
            return 401, b'{"status": "bad signature"}'
        assert self.now is not None
        if abs(int(headers["webhook-timestamp"]) - int(self.now.timestamp())) > TOLERANCE:
            self.refused += 1
            return 400, b'{"status": "stale"}'
        message_id = headers["webhook-id"]
        if message_id in self.seen:
            self.replays += 1
            return 200, b'{"status": "duplicate"}'
        step = self.script.pop(0) if self.script else "done"
        if isinstance(step, int):
            return step, b""
        self.seen.add(message_id)
        payload = json.loads(body)
        self.acted.append(payload)
        if step == "accepted":
            self.confirm_urls.append(payload["data"]["confirm_url"])
            return 202, b'{"status": "accepted"}'
        return 200, b'{"status": "done"}'


@contextmanager
def serving(receiver: Receiver) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, answer = receiver.handle(headers, body)
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/kluis"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
