"""The mails of a privacy request, sent by a job (issue 16): each is a row (``request_mails``)
with its template, its parameters and its state, and the job ``requests.mail`` carries only the
row's id. The address is read when the mail goes, under the privacy purpose (Art. 5(1)(b), 12),
or, for the mails that go after the erasure destroyed the person's key (the erasure
certificate), opened from the capture the erasure made under a key of the request's own
(``discover.capture``), which is destroyed once the request's last such mail went (Art. 17).

A mail goes once: an attempt claims the row with one conditional UPDATE and a mail ``sent`` is
never sent again, so a job run twice, or after its process died, mails once. A failed attempt
is recorded with its reason (the exception's class, never its text, which may quote the
address) and raised, so the queue tries again after its back-off (``jobs.rules.backoff``).

Exactly one message after a crash, as far as SMTP allows (as for campaigns,
``messaging.handover``): the claiming UPDATE fixes the mail's Message-ID on the row before the
first hand-over (``make_msgid`` on the sender's domain: nothing personal), and every attempt
sends with it. A process killed after the server accepted the mail (RFC 5321 4.1.1.4) but
before the row was marked ``sent`` leaves it ``sending``; taken again after ``STALE`` it goes a
second time as the same message (RFC 5322 3.6.4), which receivers collapse by Message-ID; the
person's message row of the first attempt is taken up, not doubled.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from kluis.actors import SYSTEM, Actor
from kluis.audit import service as audit
from kluis.audit.request_events import RequestAnswerSent
from kluis.audit.request_mail_events import RequestMailFailed, RequestMailQueued
from kluis.contacts import people as contacts
from kluis.discover import capture
from kluis.errors import PersonErased
from kluis.jobs import queue
from kluis.messaging import service as messaging
from kluis.messaging.transport import SendFailed
from kluis.requests import packages, repository
from kluis.runtime import Kluis

log = logging.getLogger(__name__)

JOB = "requests.mail"
STATES = ("waiting", "queued", "sending", "sent", "failed")
"""``waiting``: held until the connected systems confirmed (the final erasure certificate);
``sending``: an attempt is under way; ``failed``: the last attempt failed (``reason``), the job
tries again until its attempts run out."""
OPEN = ("waiting", "queued", "sending", "failed")
NOT_CONFIGURED = "no mail server is configured"
STALE = timedelta(minutes=10)
"""A ``sending`` mail this old was left by a process that died mid-attempt: taken again."""


def record_sent(
    conn: Connection, actor: Actor, row: Any, answer: messaging.Answer | None, now: datetime
) -> list[dict[str, Any]]:
    """Add what was sent to the request's record (without the address, Art. 5(1)(c))."""
    sent = list(row.sent or [])
    if answer is None:
        return sent
    sent.append(
        {
            "what": answer.template,
            "at": answer.sent_at.isoformat(),
            "message_id": answer.message_id,
            "attachments": list(answer.attachments),
        }
    )
    repository.change(conn, row.id, sent=sent)
    audit.record(
        conn,
        actor.ref,
        now,
        [RequestAnswerSent(row.person_id, row.id, answer.template, answer.attachments)],
    )
    return sent


def post(
    k: Kluis,
    actor: Actor,
    row: Any,
    what: str,
    params: dict[str, Any],
    now: datetime,
    transport: messaging.TransportFactory | None,
    *,
    captured: bool = False,
    waiting: bool = False,
    dispatched: bool = True,
    sealed: bytes | None = None,
) -> int:
    """Record a mail of request ``row`` and hand it to the queue (or hold it, ``waiting``; or
    leave that to the caller, ``dispatched`` off, who records the request's other mails first).
    ``params`` are plain JSON without personal values: they sit in the row in plain text
    (``package``: ``access`` or ``portable`` attaches the person's copy, ``packages``);
    ``sealed`` is the copy before an erasure, sealed under the request's capture key."""
    state = "waiting" if waiting else "queued"
    plain = json.loads(json.dumps({"request_id": row.id, **params}, default=str))
    with k.engine.begin() as conn:
        mail_id = repository.add_mail(
            conn,
            {
                "request_id": row.id,
                "what": what,
                "params": plain,
                "captured": captured,
                "sealed": sealed,
                "state": state,
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
            },
        )
        audit.record(conn, actor.ref, now, [RequestMailQueued(row.person_id, row.id, what, state)])
    if dispatched and not waiting:
        dispatch(k, mail_id, now, transport)
    return mail_id


def dispatch(
    k: Kluis, mail_id: int, now: datetime, transport: messaging.TransportFactory | None
) -> None:
    """Queue the mail's job; a caller with a transport of its own (an app made around an open
    Kluis, as ``jobs.web`` runs its jobs) runs it at once, and queues it only to try again."""
    if transport is not None:
        try:
            send(k, mail_id, now, transport)
            return
        except (SendFailed, messaging.MailNotConfigured):
            pass
    queue.enqueue(k, JOB, {"mail_id": mail_id}, now)


def _fail(k: Kluis, mail: Any, person_id: str, reason: str, now: datetime) -> None:
    with k.engine.begin() as conn:
        repository.change_mail(conn, mail.id, state="failed", reason=reason, updated_at=now)
        audit.record(
            conn,
            SYSTEM.ref,
            now,
            [RequestMailFailed(person_id, mail.request_id, mail.what, reason, mail.attempts + 1)],
        )


