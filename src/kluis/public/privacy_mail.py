"""The verification mail of the ``/privacy`` page as a job (issue 16): the typed address waits
for the job sealed under a key of its own, never in the queue.

``POST /privacy`` records a ``privacy_verifications`` row, the address, the request type and
the page's language sealed (AES-256-GCM) under a fresh key in the keyring, and queues the job
``privacy.verification`` with the row's id as its only argument. The job opens the row, decides
known or unknown address (``privacy.start``) and sends; then it destroys the key, through the
same path as a person's key (the erasure register lists it, so a keyring snapshot restored later
destroys it again), and deletes the row (Art. 5(1)(e), 25). A failed attempt is retried with the
queue's back-off; a permanent refusal (5xx) ends it at once. A row not sent by the time its link
would have expired (``KLUIS_PRIVACY_LINK_HOURS``) is destroyed the same way by the job, or by
the periodic ``privacy.verifications_expire``.

A row goes once: an attempt claims it with one conditional UPDATE, so a job run twice, or after
its process died before the mail server took the mail, mails once. The claiming UPDATE also
fixes the mail's Message-ID on the row before the first hand-over (nothing personal in it), and
every attempt sends with it: a process killed between the hand-over and the delete leaves a
``sending`` row taken again after ``STALE``, whose second copy is the same message (RFC 5322
3.6.4), collapsed by receivers that go by Message-ID; its link's nonce is drawn from the
Message-ID (``privacy.confirm_link``), so whichever copy is clicked opens the one request.

No audit event: no person is known when the row is made and none is named afterwards; the
mail to a known person is stored and audited as a message of theirs (``send_answer``).
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update

from kluis.jobs import Job, JobContext, Retry
from kluis.messaging import service as messaging
from kluis.messaging.transport import SendFailed
from kluis.public import privacy
from kluis.public.tables import PrivacyVerification
from kluis.requests.rules import RequestType
from kluis.runtime import Kluis

log = logging.getLogger(__name__)

JOB = "privacy.verification"
FIELD = "privacy_verification"
STALE = timedelta(minutes=10)


def queue(k: Kluis, email: str, kind: RequestType, language: str, now: datetime) -> int:
    """Seal the address under a fresh key and record the row; its id, for the job."""
    key_id = str(uuid.uuid4())
    cipher = k.vault.create_keys([key_id], now)[key_id]
    data = json.dumps({"email": email, "type": kind.value, "language": language}).encode()
    with k.engine.begin() as conn:
        return int(
            conn.execute(
                insert(PrivacyVerification)
                .values(
                    key_id=key_id,
                    sealed=cipher.seal_bytes(FIELD, data),
                    state="queued",
                    attempts=0,
                    created_at=now,
                    updated_at=now,
                    expires_at=now + timedelta(hours=k.settings.privacy_link_hours),
                )
                .returning(PrivacyVerification.id)
            ).scalar_one()
        )


def _forget(k: Kluis, row: Any, now: datetime, reason: str) -> None:
    k.vault.shred(row.key_id, now, f"privacy verification {reason}")
    with k.engine.begin() as conn:
        conn.execute(delete(PrivacyVerification).where(PrivacyVerification.id == row.id))


def _claim(k: Kluis, verification_id: int, now: datetime) -> str | None:
    """Take the row for one attempt; the Message-ID every attempt sends with (fixed here when
    the row has none yet), or None when another attempt holds the row."""
    table = PrivacyVerification
    with k.engine.begin() as conn:
        taken = conn.execute(
            update(table)
            .where(
                table.id == verification_id,
                or_(
                    table.state.in_(("queued", "failed")),
                    and_(table.state == "sending", table.updated_at < now - STALE),
                ),
            )
            .values(
                state="sending",
                attempts=table.attempts + 1,
                updated_at=now,
                message_id=func.coalesce(table.message_id, messaging.new_message_id(k)),
            )
            .returning(table.message_id)
        ).first()
    return None if taken is None else str(taken[0])


def send(
    k: Kluis, verification_id: int, now: datetime, transport: messaging.TransportFactory
) -> str:
    """One attempt; what became of the row: ``gone`` (sent before, or never made), ``sent``,
    ``refused`` (permanently, by the mail server), ``expired``, ``sending`` (another attempt
    holds it). Raises ``SendFailed`` on a passing failure (the row is ``failed`` first) so the
    queue tries again."""
    with k.engine.connect() as conn:
        row = conn.execute(
            select(PrivacyVerification).where(PrivacyVerification.id == verification_id)
        ).first()
    if row is None:
        return "gone"
    if row.expires_at <= now:
        _forget(k, row, now, "expired")
        return "expired"
    message_id = _claim(k, verification_id, now)
    if message_id is None:
        return "sending"
    cipher = k.vault.ciphers([row.key_id]).get(row.key_id)
    if cipher is None:
        _forget(k, row, now, "key gone")
        return "gone"
    opened = json.loads(cipher.open_bytes(FIELD, row.sealed))
    try:
        privacy.start(
            k,
            opened["email"],
            RequestType(opened["type"]),
            opened["language"],
            now,
            transport,
            message_id=message_id,
        )
    except SendFailed as exc:
        if exc.permanent:
            # the mailbox does not take it (RFC 5321 5xx): trying again would not help
            log.warning(
                "a privacy-portal e-mail was not sent: the mail server refused it (%s)", exc.code
            )
            _forget(k, row, now, "refused")
            return "refused"
        with k.engine.begin() as conn:
            conn.execute(
                update(PrivacyVerification)
                .where(PrivacyVerification.id == verification_id)
                .values(state="failed", updated_at=now)
            )
        raise
    _forget(k, row, now, "sent")
    return "sent"


def expire(k: Kluis, now: datetime) -> int:
    """Destroy the rows whose link would have expired, unsent; how many."""
    with k.engine.connect() as conn:
        rows = list(
            conn.execute(select(PrivacyVerification).where(PrivacyVerification.expires_at <= now))
        )
    for row in rows:
        _forget(k, row, now, "expired")
    return len(rows)


def waiting(k: Kluis) -> int:
    """Rows not sent yet (for /metrics and checks; no address, no id)."""
    with k.engine.connect() as conn:
        return len(list(conn.execute(select(PrivacyVerification.id))))


def _transport(context: JobContext) -> messaging.TransportFactory:
    given: messaging.TransportFactory | None = context.transport  # type: ignore[assignment]
    return given or (lambda: messaging.smtp_transport(context.kluis))


def _send(context: JobContext, verification_id: int) -> None:
    try:
        state = send(context.kluis, verification_id, context.clock(), _transport(context))
    except messaging.MailNotConfigured:
        raise Retry(STALE.total_seconds(), "no mail server is configured") from None
    if state == "sending":
        raise Retry(STALE.total_seconds(), "another attempt at this mail is under way")


def _expire(context: JobContext) -> None:
    gone = expire(context.kluis, context.clock())
    log.info("privacy verifications: %s expired unsent, destroyed", gone)


verification = Job(JOB, _send, max_attempts=6)
verifications_expire = Job("privacy.verifications_expire", _expire, every=lambda _s: 1)
