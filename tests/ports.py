"""Loopback ports for servers a test starts in another process (``kluis serve``, PostgreSQL).

A port found free (bound to port 0, closed) and bound again later by the server can be taken in
between: by another xdist worker's server, or as the local end of any outgoing connection on the
machine (the kernel hands out the same ephemeral range). ``reserved`` keeps the port bound, not
listening, with ``SO_REUSEADDR`` until the server listens: the kernel then gives it to no other
``bind(0)`` nor ``connect``, while a server that sets ``SO_REUSEADDR`` too (uvicorn, asyncio,
PostgreSQL, on Linux) may still bind it (a bound socket blocks only a listening one).
"""

from __future__ import annotations

import socket
from types import TracebackType


class Reserved:
    """A free port on ``host``, held until ``release`` (or the ``with`` block's end): start the
    server and wait until it answers before releasing it."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._holder.bind((host, 0))
        self.port = int(self._holder.getsockname()[1])

    def release(self) -> None:
        self._holder.close()

    def __enter__(self) -> int:
        return self.port

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def reserved(host: str = "127.0.0.1") -> Reserved:
    return Reserved(host)
