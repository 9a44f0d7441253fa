"""Sending one message: decide, read the address under the message's purpose, render, send,
and store the message with the decision behind it (DESIGN.md invariant 4).

Nothing is sent without a ``may_contact`` decision. A commercial message carries the
unsubscribe footer and the RFC 2369 / RFC 8058 headers with a signed one-click link.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection

from kluis.actors import PERSON, Actor
from kluis.audit import service as audit
from kluis.audit.consent_events import MessagesRead, MessageStatusChanged
from kluis.consent import decisions
from kluis.consent import ledger as consent
from kluis.consent import repository as consent_repo
from kluis.consent.rules import Decision, MessageKind, may_answer
from kluis.contacts import people as contacts
from kluis.errors import InvalidField, KluisError, NotFound, PersonErased
from kluis.locale.catalogues import messages
from kluis.messaging import outgoing, render, repository, rules, tokens
from kluis.messaging.transport import SendFailed, SmtpTransport, parse_smtp_url
from kluis.runtime import Kluis

TransportFactory = Callable[[], SmtpTransport]


class MailNotConfigured(KluisError):
    slug = "mail-not-configured"
    title = "No mail server"
    status = 503


def smtp_transport(k: Kluis) -> SmtpTransport:
    if not k.settings.smtp_url:
        raise MailNotConfigured(
            "no mail server is configured; set KLUIS_SMTP_URL (e.g. smtp://localhost:25)"
        )
    return SmtpTransport(parse_smtp_url(k.settings.smtp_url))


def link(k: Kluis, path: str) -> str:
    return f"{k.settings.base_url.rstrip('/')}/{path.lstrip('/')}"


def _host(k: Kluis) -> str:
    return urlsplit(k.settings.base_url).hostname or "localhost"


def new_message_id(k: Kluis) -> str:
    """A Message-ID on the sender's domain (RFC 5322 3.6.4): a time, a random part, the host of
    ``KLUIS_BASE_URL``; nothing of the person. Stored before a first hand-over when resent."""
    return make_msgid(domain=_host(k))


@dataclass(frozen=True)
class MessageView:
    id: int | None
    person_id: str
    kind: str
    channel: str
    topic: str
    status: str
    decision: Decision
    error: str | None = None


@dataclass(frozen=True)
class Content:
    """What to say: a built-in template with parameters, or a subject and body per language."""

    template: str | None = None
    params: dict[str, Any] | None = None
    subject: dict[str, str] | None = None
    body: dict[str, str] | None = None

    def languages(self) -> tuple[str, ...]:
        if self.template is not None:
            return rules.LANGUAGES
        subject, body = self.subject or {}, self.body or {}
        return tuple(lang for lang in rules.LANGUAGES if subject.get(lang) and body.get(lang))


def footer(k: Kluis, person_id: str, topic: str, topic_name: str, language: str) -> render.Footer:
    key = k.vault.signing_key
    unsubscribe = tokens.sign(key, tokens.LinkToken("unsubscribe", person_id, "email", topic))
    preferences = tokens.sign(key, tokens.LinkToken("preferences", person_id))
    words = messages("common", language)
    return render.Footer(
        text=words["footer_text"].format(
            organisation=k.settings.organisation_name, topic=topic_name
        ),
        unsubscribe_label=words["footer_unsubscribe"],
        unsubscribe_url=link(k, f"/unsubscribe/{unsubscribe}"),
        preferences_label=words["footer_preferences"],
        preferences_url=link(k, f"/preferences/{preferences}"),
    )


def compose(
    k: Kluis,
    recipient: contacts.Recipient,
    kind: MessageKind,
    topic: str,
    topic_name: str,
    content: Content,
    now: datetime,
    message_id: str | None = None,
) -> tuple[EmailMessage, str]:
    """The e-mail for ``recipient`` in their language, and that language; ``now`` is its Date,
    ``message_id`` its Message-ID (a fresh one when None)."""
    languages = content.languages()
    if not languages:
        raise InvalidField("give the subject and body in nl or en", field="subject")
    language = rules.pick_language(recipient.language, languages)
    context = {
        "given_name": recipient.given_name,
        "family_name": recipient.family_name,
        "organisation": k.settings.organisation_name,
        **(content.params or {}),
    }
    bottom = (
        footer(k, recipient.person_id, topic, topic_name, language)
        if kind is MessageKind.COMMERCIAL
        else None
    )
    if content.template is not None:
        rendered = render.from_template(content.template, language, context, bottom)
    else:
        subject, body = content.subject or {}, content.body or {}
        rendered = render.from_strings(subject[language], body[language], context, bottom, language)
    # A footer is what makes a message commercial here: it goes from the commercial sender.
    sender = k.settings.mail_from_commercial if bottom else k.settings.mail_from_transactional
    extra = (
        {}
        if bottom is None
        else rules.list_headers(
            bottom.unsubscribe_url, k.settings.unsubscribe_mailto, rules.list_id(topic, _host(k))
        )
    )
    message = outgoing.email_message(
        f"{k.settings.organisation_name} <{sender}>",
        recipient.email or "",
        rendered,
        format_datetime(now),
        message_id or new_message_id(k),
        extra,
        language,
    )
    return message, language


def send_message(
    k: Kluis,
    actor: Actor,
    person_id: str,
    kind: str,
    topic: str,
    content: Content,
    now: datetime,
    transport: TransportFactory | None = None,
) -> MessageView:
    """Decide, then send one e-mail (or record why not). Refusals are stored too."""
    decision = decisions.decide(k, actor, person_id, "email", kind, topic, now)
    message_kind = MessageKind(kind)
    if decision.reason.value == "erased":
        raise PersonErased(f"person {person_id} was erased; nothing is sent to them")
    with k.engine.connect() as conn:
        topic_row = consent_repo.topic(conn, topic)
    assert topic_row is not None
    base = {
        "person_id": person_id,
        "campaign_id": None,
        "kind": message_kind.value,
        "channel": "email",
        "topic": topic,
        "template": content.template or "custom",
        "allowed": decision.allowed,
        "basis": decision.basis.value,
        "reason": decision.reason.value,
        "evidence_event_id": decision.evidence_event_id,
        "created_by": actor.ref,
        "created_at": now,
    }
    if not decision.allowed:
        return _store(k, base | {"status": "refused", "language": "-"}, decision)
    assert decision.purpose is not None  # every allowed decision names its purpose
    recipient = contacts.recipient(k, actor, person_id, decision.purpose, now)
    if not recipient.email:
        return _store(
            k,
            base | {"status": "failed", "language": "-", "error": rules.NO_ADDRESS},
            decision,
        )
    message, language = compose(
        k,
        recipient,
        message_kind,
        topic,
        topic_row.name_en if recipient.language == "en" else topic_row.name_nl,
        content,
        now,
    )
    smtp = (transport or (lambda: smtp_transport(k)))()
    stored = _store(
        k,
        base | {"status": "sending", "language": language, "message_id": message["Message-ID"]},
        decision,
    )
    assert stored.id is not None
    try:
        with smtp:
            smtp.send(message)
    except SendFailed as exc:
        failed = _finish(k, stored, "failed", now, str(exc.detail))
        return dataclasses.replace(failed, error=rules.shown_error(failed.error, actor.role))
    return _finish(k, stored, "sent", now, None)


PRIVACY_TOPIC = "privacy"
"""The topic recorded for answers to privacy requests; not a consent topic."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Answer:
    """What an answer to a privacy request was: which template, when, its Message-ID.
    The address it went to is not kept (Art. 5(1)(c))."""

    template: str
    sent_at: datetime
    message_id: str
    attachments: tuple[str, ...]


