"""Phone call lists: a campaign on the phone channel is not sent, it is called. Drawing its list
stores one row per person ``may_contact`` allows for the topic (with the decision's basis and
reason); opening one person's call decides again at that moment and reads their number and
names under the purpose that grounds the decision, and each outcome is stored and audited.

The list respects restriction (Art. 18), objection (Art. 21(3)), withdrawal (Art. 7(3)) and
suppression at the moment of calling, not only when it was drawn: ``open_call`` asks
``may_contact`` again and refuses, saying why, when the person may no longer be called; the
number is then not read. "Opt out" is recorded in the consent ledger as a withdrawal for the
phone channel and every topic (method ``phone``, captured by the staff member), so the next
list leaves the person out (Telecommunicatiewet 11.7, Art. 21(2)). A recording of a call in
which the person gave consent is kept as consent evidence (Art. 7(1), ``consent.evidence``),
sealed with their key. Logging a reached call as an activity is not done here: activities
stand on the same floor as messaging.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.call_events import CallListMade, CallLogged, CallOpened, CallsRead
from kluis.audit.people_events import PersonRead
from kluis.consent import catalogue, evidence
from kluis.consent import decisions as consent
from kluis.consent import ledger as consent_ledger
from kluis.consent import repository as consent_repo
from kluis.consent.evidence import Recording
from kluis.consent.rules import MessageKind
from kluis.contacts import hooks
from kluis.contacts import people as contacts
from kluis.errors import Conflict, InvalidField, KluisError, NotFound
from kluis.locale import N_
from kluis.messaging import call_rules, campaigns, repository
from kluis.messaging.call_tables import CallRow
from kluis.runtime import Kluis

log = logging.getLogger(__name__)

CHANNEL = "phone"
READ = ("phone", "given_name", "family_name")
"""What opening a call reads of a person: the number to call and the names to greet them by."""

NOT_PHONE = N_("campaign %(id)d goes by %(channel)s; only a phone campaign has a call list")
NO_CALL = N_("there is no call %(id)d")
NOT_OPENED = N_(
    "call %(id)d was not opened, or was refused when opened (%(why)s): it may not be logged"
)

HIDDEN = {"restricted": "restricted", "purpose": "not_collected", "missing": "erased"}
"""Why a person allowed by the decision could not be read, as the refusal's reason."""


@dataclass(frozen=True)
class CallItem:
    """One row of a call list: no personal values, only the person's id and the decisions."""

    id: int
    person_id: str
    basis: str
    reason: str
    outcome: str | None
    attempts: int
    refused_reason: str | None
    called_at: datetime | None
    evidence_id: int | None


@dataclass(frozen=True)
class CallList:
    campaign: campaigns.CampaignView
    made: bool
    items: list[CallItem]
    results: dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One call as opened: allowed (with the number and script) or refused (with why)."""

    item: CallItem
    campaign: campaigns.CampaignView
    allowed: bool
    basis: str
    reason: str
    purpose: str | None = None
    phone: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    language: str = "nl"
    script: str = ""


def _phone_campaign(k: Kluis, campaign_id: int) -> campaigns.CampaignView:
    view = campaigns.get_campaign(k, campaign_id)
    if view.channel != CHANNEL:
        values = {"id": campaign_id, "channel": view.channel}
        raise InvalidField(NOT_PHONE % values, field="campaign_id", msgid=NOT_PHONE, values=values)
    return view


def _item(row: Any) -> CallItem:
    return CallItem(
        row.id,
        row.person_id,
        row.basis,
        row.reason,
        row.outcome,
        row.attempts,
        row.refused_reason,
        row.called_at,
        row.evidence_id,
    )


def _rows(conn: Connection, campaign_id: int) -> list[Any]:
    return list(
        conn.execute(select(CallRow).where(CallRow.campaign_id == campaign_id).order_by(CallRow.id))
    )


def _row(conn: Connection, call_id: int) -> Any:
    row = conn.execute(select(CallRow).where(CallRow.id == call_id)).first()
    if row is None:
        raise NotFound(
            NO_CALL % {"id": call_id}, field="call_id", msgid=NO_CALL, values={"id": call_id}
        )
    return row


def make_list(
    k: Kluis, actor: Actor, campaign_id: int, now: datetime, batch: int = 1000
) -> CallList:
    """Draw the call list: everyone ``may_contact`` allows now on the phone for the topic, one
    row each (idempotent: drawing again adds only those allowed since). Refused people are
    counted by reason on the campaign, as for a sent campaign."""
    campaigns.may_send(actor)
    view = _phone_campaign(k, campaign_id)
    counts, stream = campaigns.audience_of(k, view, now, batch)
    added = 0
    for decisions in stream:
        with k.engine.begin() as conn:
            have = set(
                conn.execute(
                    select(CallRow.person_id).where(
                        CallRow.campaign_id == campaign_id,
                        CallRow.person_id.in_([p for p, _ in decisions]),
                    )
                ).scalars()
            )
            rows = [
                {
                    "campaign_id": campaign_id,
                    "person_id": person_id,
                    "basis": decision.basis.value,
                    "reason": decision.reason.value,
                    "evidence_event_id": decision.evidence_event_id,
                    "attempts": 0,
                    "created_at": now,
                }
                for person_id, decision in decisions
                if person_id not in have
            ]
            if rows:
                conn.execute(insert(CallRow), rows)
            added += len(rows)
    with k.engine.begin() as conn:
        total = conn.execute(
            select(func.count()).select_from(CallRow).where(CallRow.campaign_id == campaign_id)
        ).scalar_one()
        repository.set_campaign(
            conn,
            campaign_id,
            refused=counts.refused,
            status="sending",
            started_at=view.started_at or now,
        )
        audit.record(conn, actor.ref, now, [CallListMade(campaign_id, int(total))])
    return call_list(k, actor, campaign_id)


def call_list(k: Kluis, actor: Actor, campaign_id: int) -> CallList:
    """The campaign's call list (no personal values) and its results so far."""
    campaigns.may_send(actor)
    view = _phone_campaign(k, campaign_id)
    with k.engine.connect() as conn:
        rows = _rows(conn, campaign_id)
    items = [_item(row) for row in rows]
    return CallList(view, view.status != "draft", items, results_of(items, view.refused))


