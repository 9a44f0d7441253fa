"""One message of a campaign, at its turn: decided again at that moment (a person may have
unsubscribed or objected since the campaign was queued, Art. 7(3), 21(3)), read under the
purpose the decision names, composed and sent; its row records what became of it. Claiming the
row while still queued keeps two senders of one campaign from both sending it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kluis.actors import Actor
from kluis.consent import decisions as consent
from kluis.consent.rules import MessageKind
from kluis.contacts import people as contacts
from kluis.errors import NotFound, PersonErased, PurposeRefused, Restricted
from kluis.messaging import repository, rules, service
from kluis.messaging.transport import SendFailed
from kluis.runtime import Kluis


def deliver(
    k: Kluis,
    actor: Actor,
    channel: str,
    topic: str,
    content: service.Content,
    topic_names: dict[str, str],
    message_id: int,
    person_id: str,
    at: datetime,
    smtp: Any,
) -> None:
    """Send one queued message of a campaign, deciding at ``at`` whether it may go; the
    message row records the decision and what became of it."""
    decision = consent.decide(k, actor, person_id, channel, "commercial", topic, at)
    values: dict[str, Any] = {
        "allowed": decision.allowed,
        "basis": decision.basis.value,
        "reason": decision.reason.value,
        "evidence_event_id": decision.evidence_event_id,
    }
    if not decision.allowed:
        _set(k, message_id, values | {"status": "refused"}, claim=True)
        return
    assert decision.purpose is not None  # every allowed decision names its purpose
    try:
        recipient = contacts.recipient(k, actor, person_id, decision.purpose, at)
    except (Restricted, PersonErased, NotFound, PurposeRefused) as exc:
        # Restricted, erased or taken off the purpose between the decision and the read:
        # refused, as the rule says.
        reason = {Restricted: "restricted", PurposeRefused: "not_collected"}.get(
            type(exc), "erased"
        )
        _set(
            k,
            message_id,
            values | {"status": "refused", "allowed": False, "basis": "none", "reason": reason},
            claim=True,
        )
        return
    if not recipient.email:
        _set(k, message_id, values | {"status": "failed", "error": rules.NO_ADDRESS})
        return
    topic_name = topic_names["en" if recipient.language == "en" else "nl"]
    message, language = service.compose(
        k, recipient, MessageKind.COMMERCIAL, topic, topic_name, content, at
    )
    if not _set(
        k,
        message_id,
        values | {"status": "sending", "language": language, "message_id": message["Message-ID"]},
        claim=True,
    ):
        return  # another sender of this campaign (a second `send`) took it first
    try:
        smtp.send(message)
    except SendFailed as exc:
        _set(k, message_id, {"status": "failed", "error": exc.detail})
        return
    _set(k, message_id, {"status": "sent", "sent_at": at})


def _set(k: Kluis, message_id: int, values: dict[str, Any], *, claim: bool = False) -> bool:
    """Update the message; with ``claim`` only while it is still queued, so two senders of the
    same campaign never both send it. True when the row changed."""
    with k.engine.begin() as conn:
        return repository.set_message(conn, message_id, values, only_queued=claim)
