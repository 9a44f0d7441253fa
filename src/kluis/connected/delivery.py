"""Sending the notices and tracking them until each system confirms (Art. 19).

A webhook is posted with the Standard Webhooks headers (``rules.headers``), signed with every
live secret of the system; the same ``webhook-id`` on every attempt lets the receiver ignore a
replay. A 2xx answer whose body says done confirms at once; any other 2xx leaves the notice
``sent`` until the receiver calls the signed confirmation link; anything else is retried with
exponential backoff (``rules.next_attempt``) until ``KLUIS_CONNECTED_RETRY_DAYS`` have passed,
then the notice is ``failed`` and ``kluis check`` says so. An e-mail goes to the system's
privacy contact through the SMTP transport and waits for the link too. A manual step waits for
staff to tick it on the request page.

Only ids and an exception's class name or a status code are recorded: a receiver's answer or
a mail server's error could quote a value.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from kluis.actors import ALL_PURPOSES_ROLES, SYSTEM, Actor
from kluis.audit import service as audit
from kluis.audit.connected_events import IdentityRead, NoticeAttempted, NoticeConfirmed
from kluis.audit.events import AuditEvent
from kluis.connected import repository, rules, sealing
from kluis.connected.notices import identity_field
from kluis.contacts import people
from kluis.errors import InvalidField, NotFound, PermissionDenied
from kluis.messaging import service as messaging
from kluis.runtime import Kluis

Post = Callable[[str, bytes, dict[str, str], float], tuple[int, bytes]]
"""(url, body, headers, timeout) -> (status, body); raises OSError when nothing answered."""

KIND_TEXT = {
    "en": {
        "erasure": "erasure (Art. 17)",
        "rectification": "rectification (Art. 16)",
        "restriction": "restriction of processing (Art. 18)",
        "restriction_lifted": "restriction lifted (Art. 18(3))",
        "objection": "objection (Art. 21)",
        "objection_lifted": "objection withdrawn (Art. 21)",
        "consent_withdrawn": "consent withdrawn (Art. 7(3))",
    },
    "nl": {
        "erasure": "wissing (art. 17)",
        "rectification": "rectificatie (art. 16)",
        "restriction": "beperking van de verwerking (art. 18)",
        "restriction_lifted": "beperking opgeheven (art. 18 lid 3)",
        "objection": "bezwaar (art. 21)",
        "objection_lifted": "bezwaar ingetrokken (art. 21)",
        "consent_withdrawn": "toestemming ingetrokken (art. 7 lid 3)",
    },
}


def http_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int, bytes]:
    """POST to an http(s) URL (``service.check`` refuses any other scheme)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return int(answer.status), answer.read(65536)
    except urllib.error.HTTPError as error:
        return int(error.code), b""


@dataclass(frozen=True)
class Delivered:
    sent: int = 0
    confirmed: int = 0
    retried: int = 0
    failed: int = 0