def send_answer(
    k: Kluis,
    actor: Actor,
    person_id: str,
    template: str,
    params: dict[str, Any],
    now: datetime,
    *,
    transport: TransportFactory | None = None,
    attachments: tuple[Attachment, ...] = (),
    to: contacts.Recipient | None = None,
    message_id: str | None = None,
) -> Answer | None:
    """Send the answer to a person's own privacy request (Art. 12) to the address on file, or
    to ``to`` when the caller read it before an erasure. Decided by ``may_answer`` and, while
    the person exists, stored with that decision like every message. None when there is no
    address to send to.

    ``message_id``: the one the caller stored before its first attempt, so every attempt is the
    same message (RFC 5322 3.6.4) and takes up the row an earlier attempt stored, not two."""
    if to is None:
        erased = bool(k.vault.erased([person_id]))
        decision = may_answer(erased)
        if erased:
            raise PersonErased(f"person {person_id} was erased; nothing is sent to them")
        to = contacts.recipient(k, actor, person_id, k.settings.privacy_purpose, now)
        store = True
    else:
        decision, store = may_answer(False), False
    if not to.email:
        return None
    content = Content(template, params)
    kind = MessageKind.TRANSACTIONAL
    message, language = compose(k, to, kind, PRIVACY_TOPIC, "", content, now, message_id)
    for item in attachments:
        main, _, sub = item.media_type.partition("/")
        message.add_attachment(item.content, maintype=main, subtype=sub, filename=item.filename)
    smtp = (transport or (lambda: smtp_transport(k)))()
    stored = None
    if store:
        stored = _store(
            k,
            {
                "person_id": person_id,
                "campaign_id": None,
                "kind": MessageKind.TRANSACTIONAL.value,
                "channel": "email",
                "topic": PRIVACY_TOPIC,
                "template": template,
                "allowed": decision.allowed,
                "basis": decision.basis.value,
                "reason": decision.reason.value,
                "evidence_event_id": None,
                "created_by": actor.ref,
                "created_at": now,
                "status": "sending",
                "language": language,
                "message_id": message["Message-ID"],
            },
            decision,
        )
    try:
        with smtp:
            smtp.send(message)
    except SendFailed as exc:
        if stored is not None:
            _finish(k, stored, "failed", now, str(exc.detail))
        raise
    if stored is not None:
        _finish(k, stored, "sent", now, None)
    return Answer(template, now, str(message["Message-ID"]), tuple(a.filename for a in attachments))


