"""A real SMTP server in the test process (aiosmtpd), collecting what it receives.

``replies`` lets a test make the server answer RCPT TO with a temporary (4yz) or permanent (5yz)
failure, to exercise retries and refusals against a real protocol peer.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Handler:
    received: list[EmailMessage] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    """Answers to give to the next RCPT TO commands, in order (e.g. "451 try later")."""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if self.replies:
            return self.replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        return "250 Message accepted"


@dataclass
class MailServer:
    host: str
    port: int
    handler: Handler

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def received(self) -> list[EmailMessage]:
        return self.handler.received


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def mail_server() -> Iterator[MailServer]:
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield MailServer("127.0.0.1", controller.port, handler)
    finally:
        controller.stop()