@lru_cache(maxsize=1)
def _mails() -> Environment:
    return Environment(
        loader=PackageLoader("kluis.connected", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def confirm_url(k: Kluis, message_id: str) -> str:
    return messaging.link(k, f"/connected/confirm/{sealing.confirm_token(k, message_id)}")


def _subject(k: Kluis, notice: Any, events: list[AuditEvent]) -> str | None:
    """The system's identifier of the person: sealed in the notice (an erasure) or opened with
    the person's key now (audited)."""
    if notice.sealed_subject is not None:
        return sealing.open_subject(k, notice.message_id, notice.sealed_subject)
    with k.engine.connect() as conn:
        sealed = repository.identities(conn, [notice.person_id]).get(
            (notice.person_id, notice.system_id)
        )
    cipher = k.vault.ciphers([notice.person_id]).get(notice.person_id)
    if sealed is None or cipher is None:
        return None
    events.append(
        IdentityRead(notice.person_id, k.settings.privacy_purpose, notice.system_id, "notice")
    )
    return cipher.open(identity_field(notice.system_id), sealed)


def _values(
    k: Kluis, notice: Any, system: Any, now: datetime
) -> dict[str, str | list[str] | None] | None:
    """A rectification's new values, for a system registered to receive them only: read under
    the privacy-requests purpose like any read (audited as ``person.read``), at sending time,
    so no value waits in the notice."""
    if not system.send_values or notice.kind != "rectification" or not notice.fields:
        return None
    if not k.vault.has_keys([notice.person_id]):
        return None
    view = people.read_person(k, SYSTEM, notice.person_id, k.settings.privacy_purpose, now)
    return {name: view.fields.get(name) for name in notice.fields.split()}


def body_of(k: Kluis, notice: Any, system: Any, subject: str | None, now: datetime) -> bytes:
    return rules.encode(
        rules.payload(
            message_id=notice.message_id,
            kind=notice.kind,
            system=system.name,
            subject=subject,
            person_ref=notice.person_id,
            fields=notice.fields.split(),
            values=_values(k, notice, system, now),
            confirm_url=confirm_url(k, notice.message_id),
            at=now,
        )
    )


def _mail(
    k: Kluis,
    notice: Any,
    system: Any,
    subject: str | None,
    transport: messaging.TransportFactory | None,
    now: datetime,
) -> None:
    language = k.settings.connected_mail_language
    text = (
        _mails()
        .get_template(f"email/connected_notice.{language}.txt")
        .render(
            notice_id=notice.message_id,
            organisation=k.settings.organisation_name,
            system=system.name,
            kind_text=KIND_TEXT[language][notice.kind],
            subject=subject,
            kluis_ref=notice.person_id,
            fields=notice.fields.split(),
            confirm_url=confirm_url(k, notice.message_id),
        )
    )
    first, _, rest = text.partition("\n")
    message = EmailMessage()
    message["From"] = k.settings.mail_from_transactional
    message["To"] = system.contact_email
    message["Subject"] = first.removeprefix("Subject: ")
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain="kluis.local")
    message["Content-Language"] = language
    message.set_content(rest)
    factory = transport or (lambda: messaging.smtp_transport(k))
    with factory() as connection:
        connection.send(message)


def deliver_one(
    k: Kluis,
    notice: Any,
    now: datetime,
    *,
    transport: messaging.TransportFactory | None = None,
    post: Post = http_post,
) -> str:
    """One attempt; returns the outcome (``sent``, ``confirmed``, ``retry``, ``failed``)."""
    with k.engine.connect() as conn:
        system = repository.system(conn, notice.system_id)
        live = repository.live_secrets(conn, notice.system_id, now)
    assert system is not None
    events: list[AuditEvent] = []
    subject = _subject(k, notice, events)
    attempt = notice.attempts + 1
    error: str | None = None
    outcome = "sent"
    try:
        if system.reach == "webhook":
            secrets = [sealing.open_secret(k, system.id, s.sealed) for s in live]
            body = body_of(k, notice, system, subject, now)
            headers = rules.headers(secrets, notice.message_id, int(now.timestamp()), body)
            status, answer = post(
                system.webhook_url, body, headers, k.settings.connected_timeout_seconds
            )
            if rules.says_done(status, answer):
                outcome = "confirmed"
            elif not 200 <= status < 300:
                error = str(status)
        else:
            _mail(k, notice, system, subject, transport, now)
    except Exception as exc:  # a receiver or mail server down: retried, never quoted
        error = type(exc).__name__
    values: dict[str, Any] = {"attempts": attempt, "last_error": error}
    if error is not None:
        retry_at = rules.next_attempt(
            notice.created_at, attempt, now, k.settings.connected_retry_days
        )
        outcome = "retry" if retry_at is not None else "failed"
        values.update(next_attempt_at=retry_at, state="pending" if retry_at else "failed")
    elif outcome == "confirmed":
        values.update(
            state="confirmed",
            sent_at=now,
            confirmed_at=now,
            confirmed_by="response",
            sealed_subject=None,
        )
    else:
        values.update(state="sent", sent_at=now)
    events.append(
        NoticeAttempted(notice.person_id, notice.system_id, notice.id, attempt, outcome, error)
    )
    if outcome == "confirmed":
        events.append(NoticeConfirmed(notice.person_id, notice.system_id, notice.id, "response"))
    with k.engine.begin() as conn:
        repository.update_notice(conn, notice.id, values)
        audit.record(conn, "system:connected", now, events)
    return outcome


def deliver_due(
    k: Kluis,
    now: datetime,
    *,
    transport: messaging.TransportFactory | None = None,
    post: Post = http_post,
) -> Delivered:
    """Every pending notice whose attempt is due, once."""
    with k.engine.connect() as conn:
        due = repository.due(conn, now)
    counts = {"sent": 0, "confirmed": 0, "retry": 0, "failed": 0}
    for notice in due:
        counts[deliver_one(k, notice, now, transport=transport, post=post)] += 1
    return Delivered(counts["sent"], counts["confirmed"], counts["retry"], counts["failed"])


def _confirm(k: Kluis, notice: Any, by: str, actor: str, now: datetime) -> bool:
    if notice.state == "confirmed":
        return False
    with k.engine.begin() as conn:
        repository.update_notice(
            conn,
            notice.id,
            {"state": "confirmed", "confirmed_at": now, "confirmed_by": by, "sealed_subject": None},
        )
        audit.record(
            conn,
            actor,
            now,
            [NoticeConfirmed(notice.person_id, notice.system_id, notice.id, by)],
        )
    return True


def confirm(k: Kluis, token: str, now: datetime) -> bool:
    """The receiver's call of the signed confirmation link; False when it was confirmed
    before (a confirmation is idempotent). A link Kluis did not sign is refused."""
    message_id = sealing.confirmed_message(k, token)
    with k.engine.connect() as conn:
        notice = repository.notice(conn, message_id)
    if notice is None:
        raise NotFound("this confirmation link names no notice", field="token")
    return _confirm(k, notice, "callback", "system:connected", now)


def tick(k: Kluis, actor: Actor, notice_id: int, now: datetime) -> bool:
    """Staff confirm a manual step (or a system that confirmed by telephone or letter)."""
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied(
            "only an admin or the privacy officer may confirm a connected system's notice"
        )
    with k.engine.connect() as conn:
        notice = repository.notice_by_id(conn, notice_id)
    if notice is None:
        raise NotFound(f"there is no notice {notice_id}", field="notice")
    if notice.state == "superseded":
        raise InvalidField("this notice was superseded by an erasure", field="notice")
    return _confirm(k, notice, "staff", actor.ref, now)
