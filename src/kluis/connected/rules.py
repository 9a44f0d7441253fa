"""Pure decisions of connected systems: which audit events call for a notice (Art. 19), when a
failed webhook is tried again, how a notice is signed (Standard Webhooks), what it says, and
whether an answer means done. No I/O; ``now`` is passed in.

Signatures follow the Standard Webhooks specification (standardwebhooks.com, "Verifying
webhooks"): ``webhook-signature`` is ``v1,`` and the base64 HMAC-SHA256, under the secret's
bytes (the base64 after ``whsec_``), of ``{webhook-id}.{webhook-timestamp}.{body}``; several
signatures are separated by spaces, which is how a rotation is carried out without a gap. This is
the documented algorithm, written here (a dozen lines) rather than the ``standardwebhooks``
package, which would bring an HTTP client and three other packages for it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

KINDS = ("processor", "recipient")
REACHES = ("webhook", "email", "manual")
NOTICE_KINDS = (
    "erasure",
    "rectification",
    "restriction",
    "restriction_lifted",
    "objection",
    "objection_lifted",
    "consent_withdrawn",
)
OPEN_STATES = ("pending", "sent")
"""States of a notice that still waits for the system."""
SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix Standard Webhooks gives secrets)
SECRET_BYTES = 24
ROTATION_OVERLAP = timedelta(hours=24)
"""How long the old secret still signs after a rotation, so a receiver can switch over."""
DONE = ("done", "confirmed", "completed", "erased")


@dataclass(frozen=True)
class Trigger:
    """One notice to make, for every connected system of the person's purposes."""

    person_id: str
    kind: str
    fields: tuple[str, ...] = ()
    purposes: tuple[str, ...] = ()
    """The purposes whose systems are told; empty: the person's purposes now. A partial
    erasure removes purposes before its event is written, so it names them itself."""


def trigger_of(action: str, details: Mapping[str, Any], person_id: str | None) -> Trigger | None:
    """The notice an audit event calls for (Art. 19), or None. ``person.erased`` is not here:
    an erasure's notice is composed before the key is destroyed (``contacts.hooks``)."""
    if person_id is None:
        return None
    if action == "person.updated":
        fields = tuple(sorted(details.get("fields", ())))
        return Trigger(person_id, "rectification", fields) if fields else None
    if action == "person.minimised":
        cleared = tuple(sorted(details.get("cleared", ())))
        held = (*details.get("removed_purposes", ()), *details.get("kept_purposes", ()))
        return Trigger(person_id, "erasure", cleared, tuple(sorted(held)))
    if action == "person.flag_changed":
        flag, active = details.get("flag"), bool(details.get("active"))
        if flag == "restriction":
            return Trigger(person_id, "restriction" if active else "restriction_lifted")
        if flag == "objection":
            return Trigger(person_id, "objection" if active else "objection_lifted")
        return None
    if action == "consent.recorded" and details.get("consent_action") == "withdrawn":
        return Trigger(person_id, "consent_withdrawn")
    return None


WATCHED = frozenset(
    {"person.updated", "person.minimised", "person.flag_changed", "consent.recorded"}
)
"""The audit actions ``trigger_of`` reads: the observer skips every other event unread."""


def backoff(attempts: int) -> timedelta:
    """Wait after ``attempts`` failed attempts: 1 min, 4 min, 16 min, ... capped at 12 hours,
    so a receiver that is down for a day is tried about a dozen times."""
    return timedelta(seconds=min(60 * 4 ** max(attempts - 1, 0), 12 * 3600))


def next_attempt(created_at: datetime, attempts: int, now: datetime, days: int) -> datetime | None:
    """When to try again after ``attempts`` failures, or None when the window of ``days``
    from the notice's creation has run out (the notice then fails and a finding says so)."""
    at = now + backoff(attempts)
    return at if at <= created_at + timedelta(days=days) else None


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,`` signature (Standard Webhooks)."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(
    secrets_: Sequence[str], message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every live secret."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, message_id, timestamp, body) for s in secrets_),
        "content-type": "application/json",
    }


def payload(
    *,
    message_id: str,
    kind: str,
    system: str,
    subject: str | None,
    person_ref: str,
    fields: Iterable[str],
    values: Mapping[str, str | list[str] | None] | None,
    confirm_url: str,
    at: datetime,
) -> dict[str, Any]:
    """The notice's body (docs/connected-systems.md, ``connected-notice.schema.json``): the
    system's own identifier of the person and nothing they did not hold already; the new
    values of a rectification only for a system set to receive them."""
    data: dict[str, Any] = {
        "notice_id": message_id,
        "kind": kind,
        "system": system,
        "subject": {"id": subject, "kluis_ref": person_ref},
        "fields": sorted(fields),
        "article": "GDPR Art. 19",
        "confirm_url": confirm_url,
    }
    if values:
        data["values"] = dict(values)
    return {"type": f"kluis.{kind}", "timestamp": at.isoformat(), "data": data}


def encode(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def says_done(status: int, body: bytes) -> bool:
    """A 2xx answer whose JSON body has ``status`` one of ``DONE`` confirms at once."""
    if not 200 <= status < 300:
        return False
    try:
        parsed = json.loads(body or b"null")
    except ValueError:
        return False
    return isinstance(parsed, dict) and str(parsed.get("status", "")).lower() in DONE


def overdue(state: str, created_at: datetime, now: datetime, days: int) -> bool:
    """An open notice older than ``days`` (the finding ``connected.unconfirmed``)."""
    return state in (*OPEN_STATES, "failed") and now - created_at >= timedelta(days=days)
