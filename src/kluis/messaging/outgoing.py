"""A campaign's e-mails built as bytes from a skeleton prepared once per campaign and language.

``service.compose`` builds each message through ``email.message.EmailMessage``: every header is
parsed by ``email.headerregistry`` and the whole tree flattened again, which for a campaign of
thousands costs more than rendering and sending together. A campaign's messages differ only in
a few values (To, Subject, Date, Message-ID, the signed unsubscribe link, the two bodies), so
the fixed headers are encoded once (``Skeleton``) and each message is those bytes with its own
values put in: a multipart/alternative (RFC 2046 5.1.4) of text and HTML, CRLF line ends
(RFC 5322 2.1), bodies in 7bit when they are ASCII in short lines and quoted-printable otherwise
(RFC 2045 6.7), header values folded or RFC 2047 encoded by the mail library when they are not
plain ASCII that fits a line.

A recipient whose address is not ASCII needs SMTPUTF8 (RFC 6531); ``build`` returns None for them
and the caller composes that message with the mail library, which knows how.
"""

from __future__ import annotations

import binascii
import secrets
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

from kluis.messaging.render import Rendered

LINE = 78
"""Characters a header or 7bit body line keeps to (RFC 5322 2.1.1 "SHOULD")."""

_SMTP = policy.SMTP


@dataclass(frozen=True)
class Outgoing:
    """One message ready for the wire: the envelope (RFC 5321 MAIL FROM, RCPT TO) and the
    bytes of the message; ``message_id`` is its Message-ID header."""

    sender: str
    recipients: tuple[str, ...]
    data: bytes
    message_id: str


def _plain(value: str, room: int) -> bool:
    return value.isascii() and value.isprintable() and len(value) <= room


def header(name: str, value: str) -> bytes:
    """``Name: value`` and CRLF, through the mail library unless the value is plain ASCII that
    fits one line (a non-ASCII subject becomes an RFC 2047 encoded word)."""
    if _plain(value, LINE - len(name) - 2):
        return f"{name}: {value}\r\n".encode("ascii")
    return str(_SMTP.header_factory(name, value).fold(policy=_SMTP)).encode("ascii")


def _body(text: str) -> tuple[str, bytes]:
    """The transfer encoding and the encoded body (RFC 2045 6): 7bit for ASCII in lines of at
    most ``LINE`` characters, quoted-printable otherwise (soft line breaks at 76)."""
    lines = text.splitlines()
    if text.isascii() and all(len(line) <= LINE for line in lines):
        return "7bit", ("\r\n".join(lines) + "\r\n").encode("ascii")
    encoded = binascii.b2a_qp("\n".join(lines).encode("utf-8") + b"\n", istext=True)
    return "quoted-printable", encoded.replace(b"\n", b"\r\n")


@dataclass(frozen=True)
class Skeleton:
    """What every message of a campaign in one language shares, encoded once."""

    sender: str
    fixed: bytes
    """From, List-Unsubscribe-Post, List-Id, MIME-Version (after the per-message headers)."""
    language: bytes
    """The Content-Language header, which follows Content-Type."""


def skeleton(from_header: str, sender: str, list_id: str, language: str) -> Skeleton:
    fixed = b"".join(
        [
            header("From", from_header),
            header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            header("List-Id", list_id),
            b"MIME-Version: 1.0\r\n",
        ]
    )
    return Skeleton(sender, fixed, header("Content-Language", language))


def _unsubscribe(links: list[str]) -> bytes:
    """List-Unsubscribe (RFC 2369 3.2), folded between its links when it is long: a signed
    link is longer than a line, and RFC 2369 allows whitespace between the angle brackets."""
    value = ", ".join(f"<{link}>" for link in links)
    if not all(_plain(link, 990) for link in links):
        return header("List-Unsubscribe", value)
    folded = ",\r\n ".join(f"<{link}>" for link in links)
    return f"List-Unsubscribe: {folded}\r\n".encode("ascii")


def build(
    skeleton: Skeleton,
    to: str,
    rendered: Rendered,
    date: str,
    message_id: str,
    unsubscribe: list[str],
) -> Outgoing | None:
    """The message to ``to``; None when ``to`` is not plain ASCII (see the module's doc)."""
    if not _plain(to, LINE - 4):
        return None
    text_cte, text = _body(rendered.text)
    html_cte, page = _body(rendered.html)
    boundary = f"=_{secrets.token_hex(16)}"
    mark = boundary.encode("ascii")
    while mark in text or mark in page:  # pragma: no cover - 128 random bits
        boundary = f"=_{secrets.token_hex(16)}"
        mark = boundary.encode("ascii")
    data = b"".join(
        [
            f"To: {to}\r\n".encode("ascii"),
            header("Subject", rendered.subject),
            f"Date: {date}\r\nMessage-ID: {message_id}\r\n".encode("ascii"),
            _unsubscribe(unsubscribe),
            skeleton.fixed,
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n'.encode("ascii"),
            skeleton.language,
            b"\r\n--",
            mark,
            f'\r\nContent-Type: text/plain; charset="utf-8"\r\n'
            f"Content-Transfer-Encoding: {text_cte}\r\n\r\n".encode("ascii"),
            text,
            b"\r\n--",
            mark,
            f'\r\nContent-Type: text/html; charset="utf-8"\r\n'
            f"Content-Transfer-Encoding: {html_cte}\r\n\r\n".encode("ascii"),
            page,
            b"\r\n--",
            mark,
            b"--\r\n",
        ]
    )
    return Outgoing(skeleton.sender, (to,), data, message_id)


def email_message(
    from_header: str,
    to: str,
    rendered: Rendered,
    date: str,
    message_id: str,
    extra: dict[str, str],
    language: str,
) -> EmailMessage:
    """The same message through the mail library, which folds, encodes and flattens it
    itself: for a transactional message (attachments may follow) and for an address
    ``build`` leaves to it."""
    message = EmailMessage()
    message["From"] = from_header
    message["To"] = to
    message["Subject"] = rendered.subject
    message["Date"] = date
    message["Message-ID"] = message_id
    for name, value in extra.items():
        message[name] = value
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    # After the body: set_content clears every Content-* header set before it.
    message["Content-Language"] = language
    return message