def _recipient(k: Kluis, row: Any, now: datetime) -> contacts.Recipient | None:
    """The address captured before the erasure, opened under the request's own key."""
    found = capture.captured(k, row.id, now)
    if found is None or not found.emails:
        return None
    given, family = found.names[0] if found.names else (None, None)
    return contacts.Recipient(row.person_id, row.language, found.emails[0], given, family)


def _params(mail: Any, row: Any) -> dict[str, Any]:
    """The template's parameters. A certificate is stored without the person's id (no row
    but the request and the audit log names an erased person): it is put back from the
    request."""
    params = {key: value for key, value in mail.params.items() if key != "request_id"}
    if "certificate" in params:
        params["certificate"] = {"person_id": row.person_id, **params["certificate"]}
    return {"request_id": row.id, **params}


def _attachments(
    k: Kluis, mail: Any, row: Any, params: dict[str, Any], now: datetime
) -> tuple[messaging.Attachment, ...]:
    """The person's copy (``packages``, built now or opened from its seal), and the
    certificate as JSON (it names fields and systems, no values)."""
    found = packages.for_mail(k, mail, row, now)
    if "certificate" in params:
        text = json.dumps(params["certificate"], indent=2).encode()
        name = f"erasure-certificate-{mail.request_id}.json"
        found.append(messaging.Attachment(name, "application/json", text))
    return tuple(found)


def send(
    k: Kluis, mail_id: int, now: datetime, transport: messaging.TransportFactory | None
) -> str:
    """One attempt at the mail; its state afterwards. Raises ``SendFailed`` (recorded first)
    when the mail server failed, so the job is tried again."""
    with k.engine.begin() as conn:
        mail = repository.mail(conn, mail_id)
        if mail is None or mail.state in ("sent", "waiting"):
            return "gone" if mail is None else str(mail.state)
        row = repository.fetch(conn, mail.request_id)
        fresh = messaging.new_message_id(k)
        message_id = repository.claim_mail(conn, mail_id, now, now - STALE, fresh)
        if message_id is None:
            return "sending"
    to = None
    if mail.captured:
        to = _recipient(k, row, now)
        if to is None:
            _fail(k, mail, row.person_id, "the captured address is gone", now)
            return "failed"
    params = _params(mail, row)
    try:
        sent = messaging.send_answer(
            k,
            SYSTEM,
            row.person_id,
            mail.what,
            params,
            now,
            transport=transport,
            attachments=_attachments(k, mail, row, params, now),
            to=to,
            message_id=message_id,
        )
    except PersonErased:
        _fail(k, mail, row.person_id, "the person was erased", now)
        return "failed"
    except packages.CopyGone:
        _fail(k, mail, row.person_id, "the sealed copy is gone", now)
        return "failed"
    except messaging.MailNotConfigured:
        # Not an attempt that failed: the mail waits, queued, until a mail server is set
        # (the request page and ``requests.mail_late`` show it).
        with k.engine.begin() as conn:
            repository.change_mail(
                conn,
                mail_id,
                state="queued",
                reason=NOT_CONFIGURED,
                attempts=mail.attempts,
                updated_at=now,
            )
        raise
    except SendFailed as exc:
        _fail(k, mail, row.person_id, type(exc).__name__, now)
        raise
    if sent is None:
        _fail(k, mail, row.person_id, "no e-mail address", now)
        return "failed"
    with k.engine.begin() as conn:
        repository.change_mail(
            conn,
            mail_id,
            state="sent",
            reason=None,
            sealed=None,
            message_id=sent.message_id,
            sent_at=now,
            updated_at=now,
        )
        record_sent(conn, SYSTEM, repository.fetch(conn, row.id), sent, now)
    if mail.captured:
        release(k, row.id, now)
    return "sent"


def keep_for_final(k: Kluis, row: Any) -> None:
    """The final certificate may wait up to the request's deadline (and a week for a late
    worker): the capture holding its address must last that long, past
    ``KLUIS_DISCOVER_CAPTURE_DAYS`` if need be; ``release`` ends it once the mail went."""
    capture.keep_until(k, row.id, (row.extended_to or row.due_at) + timedelta(days=7))


def release(k: Kluis, request_id: int, now: datetime) -> bool:
    """Destroy the request's capture once no mail to the captured address is left to send:
    the address is then gone from every store (Art. 17). True when it was destroyed."""
    with k.engine.connect() as conn:
        pending = [m for m in repository.mails_of(conn, request_id) if m.state in OPEN]
    if any(m.captured for m in pending):
        return False
    return capture.forget(k, SYSTEM, request_id, now, "mails sent")


def of_request(k: Kluis, request_id: int) -> list[dict[str, Any]]:
    """Each mail's state for the request's page and the API: what, state, attempts, reason,
    when sent. No address (there is none to show)."""
    with k.engine.connect() as conn:
        rows = repository.mails_of(conn, request_id)
    return [
        {
            "id": m.id,
            "what": m.what,
            "state": m.state,
            "attempts": m.attempts,
            "reason": m.reason,
            "created_at": m.created_at.isoformat(),
            "sent_at": None if m.sent_at is None else m.sent_at.isoformat(),
        }
        for m in rows
    ]


def stuck(k: Kluis, states: tuple[str, ...], before: datetime) -> list[tuple[int, str]]:
    """(request id, reason) of the mails in ``states`` last changed before ``before``, for
    ``kluis check`` (``failed`` ones: any time, pass ``now``)."""
    with k.engine.connect() as conn:
        rows = repository.mails_in(conn, states)
    return [(m.request_id, m.reason or m.state) for m in rows if m.updated_at <= before]
