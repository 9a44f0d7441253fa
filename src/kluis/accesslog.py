"""The server's access log without personal data or credentials.

An access log is kept for weeks and read by people who may not see the CRM's contents. A query
string may hold a search for a person's address, phone number or name, and the links sent to
people (unsubscribe, preferences, confirmations) carry a signed token in their path that works
as a credential for up to 90 days. Neither may land in the log (GDPR Art. 5(1)(f), Art. 32;
OWASP Logging Cheat Sheet: "session identifiers, access tokens" and "sensitive personal data"
are never logged).

`redact_target` is the pure rule; `RedactAccess` applies it to uvicorn's access records, and
``kluis.ops.logs.log_config`` installs it on the access handler of every format, so ``kluis
serve`` never writes a request target unredacted.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

TOKEN_ROUTES = frozenset({"unsubscribe", "preferences", "confirm", "reconfirm"})
"""A path segment after one of these is a signed link token (``/privacy/confirm/{token}`` too)."""

_PLAIN = re.compile(r"[A-Za-z0-9_.~-]{1,40}")
"""What a segment may look like to be kept: ids (UUIDs are 36 characters), slugs, file names.
Longer segments look like tokens; ``%`` (an encoded space or ``@``), ``@`` and ``+`` suggest an
address or a name typed into a path."""


def redact_target(target: str) -> str:
    """The request target (path and query) with the query string and every segment that is, or
    may be, a token or a person's value replaced by ``[redacted]``.

    The query is dropped whole rather than parameter by parameter: which parameter holds
    personal data depends on the endpoint, and a new endpoint must not leak by default.
    """
    path, question, _query = target.partition("?")
    segments = path.split("/")
    kept: list[str] = []
    after_token_route = False
    for segment in segments:
        if segment and (after_token_route or not _PLAIN.fullmatch(segment)):
            kept.append(REDACTED)
        else:
            kept.append(segment)
        after_token_route = segment in TOKEN_ROUTES
    return "/".join(kept) + (f"?{REDACTED}" if question else "")


class RedactAccess(logging.Filter):
    """Rewrites the request target of uvicorn's access records (``'%s - "%s %s HTTP/%s" %d'``:
    client, method, target, version, status) before any formatter or handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_target(args[2]), *args[3:])
        elif args:
            # A record of another shape: keep its level and time, never its arguments.
            record.msg, record.args = "access record of an unknown shape (redacted)", None
        return True