def results_of(items: list[CallItem], refused_when_drawn: Mapping[str, int]) -> dict[str, Any]:
    """Called, reached, no answer, call back, not interested, opted out; refused by reason,
    both when the list was drawn and when a call was opened."""
    found = call_rules.results([(i.outcome, i.refused_reason) for i in items])
    found["refused_when_drawn"] = dict(refused_when_drawn)
    return found


def open_call(k: Kluis, actor: Actor, call_id: int, now: datetime) -> Call:
    """Open one call: decide again now (audited), and if the person may still be called, read
    their number and names under the decision's purpose (audited as a read); otherwise store
    and return the refusal, reading nothing."""
    campaigns.may_send(actor)
    with k.engine.connect() as conn:
        row = _row(conn, call_id)
    view = campaigns.get_campaign(k, row.campaign_id)
    decision = consent.decide(
        k, actor, row.person_id, CHANNEL, MessageKind.COMMERCIAL.value, view.topic, now
    )
    allowed, reason = decision.allowed, decision.reason.value
    person: contacts.PersonView | None = None
    with k.engine.begin() as conn:
        if allowed:
            assert decision.purpose is not None  # every allowed decision names its purpose
            purpose = contacts.purpose_for(conn, actor, decision.purpose)
            seen, hidden = contacts.views_of(k, conn, purpose, [row.person_id])
            if seen:
                person = seen[0]
            else:
                allowed, reason = False, HIDDEN[hidden.get(row.person_id, "missing")]
        events: list[Any] = [CallOpened(row.person_id, call_id, row.campaign_id, allowed, reason)]
        if person is not None:
            read = tuple(sorted(n for n in person.fields if n in READ))
            events.append(PersonRead(row.person_id, person.purpose, read, "call"))
        conn.execute(
            update(CallRow)
            .where(CallRow.id == call_id)
            .values(
                refused_reason=None if allowed else reason,
                purpose_key=person.purpose if person is not None else row.purpose_key,
            )
        )
        audit.record(conn, actor.ref, now, events)
        row = _row(conn, call_id)
    if person is None:
        return Call(_item(row), view, False, decision.basis.value, reason)
    language, script = call_rules.pick_script(view.body, person.language)
    fields = person.fields

    def text(name: str) -> str | None:
        value = fields.get(name)
        return value if isinstance(value, str) and value else None

    return Call(
        _item(row),
        view,
        True,
        decision.basis.value,
        reason,
        person.purpose,
        text("phone"),
        text("given_name"),
        text("family_name"),
        language,
        script,
    )


