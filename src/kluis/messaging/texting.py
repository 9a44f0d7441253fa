"""Text transports: SMS and WhatsApp through a provider's HTTP API, behind the same small
interface as the SMTP transport (a context manager with ``send``, raising ``SendFailed``).

``KLUIS_SMS_URL`` and ``KLUIS_WHATSAPP_URL`` name the provider, account and credentials:
``twilio://ACCOUNT_SID:AUTH_TOKEN@/?from=%2B3197010000000``. The host is Twilio's API
(``api.twilio.com``) unless the URL names another (a regional edge, or a test server with
``?tls=false``); ``from`` is the sender (a number in E.164, an alphanumeric sender id, or a
messaging service ``MG...``). The auth token is a password in the URL, so ``kluis config show``
masks it and it can come from ``KLUIS_SMS_URL_FILE``.

Twilio's documented REST API (``POST /2010-04-01/Accounts/{sid}/Messages.json``, form encoded,
HTTP basic authentication) is spoken over httpx rather than through the ``twilio`` package:
that package pulls in aiohttp, requests and PyJWT for one form POST, while httpx is what the
rest of Kluis's HTTP tooling already uses, keeps one connection alive across a campaign and
takes an explicit timeout. A WhatsApp commercial message goes only as a pre-approved template
(Twilio ``ContentSid`` and ``ContentVariables``; WhatsApp Business Policy).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from kluis.errors import InvalidField, KluisError
from kluis.messaging.transport import SendFailed

PROVIDERS = ("twilio",)
TWILIO_API = "api.twilio.com"


class ChannelNotConfigured(KluisError):
    slug = "channel-not-configured"
    title = "Channel not configured"
    status = 503


@dataclass(frozen=True)
class TextMessage:
    """A text (SMS, or a WhatsApp message inside a conversation the person opened)."""

    to: str
    body: str
    status_callback: str | None = None


@dataclass(frozen=True)
class TemplateMessage:
    """A pre-approved WhatsApp template: its name, language, the provider's id of that
    language's version (Twilio's content SID ``HX...``) and the values of its placeholders."""

    to: str
    name: str
    language: str
    content_id: str
    params: tuple[str, ...]
    status_callback: str | None = None


@dataclass(frozen=True)
class ProviderConfig:
    provider: str
    channel: str
    account: str
    token: str
    sender: str
    api: str
    timeout: float = 30.0

    @property
    def messages_url(self) -> str:
        return f"{self.api}/2010-04-01/Accounts/{self.account}/Messages.json"


def parse_provider_url(url: str, channel: str) -> ProviderConfig:
    """The provider ``url`` names for ``channel`` (``sms`` or ``whatsapp``)."""
    name = f"KLUIS_{channel.upper()}_URL"
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in PROVIDERS:
        raise InvalidField(
            f"{name} must start with {', '.join(p + '://' for p in PROVIDERS)}, not {scheme}://",
            field=f"{channel}_url",
        )
    if not parts.username or not parts.password:
        raise InvalidField(
            f"{name} names no account and auth token (twilio://ACCOUNT_SID:AUTH_TOKEN@/...)",
            field=f"{channel}_url",
        )
    query = parse_qs(parts.query)
    sender = query.get("from", [""])[0].strip()
    if not sender:
        raise InvalidField(f"{name} names no sender (?from=...)", field=f"{channel}_url")
    tls = query.get("tls", ["true"])[0].lower() not in ("0", "false", "no")
    host = parts.netloc.rpartition("@")[2] or TWILIO_API
    return ProviderConfig(
        provider=scheme,
        channel=channel,
        account=unquote(parts.username),
        token=unquote(parts.password),
        sender=sender,
        api=f"{'https' if tls else 'http'}://{host}",
        timeout=float(query.get("timeout", ["30"])[0]),
    )


class TextTransport(Protocol):
    def __enter__(self) -> TextTransport: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def send(self, message: TextMessage | TemplateMessage) -> str: ...


TextTransportFactory = Callable[[], TextTransport]


NO_DELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
"""httpcore writes a request's headers and body separately; without TCP_NODELAY the body waits
for the headers' acknowledgement (Nagle, RFC 896), which a server delays (RFC 1122 4.2.3.2)."""


def make_client(config: ProviderConfig) -> httpx.Client:
    """The HTTP client of a provider: its basic authentication, timeout, no Nagle delay."""
    return httpx.Client(
        auth=(config.account, config.token),
        timeout=config.timeout,
        transport=httpx.HTTPTransport(socket_options=NO_DELAY),
    )


class TwilioTransport:
    """Twilio's Messages API over one kept-alive httpx client; ``send`` returns the message's
    SID (what status callbacks name). A 429 or 5xx answer or a broken connection is retried
    with back-off; any other refusal is permanent and reported with Twilio's error code only
    (its message can quote the number, and the error is stored and logged)."""

    def __init__(
        self,
        config: ProviderConfig,
        *,
        retries: int = 3,
        backoff_seconds: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        client: httpx.Client | None = None,
    ) -> None:
        self.config = config
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self._sleep = sleep
        self._client = client or make_client(config)

    def __enter__(self) -> TwilioTransport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._client.close()

    def form(self, message: TextMessage | TemplateMessage) -> dict[str, str]:
        """The form Twilio's API takes for ``message``."""
        whatsapp = self.config.channel == "whatsapp"
        prefix = "whatsapp:" if whatsapp else ""
        sender = self.config.sender
        data = {"To": prefix + message.to}
        if sender.startswith("MG"):
            data["MessagingServiceSid"] = sender
        else:
            data["From"] = prefix + sender
        if isinstance(message, TemplateMessage):
            data["ContentSid"] = message.content_id
            data["ContentVariables"] = json.dumps(
                {str(i): value for i, value in enumerate(message.params, start=1)},
                ensure_ascii=False,
            )
        else:
            data["Body"] = message.body
        if message.status_callback:
            data["StatusCallback"] = message.status_callback
        return data

    def send(self, message: TextMessage | TemplateMessage) -> str:
        data = self.form(message)
        attempt = 0
        while True:
            try:
                answer = self._client.post(self.config.messages_url, data=data)
            except httpx.HTTPError as exc:
                if attempt >= self.retries:
                    raise SendFailed(
                        f"cannot reach the {self.config.channel} provider: {type(exc).__name__}",
                        permanent=False,
                    ) from None
            else:
                if answer.status_code in (200, 201):
                    return str(answer.json().get("sid") or "")
                code = _code(answer)
                retry = answer.status_code == 429 or answer.status_code >= 500
                if not retry or attempt >= self.retries:
                    raise SendFailed(
                        f"the {self.config.channel} provider answered {answer.status_code}"
                        + (f", error {code}" if code else ""),
                        permanent=not retry,
                        code=code,
                    )
            attempt += 1
            self._sleep(self.backoff_seconds * 2 ** (attempt - 1))


def _code(answer: httpx.Response) -> int | None:
    """Twilio's numeric error code of a refusal (``{"code": 21211, ...}``), nothing else."""
    try:
        code = answer.json().get("code")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, int) else None


def transport_for(url: str | None, channel: str) -> TwilioTransport:
    """The transport of ``channel`` configured by ``url``; refused when there is none, as
    e-mail is without ``KLUIS_SMTP_URL``."""
    if not url:
        raise ChannelNotConfigured(
            f"no {channel} provider is configured; set KLUIS_{channel.upper()}_URL "
            "(e.g. twilio://ACCOUNT_SID:AUTH_TOKEN@/?from=%2B3197010000000, docs/channels.md)"
        )
    return TwilioTransport(parse_provider_url(url, channel))
