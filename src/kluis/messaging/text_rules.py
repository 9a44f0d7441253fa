"""Pure rules of text messages (SMS and WhatsApp): how long a text is on the wire, what an
opt-out reply looks like, the opt-out line of a commercial SMS, and the signatures providers put
on the webhooks they post.

Length: an SMS is coded in the GSM 7-bit default alphabet when every character is in it (3GPP
TS 23.038 6.2.1, with the extension table's characters taking two septets: an escape and the
character) and in UCS-2 otherwise (16 bits per UTF-16 code unit). One message holds 160 septets
or 70 code units; a longer text is split into parts that each carry a 6-byte concatenation
header (3GPP TS 23.040 9.2.3.24.1), leaving 153 septets or 67 units, and an escape pair or a
surrogate pair is never cut between two parts.

Signatures: Twilio signs with HMAC-SHA1 of the full URL it posted to followed by every form
parameter's name and value sorted by name, base64 (``X-Twilio-Signature``); Meta's Cloud API
with HMAC-SHA256 of the raw body, ``sha256=`` and hex (``X-Hub-Signature-256``). Both are
compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 7-bit default alphabet (3GPP TS 23.038 table 6.2.1.1): one septet each."""

GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
"""The default alphabet's extension table (6.2.1.1): an escape septet and the character."""

SINGLE = {"gsm7": 160, "ucs2": 70}
PART = {"gsm7": 153, "ucs2": 67}


@dataclass(frozen=True)
class Length:
    """A text as an SMS: its encoding, its size in septets (GSM-7) or code units (UCS-2), and
    how many messages it is sent as, with the room left in the last one."""

    encoding: str
    units: int
    segments: int
    remaining: int


def _units(text: str, encoding: str) -> list[int]:
    """Each character's size: septets for GSM-7, UTF-16 code units for UCS-2."""
    if encoding == "gsm7":
        return [2 if c in GSM7_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def encoding_of(text: str) -> str:
    return "gsm7" if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text) else "ucs2"


def measure(text: str) -> Length:
    """The encoding, size and number of parts of ``text`` sent as one SMS."""
    encoding = encoding_of(text)
    sizes = _units(text, encoding)
    total = sum(sizes)
    if total <= SINGLE[encoding]:
        return Length(encoding, total, 1 if total else 0, SINGLE[encoding] - total)
    room = PART[encoding]
    segments, used = 1, 0
    for size in sizes:
        if used + size > room:  # an escape or surrogate pair is never cut between parts
            segments, used = segments + 1, 0
        used += size
    return Length(encoding, total, segments, room - used)


OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "afmelden", "uitschrijven"})
"""Replies that withdraw: Dutch and English, any case, trimmed (Art. 7(3): as easy as giving)."""


def is_opt_out(body: str) -> bool:
    """Whether a reply asks to stop: the whole text, trimmed, is one of ``OPT_OUT_WORDS``."""
    return body.strip().strip(".!").strip().casefold() in OPT_OUT_WORDS


OPT_OUT_LINE = {"nl": "Afmelden: STOP aan {number}", "en": "Reply STOP to {number} to opt out"}
"""The line every commercial SMS ends with (Telecommunicatiewet 11.7(4), ePrivacy Art. 13(2)):
how to stop, free of cost, in the message itself."""

CONFIRMATION = {
    "nl": "U bent afgemeld en krijgt van {organisation} geen berichten meer via {channel}.",
    "en": "You are unsubscribed: {organisation} will send you no more messages by {channel}.",
}
"""The one reply to an opt-out, confirming it (sent once: a second STOP changes nothing)."""

CHANNEL_NAMES = {
    "nl": {"sms": "sms", "whatsapp": "WhatsApp"},
    "en": {"sms": "SMS", "whatsapp": "WhatsApp"},
}


def with_opt_out(text: str, language: str, number: str) -> str:
    """``text`` with the opt-out line, on a line of its own."""
    line = OPT_OUT_LINE.get(language, OPT_OUT_LINE["en"]).format(number=number)
    return f"{text.rstrip()}\n{line}"


def confirmation(language: str, organisation: str, channel: str) -> str:
    lang = language if language in CONFIRMATION else "en"
    return CONFIRMATION[lang].format(
        organisation=organisation, channel=CHANNEL_NAMES[lang].get(channel, channel)
    )


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Twilio's ``X-Twilio-Signature`` of a form POST to ``url``."""
    data = url + "".join(f"{name}{value}" for name, value in sorted(params, key=lambda p: p[0]))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def twilio_valid(
    auth_token: str, url: str, params: Iterable[tuple[str, str]], signature: str | None
) -> bool:
    if not signature:
        return False
    return hmac.compare_digest(twilio_signature(auth_token, url, params), signature)


def meta_signature(app_secret: str, body: bytes) -> str:
    """Meta's ``X-Hub-Signature-256`` of a webhook's raw body."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def meta_valid(app_secret: str, body: bytes, signature: str | None) -> bool:
    if not signature:
        return False
    return hmac.compare_digest(meta_signature(app_secret, body), signature)


DELIVERY_STATES = {
    "queued": "sent",
    "accepted": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
}
"""A provider's message status (Twilio's ``MessageStatus``) as Kluis records it on the message."""
