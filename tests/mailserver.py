"""A real SMTP server in the test process (aiosmtpd), collecting what it receives.

``replies`` lets a test make the server answer RCPT TO with a temporary (4yz) or permanent (5yz)
failure, to exercise retries and refusals against a real protocol peer. ``hold`` makes it keep
one message's DATA unanswered until the test releases it: a sender held there is mid-campaign
for certain, however slow or fast the machine (a test that waited for "a few mails" and then
assumed the campaign was not finished yet failed on a loaded machine).

The server listens on a socket bound before it starts (port 0, the kernel's choice): a port
picked free, closed and bound again later can be taken in between by another test's process.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class Hold:
    """The DATA of the message after the first ``after`` accepted, kept unanswered until
    ``release``: then accepted (``accept``: it counts as received) or refused with a 451 (the
    client, killed meanwhile, is gone: a server that could not give its reply keeps nothing).
    Only one message is held; ``to``: counted and held are only messages to that domain (a
    campaign's, while other mails go through)."""

    def __init__(self, after: int, to: str = "") -> None:
        self.after = after
        self.to = to
        self.holding = threading.Event()
        self._released = threading.Event()
        self._accept = False

    def release(self, *, accept: bool) -> None:
        self._accept = accept
        self._released.set()

    def due(self, received: list[EmailMessage], envelope: Any) -> bool:
        domain = f"@{self.to}"
        if not all(domain in rcpt for rcpt in envelope.rcpt_tos):
            return False
        return sum(domain in str(m["To"]) for m in received) >= self.after

    async def wait(self) -> bool:
        self.holding.set()
        while not self._released.is_set():  # cancelled with the server if never released
            await asyncio.sleep(0.01)
        return self._accept


@dataclass
class Handler:
    received: list[EmailMessage] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    """Answers to give to the next RCPT TO commands, in order (e.g. "451 try later")."""
    hold: Hold | None = None

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
        hold = self.hold
        if hold is not None and hold.due(self.received, envelope):
            self.hold = None
            if not await hold.wait():
                return "451 4.4.2 connection lost"
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

    def hold(self, after: int, to: str = "") -> Hold:
        """Hold the DATA of the message after the first ``after`` received (see ``Hold``)."""
        self.handler.hold = Hold(after, to)
        return self.handler.hold


class _Listening(Controller):
    """aiosmtpd's controller serving a socket already listening, not a port bound at start."""

    def __init__(self, handler: Handler, listener: socket.socket) -> None:
        host, port = listener.getsockname()
        # the start-up wait bounds a hang: a busy machine may take seconds to start a thread
        super().__init__(handler, hostname=host, port=port, ready_timeout=60)
        self.listener = listener

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self.listener)


@contextmanager
def mail_server() -> Iterator[MailServer]:
    handler = Handler()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    controller = _Listening(handler, listener)
    controller.start()
    try:
        yield MailServer("127.0.0.1", controller.port, handler)
    finally:
        controller.stop()
        listener.close()
