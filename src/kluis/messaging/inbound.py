"""What providers post back about texts: replies (an opt-out withdraws) and delivery reports.

A reply is matched to people by the phone number's blind index, never by reading numbers: the
sender's number, normalised to E.164 as stored, is hashed with the blind-index key and looked up
(``contacts.tables.PersonIndex``). A reply that is an opt-out word (``text_rules.is_opt_out``)
records a withdrawal for that channel and every topic in the consent ledger, as done by the
person themselves (method ``sms_reply`` / ``whatsapp_reply``; Art. 7(3), Art. 21(2)), and is
confirmed once: a second STOP records nothing and gets no second confirmation. The reply's text
is not stored (Art. 5(1)(c)): only that it came and whether it opted out.

A delivery report (status callback) names the message by its row id in the callback URL Kluis
gave and by the provider's id, which must match: a failure is recorded on the message (status
``failed``, the provider's error code, never its error text).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from kluis.actors import PERSON, SYSTEM
from kluis.audit import service as audit
from kluis.audit.channel_events import DeliveryReported, ReplyReceived, WebhookRefused
from kluis.consent import catalogue
from kluis.consent import ledger as consent
from kluis.consent import repository as consent_repo
from kluis.contacts import repository as contacts_repo
from kluis.contacts import rules as contacts_rules
from kluis.contacts.tables import PersonIndex
from kluis.errors import InvalidField, NotFound, PersonErased
from kluis.messaging import repository, text_rules
from kluis.runtime import Kluis

WITHDRAWN_BY = {"sms": "sms_reply", "whatsapp": "whatsapp_reply"}


def people_with_number(k: Kluis, number: str) -> list[str]:
    """Everyone whose phone number is ``number`` (any notation; ``whatsapp:`` stripped)."""
    try:
        term = contacts_rules.normalise_phone(
            number.removeprefix("whatsapp:"), k.settings.default_region
        )
    except InvalidField:
        return []
    digest = k.vault.blind_index("phone", term)
    with k.engine.connect() as conn:
        return sorted(
            conn.scalars(
                select(PersonIndex.person_id).where(
                    PersonIndex.field == "phone", PersonIndex.digest == digest
                )
            )
        )


@dataclass(frozen=True)
class Reply:
    """What to answer the sender: the confirmation text, or None for no answer."""

    text: str | None
    people: int


def receive(k: Kluis, channel: str, number: str, body: str, now: datetime) -> Reply:
    """A reply from ``number`` on ``channel``: an opt-out withdraws for every topic."""
    people = people_with_number(k, number)
    opt_out = text_rules.is_opt_out(body)
    confirmation: str | None = None
    for person_id in people:
        changed = opt_out and _withdraw_all(k, person_id, channel, now)
        language = _language(k, person_id)
        if changed and confirmation is None:
            confirmation = text_rules.confirmation(
                language or "nl", k.settings.organisation_name, channel
            )
        with k.engine.begin() as conn:
            audit.record(
                conn,
                PERSON.ref,
                now,
                [ReplyReceived(person_id, channel, opt_out, changed and bool(confirmation))],
            )
    return Reply(confirmation, len(people))


def _language(k: Kluis, person_id: str) -> str | None:
    with k.engine.connect() as conn:
        row = contacts_repo.fetch(conn, [person_id]).get(person_id)
    return None if row is None else str(row.language)


def _withdraw_all(k: Kluis, person_id: str, channel: str, now: datetime) -> bool:
    """Withdraw ``channel`` for every topic not withdrawn yet; whether anything changed."""
    changed = False
    for topic in catalogue.list_topics(k):
        with k.engine.connect() as conn:
            current = consent_repo.permission(conn, person_id, channel, topic.key)
        if current is not None and current.status.value == "withdrawn":
            continue
        try:
            consent.record(
                k,
                PERSON,
                person_id,
                channel,
                topic.key,
                "withdrawn",
                now,
                consent.Grant(method=WITHDRAWN_BY[channel], notice_id=None),
                captured_by="person",
            )
        except (NotFound, PersonErased):
            return changed
        changed = True
    return changed


def delivery_report(
    k: Kluis,
    channel: str,
    row_id: int,
    provider_id: str,
    provider_status: str,
    error_code: str | None,
    now: datetime,
) -> bool:
    """Record a status callback on message ``row_id``; False when no such message of this
    channel carries ``provider_id`` (a stale or forged callback changes nothing)."""
    status = text_rules.DELIVERY_STATES.get(provider_status.lower())
    if status is None:
        return False
    code = (error_code or "").strip()[:20] or None
    with k.engine.begin() as conn:
        try:
            row = repository.message(conn, row_id)
        except NotFound:
            return False
        if row.channel != channel or not provider_id or row.message_id != provider_id:
            return False
        values: dict[str, object] = {"delivery_status": status, "error_code": code}
        if status == "failed":
            values |= {
                "status": "failed",
                "error": "the provider could not deliver the message"
                + (f" (error {code})" if code else ""),
            }
        repository.set_message(conn, row_id, values)
        audit.record(
            conn,
            SYSTEM.ref,
            now,
            [DeliveryReported(row.person_id, row_id, channel, status, code)],
        )
    return True


def refused(k: Kluis, channel: str, kind: str, now: datetime) -> None:
    with k.engine.begin() as conn:
        audit.record(conn, SYSTEM.ref, now, [WebhookRefused(channel, kind)])
