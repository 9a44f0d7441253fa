"""Behind a reverse proxy: the client's real address and scheme, and HSTS over HTTPS.

A proxy (Caddy, nginx) ends TLS and connects to Kluis over plain HTTP, so without help every
request would seem to come from the proxy, over ``http``. The proxy says who the client was in
``X-Forwarded-For`` / ``X-Forwarded-Proto`` or in the standard ``Forwarded`` header (RFC 7239);
anyone can send those headers, so they are believed only when the connection comes from an
address in ``KLUIS_TRUSTED_PROXIES``. The real address matters for the sign-in and public-form
limits and for the IP kept as consent evidence; the real scheme decides the session cookie's
``Secure`` flag and HSTS.

Which header (``KLUIS_PROXY_HEADER``): a proxy writes one of the two and usually passes the
other through from the client untouched, so reading a header the proxy does not write lets the
client choose its own address. ``x-forwarded`` (the default, what Caddy and most set-ups send)
reads only ``X-Forwarded-*``; ``forwarded`` reads only ``Forwarded``; ``both`` reads
``Forwarded`` when it is present and ``X-Forwarded-*`` otherwise, which is safe only when the
proxy strips or overwrites both (docs/operations.md).

The chain is read from the right: each proxy appends the hop it received, so the right-most
entries are the trusted proxies' own and the first untrusted one from the right is the client
(the entries to its left are whatever the client sent, believed by nobody). When every entry is
a trusted proxy, the left-most is taken. A ``Forwarded`` hop of ``for=unknown``, an obfuscated
identifier (``_hidden``, RFC 7239 section 6.3) or an entry that does not parse is a client
whose address is not known: the request has no client address (``request.client`` is None, so
the form limits count it with every other unknown one, the strict side). Its ``proto`` is the
scheme the client used, when given.

HSTS (RFC 6797): a response to a request that arrived over HTTPS carries
``Strict-Transport-Security``, so a browser that saw Kluis once never again talks to it in
clear; over plain HTTP it is not sent (section 7.2: a browser ignores it there).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kluis.settings import Settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
SCHEMES = ("http", "https")

TCHARS = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
QUOTED = r'"(?:[^"\\]|\\.)*"'
PAIR = re.compile(rf"\s*({TCHARS})\s*=\s*({TCHARS}|{QUOTED})\s*")
"""``forwarded-pair = token "=" value``, value a token or a quoted-string (RFC 7239 section 4,
RFC 7230 section 3.2.6); spaces around are tolerated, as proxies write them."""


def trusted(value: str) -> list[str]:
    """The addresses and networks of ``KLUIS_TRUSTED_PROXIES`` (checked by ``Settings``)."""
    return [item.strip() for item in value.split(",") if item.strip()]


class Trusted:
    """The trusted proxies: addresses and networks, or ``*`` (everyone)."""

    def __init__(self, items: list[str]) -> None:
        self.everyone = "*" in items
        self.networks: list[Network] = [
            ipaddress.ip_network(item, strict=False) for item in items if item != "*"
        ]

    def __contains__(self, host: str | None) -> bool:
        address = parse_address(host or "")
        if address is None:
            return False
        if self.everyone:
            return True
        return any(address.version == n.version and address in n for n in self.networks)


def parse_address(text: str) -> Address | None:
    """An IP address, IPv6 with or without brackets; None for anything else."""
    bare = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        return None


@dataclass(frozen=True)
class Hop:
    """One entry of a chain: the node it names (an address, or None when unknown, obfuscated
    or unreadable), its port, and the scheme it was received over (``Forwarded``'s proto)."""

    address: Address | None
    port: int = 0
    proto: str | None = None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def parse_node(text: str) -> tuple[Address | None, int]:
    """A ``node`` (RFC 7239 section 6): ``192.0.2.43``, ``192.0.2.43:47011``,
    ``[2001:db8::1]``, ``[2001:db8::1]:4711``; ``unknown``, an obfuscated ``_name`` or any other
    text give no address. A port that is not a number (``_port``, obfuscated) is 0."""
    text = text.strip()
    port_text = ""
    if text.startswith("["):
        end = text.find("]")
        if end == -1:
            return None, 0
        host, rest = text[1:end], text[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                return None, 0
            port_text = rest[1:]
        address = parse_address(host)
        if not isinstance(address, ipaddress.IPv6Address):
            return None, 0
    else:
        host, colon, port_text = text.partition(":")
        if colon and not port_text:
            return None, 0
        address = parse_address(host)
        if not isinstance(address, ipaddress.IPv4Address):
            # a bare IPv6 address must be bracketed in Forwarded (section 6)
            return None, 0
    port = int(port_text) if port_text.isdigit() and int(port_text) <= 65535 else 0
    return address, port


def _split(text: str, separator: str) -> list[str]:
    """Split at ``separator`` outside quoted strings (a quoted value may hold a comma or a
    semicolon, and a backslash escapes the next character inside one)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def parse_element(text: str) -> Hop:
    """One ``forwarded-element``: pairs separated by ``;``, parameter names without case,
    each at most once (section 4). One that does not parse names no address."""
    pairs: dict[str, str] = {}
    for part in _split(text, ";"):
        found = PAIR.fullmatch(part)
        if found is None:
            return Hop(None)
        name = found.group(1).lower()
        if name in pairs:
            return Hop(None)
        pairs[name] = _unquote(found.group(2))
    if "for" not in pairs:
        return Hop(None)
    address, port = parse_node(pairs["for"])
    proto = pairs.get("proto", "").lower()
    return Hop(address, port, proto if proto in SCHEMES else None)


def parse_forwarded(headers: list[str]) -> list[Hop]:
    """Every hop of the ``Forwarded`` headers, in order (several header lines are one list,
    RFC 7230 section 3.2.2); empty elements (``a, , b``) are skipped."""
    return [
        parse_element(part) for header in headers for part in _split(header, ",") if part.strip()
    ]


def parse_x_forwarded_for(headers: list[str]) -> list[Hop]:
    """The hops of ``X-Forwarded-For``: bare addresses (IPv6 without brackets, as proxies
    write it, or with them and a port)."""
    hops = []
    for header in headers:
        for part in header.split(","):
            text = part.strip()
            if not text:
                continue
            address = parse_address(text)
            port = 0
            if address is None:
                address, port = parse_node(text)
            hops.append(Hop(address, port))
    return hops


def client_hop(hops: list[Hop], proxies: Trusted) -> Hop | None:
    """The right-most hop that is not a trusted proxy; the left-most when all are; None for
    no hop."""
    for hop in reversed(hops):
        if hop.address is None or str(hop.address) not in proxies:
            return hop
    return hops[0] if hops else None


Choice = Literal["x-forwarded", "forwarded", "both"]


def resolve(
    headers: list[tuple[bytes, bytes]], proxies: Trusted, choice: Choice
) -> tuple[bool, tuple[str, int] | None, str | None]:
    """What a trusted proxy's headers say: whether they name a client (the client then is the
    pair or None, unknown), and the scheme (None: as connected)."""
    forwarded = [v.decode("latin-1") for n, v in headers if n == b"forwarded"]
    if choice != "x-forwarded" and forwarded:
        hop = client_hop(parse_forwarded(forwarded), proxies)
        if hop is None:
            return False, None, None
        client = None if hop.address is None else (str(hop.address), hop.port)
        return True, client, hop.proto
    if choice == "forwarded":
        return False, None, None
    values = [v.decode("latin-1") for n, v in headers if n == b"x-forwarded-for"]
    protos = [v.decode("latin-1") for n, v in headers if n == b"x-forwarded-proto"]
    proto = protos[-1].split(",")[-1].strip().lower() if protos else None
    hop = client_hop(parse_x_forwarded_for(values), proxies)
    scheme = proto if proto in SCHEMES else None
    if hop is None:
        return False, None, scheme
    client = None if hop.address is None else (str(hop.address), hop.port)
    return True, client, scheme


class ProxyHeaders:
    """Sets the ASGI scope's ``client`` and ``scheme`` from a trusted proxy's headers."""

    def __init__(self, app: ASGIApp, trusted_hosts: list[str], choice: Choice) -> None:
        self.app = app
        self.proxies = Trusted(trusted_hosts)
        self.choice = choice

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            peer = scope.get("client")
            if peer is not None and peer[0] in self.proxies:
                named, client, scheme = resolve(scope["headers"], self.proxies, self.choice)
                scope = dict(scope)
                if named:
                    scope["client"] = client
                if scheme is not None:
                    secure = scheme == "https"
                    if scope["type"] == "websocket":
                        scope["scheme"] = "wss" if secure else "ws"
                    else:
                        scope["scheme"] = scheme
        await self.app(scope, receive, send)


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
        app.add_middleware(ProxyHeaders, trusted_hosts=proxies, choice=settings.proxy_header)