def _store(k: Kluis, values: dict[str, Any], decision: Decision) -> MessageView:
    """Insert the message, or take up the one an earlier attempt stored (same Message-ID)."""
    with k.engine.begin() as conn:
        message_id = repository.message_with_id(conn, values["person_id"], values.get("message_id"))
        if message_id is None:
            message_id = repository.add_message(conn, values)
        else:
            repository.set_message(conn, message_id, {"status": values["status"], "error": None})
        audit.record(
            conn,
            values["created_by"],
            values["created_at"],
            [
                MessageStatusChanged(
                    values["person_id"], message_id, values["kind"], values["status"]
                )
            ],
        )
    return MessageView(
        message_id,
        values["person_id"],
        values["kind"],
        values["channel"],
        values["topic"],
        values["status"],
        decision,
        values.get("error"),
    )


def _finish(
    k: Kluis, view: MessageView, status: str, now: datetime, error: str | None
) -> MessageView:
    with k.engine.begin() as conn:
        assert view.id is not None
        repository.set_message(
            conn,
            view.id,
            {"status": status, "sent_at": now if status == "sent" else None, "error": error},
        )
        audit.record(
            conn, "system", now, [MessageStatusChanged(view.person_id, view.id, view.kind, status)]
        )
    return MessageView(
        view.id, view.person_id, view.kind, view.channel, view.topic, status, view.decision, error
    )


def messages_of(
    k: Kluis,
    actor: Actor,
    person_id: str,
    purpose_key: str,
    now: datetime,
    *,
    for_person: bool = False,
) -> list[dict[str, Any]]:
    """The messages sent (or refused) to a person, with the decision behind each, read under
    ``purpose_key`` as any read of the person is (``contacts.reach``: what was sent to whom
    and when is about them) and audited. The mail server's answer to a failed one is shown as
    the actor's role may see it (``rules.shown_error``), or in full ``for_person``: in the
    person's own access package (Art. 15)."""
    with k.engine.begin() as conn:
        return messages_in(k, conn, actor, person_id, purpose_key, now, for_person=for_person)


def messages_in(
    k: Kluis,
    conn: Connection,
    actor: Actor,
    person_id: str,
    purpose_key: str,
    now: datetime,
    *,
    for_person: bool = False,
) -> list[dict[str, Any]]:
    """``messages_of`` in the caller's transaction, which records the read."""
    role = None if for_person else actor.role
    purpose = contacts.reach(k, conn, actor, person_id, purpose_key)
    found = repository.messages_of(conn, person_id)
    audit.record(conn, actor.ref, now, [MessagesRead(person_id, purpose.key, len(found))])
    for message in found:
        message["error"] = rules.shown_error(message["error"], role)
    return found


def unsubscribe(k: Kluis, token_text: str, now: datetime) -> tokens.LinkToken:
    """The one-click unsubscribe of RFC 8058: withdraw at once for the channel and topic the
    token names, recorded as done by the person themselves (Art. 7(3), Art. 21(2)).
    Unsubscribing twice is harmless: the second time records nothing new."""
    token = tokens.verify(
        k.vault.signing_key, "unsubscribe", token_text, k.settings.link_max_age_days * 86400
    )
    if token.channel is None or token.topic is None:
        raise tokens.TokenInvalid("this link is not an unsubscribe link", reason="tampered")
    with k.engine.connect() as conn:
        current = consent_repo.permission(conn, token.person_id, token.channel, token.topic)
    if current is not None and current.status.value == "withdrawn":
        return token
    try:
        consent.record(
            k,
            PERSON,
            token.person_id,
            token.channel,
            token.topic,
            "withdrawn",
            now,
            consent.Grant(method="unsubscribe_link", notice_id=None),
            captured_by="person",
        )
    except (NotFound, PersonErased):
        raise tokens.TokenInvalid(
            "there is nothing to unsubscribe: this address is no longer on file", reason="gone"
        ) from None
    return token
