"""SMTP transport: one connection reused for many messages, timeouts, and retries with back-off
on temporary failures (RFC 5321 4yz replies); permanent failures (5yz) are reported per
recipient and never retried.

``KLUIS_SMTP_URL`` names the server: ``smtp://host:25`` (plain, or STARTTLS when the URL says
``?starttls=true``), ``smtp+starttls://host:587``, ``smtps://host:465`` (implicit TLS); user and
password go in the URL (``smtps://user:password@host``).
"""

from __future__ import annotations

import re
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlsplit

from kluis.errors import InvalidField, KluisError
from kluis.messaging.outgoing import Outgoing


class SendFailed(KluisError):
    slug = "send-failed"
    title = "Message not sent"
    status = 502

    def __init__(self, detail: str, *, permanent: bool, code: int | None = None) -> None:
        super().__init__(detail)
        self.permanent = permanent
        self.code = code


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0


def parse_smtp_url(url: str) -> SmtpConfig:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
    if scheme == "smtps":
        security, default_port = "tls", 465
    elif scheme == "smtp+starttls" or (scheme == "smtp" and starttls):
        security, default_port = "starttls", 587
    elif scheme == "smtp":
        security, default_port = "plain", 25
    else:
        raise InvalidField(
            f"KLUIS_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://, not {scheme}://",
            field="smtp_url",
        )
    if not parts.hostname:
        raise InvalidField("KLUIS_SMTP_URL names no host", field="smtp_url")
    timeout = float(query.get("timeout", ["30"])[0])
    return SmtpConfig(
        host=parts.hostname,
        port=parts.port or default_port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=timeout,
    )


class SmtpTransport:
    """Sends messages over one reused connection; use as a context manager."""

    def __init__(
        self,
        config: SmtpConfig,
        *,
        retries: int = 3,
        backoff_seconds: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self._sleep = sleep
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        smtp: smtplib.SMTP
        if c.security == "tls":
            smtp = smtplib.SMTP_SSL(
                c.host, c.port, timeout=c.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
            if c.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if c.username:
            smtp.login(c.username, c.password or "")
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def send(self, message: EmailMessage | Outgoing) -> None:
        """Deliver ``message`` to the server; raises SendFailed (permanent or not). An
        ``Outgoing`` is sent as it was built (its envelope and bytes), an ``EmailMessage`` is
        flattened by the mail library."""
        attempt = 0
        while True:
            try:
                if self._smtp is None:
                    self._smtp = self._connect()
                if isinstance(message, Outgoing):
                    refused = self._smtp.sendmail(
                        message.sender, list(message.recipients), message.data
                    )
                else:
                    refused = self._smtp.send_message(message)
                if refused:
                    code, text = next(iter(refused.values()))
                    raise SendFailed(
                        f"the server refused the recipient: {_status(code, text)}",
                        permanent=code >= 500,
                        code=code,
                    )
                return
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = next(iter(exc.recipients.values()))
                if code >= 500 or attempt >= self.retries:
                    raise SendFailed(
                        f"the server refused the recipient: {_status(code, text)}",
                        permanent=code >= 500,
                        code=code,
                    ) from None
            except smtplib.SMTPResponseException as exc:
                if exc.smtp_code >= 500 or attempt >= self.retries:
                    raise SendFailed(
                        f"the server answered {_status(exc.smtp_code, exc.smtp_error)}",
                        permanent=exc.smtp_code >= 500,
                        code=exc.smtp_code,
                    ) from None
                self.close()
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                self._smtp = None
                if attempt >= self.retries:
                    raise SendFailed(
                        f"cannot reach the mail server {self.config.host}:{self.config.port}: "
                        f"{exc}",
                        permanent=False,
                    ) from None
            attempt += 1
            self._sleep(self.backoff_seconds * 2 ** (attempt - 1))


_ENHANCED = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})")


def _status(code: int, text: bytes | str) -> str:
    """The reply code and its enhanced status code (RFC 3463), never the server's free text:
    servers echo the recipient's address there, and this detail is stored and logged."""
    words = text.decode(errors="replace") if isinstance(text, bytes) else text
    enhanced = _ENHANCED.match(words)
    return f"{code} {enhanced.group(1)}" if enhanced else str(code)
