"""Signed tokens for the links sent to people (unsubscribe, preferences, confirmations of a
sign-up or a privacy request).

A token names the person by opaque id and the channel and topic it is about, and nothing else:
no personal data travels in a link. It is signed (itsdangerous, HMAC-SHA256 under a key derived
from the master key) and time-stamped; each use gets its own salt so that an unsubscribe token
can never serve as a confirmation token.

A token is stamped with the wall clock unless a ``now`` is passed, in which case it is stamped,
and its age judged, by that time (DESIGN.md invariant 7); a link signed with ``now`` must be
verified with ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from kluis.errors import KluisError

USES = ("unsubscribe", "preferences", "confirm", "reconfirm", "privacy")


class TokenInvalid(KluisError):
    """A link that is expired, altered or meant for something else; the page says which."""

    slug = "token-invalid"
    title = "Link not valid"
    status = 400

    def __init__(self, detail: str, *, reason: str) -> None:
        super().__init__(detail, field="token")
        self.reason = reason


@dataclass(frozen=True)
class LinkToken:
    use: str
    person_id: str
    channel: str | None = None
    topic: str | None = None
    ref: str | None = None
    """Something else the link is about (a sign-up id, a campaign id), never personal data."""


class _ClockSigner(TimestampSigner):
    """A signer whose clock reads the time it is given instead of the wall clock."""

    def __init__(self, *args: Any, at: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._at = at

    def get_timestamp(self) -> int:
        return self._at


@lru_cache(maxsize=32)
def _wall_serializer(key: bytes, use: str) -> URLSafeTimedSerializer:
    """One serializer per key and use: a campaign signs two links for every recipient."""
    return URLSafeTimedSerializer(key, salt=f"kluis.{use}")


def _serializer(key: bytes, use: str, now: datetime | None = None) -> URLSafeTimedSerializer:
    if use not in USES:
        raise ValueError(f"unknown token use {use!r}")
    if now is None:
        return _wall_serializer(key, use)
    return URLSafeTimedSerializer(
        key, salt=f"kluis.{use}", signer=_ClockSigner, signer_kwargs={"at": int(now.timestamp())}
    )


def sign(key: bytes, token: LinkToken, now: datetime | None = None) -> str:
    payload: dict[str, Any] = {"p": token.person_id}
    for short, value in (("c", token.channel), ("t", token.topic), ("r", token.ref)):
        if value is not None:
            payload[short] = value
    return str(_serializer(key, token.use, now).dumps(payload))


def verify(
    key: bytes, use: str, text: str, max_age_seconds: int, now: datetime | None = None
) -> LinkToken:
    try:
        payload = _serializer(key, use, now).loads(text, max_age=max_age_seconds)
    except SignatureExpired:
        raise TokenInvalid("this link has expired; ask for a new one", reason="expired") from None
    except BadSignature:
        raise TokenInvalid(
            "this link is not valid: it was changed or cut off; open it again from the e-mail",
            reason="tampered",
        ) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("p"), str):
        raise TokenInvalid("this link is not valid", reason="tampered")
    return LinkToken(use, payload["p"], payload.get("c"), payload.get("t"), payload.get("r"))