def log_outcome(
    k: Kluis,
    actor: Actor,
    call_id: int,
    outcome: str,
    now: datetime,
    recording: Recording | None = None,
) -> CallItem:
    """Store a call's outcome (audited). "opt_out" withdraws the phone channel for every
    topic in the consent ledger (method ``phone``, captured by ``actor``); a recording is kept
    as consent evidence under the purpose the number was read under. A call refused when it
    was opened cannot be logged: it was not to be made."""
    campaigns.may_send(actor)
    call_rules.check_outcome(outcome)
    with k.engine.connect() as conn:
        row = _row(conn, call_id)
    if row.refused_reason is not None or row.purpose_key is None:
        values = {"id": call_id, "why": row.refused_reason or "not opened"}
        raise Conflict(NOT_OPENED % values, field="call_id", msgid=NOT_OPENED, values=values)
    evidence_id = row.evidence_id
    if recording is not None:
        evidence_id = evidence.add_evidence(
            k,
            actor,
            row.person_id,
            row.purpose_key,
            recording.content_type,
            recording.data,
            now,
            recording.filename,
        )
    withdrawal = row.withdrawal_event_id
    if outcome == "opt_out":
        withdrawal = _withdraw_phone(k, actor, row.person_id, now) or withdrawal
    with k.engine.begin() as conn:
        conn.execute(
            update(CallRow)
            .where(CallRow.id == call_id)
            .values(
                outcome=outcome,
                attempts=CallRow.attempts + 1,
                called_at=now,
                called_by=actor.ref,
                evidence_id=evidence_id,
                withdrawal_event_id=withdrawal,
            )
        )
        audit.record(
            conn,
            actor.ref,
            now,
            [CallLogged(row.person_id, call_id, row.campaign_id, outcome, evidence_id)],
        )
        logged = _item(_row(conn, call_id))
    if outcome in call_rules.SPOKEN:
        view = campaigns.get_campaign(k, row.campaign_id)
        moment = hooks.ContactMoment(
            row.person_id, row.purpose_key, "call", view.name, outcome, now, f"call:{call_id}"
        )
        try:
            hooks.contact_moment(k, actor, moment, now)
        except KluisError as exc:  # the outcome stands; the timeline lacks the moment
            log.warning("call %s: its activity was not logged (%s)", call_id, exc.slug)
    return logged


def _withdraw_phone(k: Kluis, actor: Actor, person_id: str, now: datetime) -> int | None:
    """Withdraw the phone channel for every topic not withdrawn yet (each audited by the
    ledger); the first event's id, or None when nothing changed."""
    first: int | None = None
    for topic in catalogue.list_topics(k):
        with k.engine.connect() as conn:
            current = consent_repo.permission(conn, person_id, CHANNEL, topic.key)
        if current is not None and current.status.value == "withdrawn":
            continue
        event_id = consent_ledger.record(
            k,
            actor,
            person_id,
            CHANNEL,
            topic.key,
            "withdrawn",
            now,
            consent_ledger.Grant(method="phone", notice_id=None),
        )
        first = first if first is not None else event_id
    return first


def calls_of_person(
    k: Kluis, actor: Actor, person_id: str, purpose_key: str, now: datetime
) -> list[dict[str, Any]]:
    """A person's calls for their access package (Art. 15): campaign, decision and outcome,
    read under ``purpose_key`` (``contacts.reach``) and audited."""
    with k.engine.begin() as conn:
        return calls_of_person_in(k, conn, actor, person_id, purpose_key, now)


def calls_of_person_in(
    k: Kluis, conn: Connection, actor: Actor, person_id: str, purpose_key: str, now: datetime
) -> list[dict[str, Any]]:
    """``calls_of_person`` in the caller's transaction, which records the read."""
    purpose = contacts.reach(k, conn, actor, person_id, purpose_key)
    rows = list(
        conn.execute(select(CallRow).where(CallRow.person_id == person_id).order_by(CallRow.id))
    )
    audit.record(conn, actor.ref, now, [CallsRead(person_id, purpose.key, len(rows))])
    return [
        {
            "campaign_id": row.campaign_id,
            "basis": row.basis,
            "reason": row.reason,
            "outcome": row.outcome,
            "attempts": row.attempts,
            "called_at": row.called_at.isoformat() if row.called_at else None,
            "refused_reason": row.refused_reason,
            "evidence_id": row.evidence_id,
        }
        for row in rows
    ]


def campaign_of(k: Kluis, call_id: int) -> int:
    with k.engine.connect() as conn:
        return int(_row(conn, call_id).campaign_id)
