"""The consent ledger: grants, withdrawals and re-confirmations (Art. 7), and the kept state.

Each event updates the kept state in the same transaction, by folding that channel and topic's
events with the same ``rules.fold`` a rebuild uses (so an event recorded with an earlier time,
such as a paper form entered late, lands in its place), and is audited there (DESIGN.md
invariants 4 and 5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.audit import service as audit
from kluis.audit.consent_events import ConsentLedgerRead, ConsentRecorded
from kluis.consent import grant_rules, repository, rules
from kluis.consent.catalogue import (
    ConsentRefused,
    _topic,
    check_notice,
    parse_channel,
)
from kluis.consent.rules import Action, Channel, Permission
from kluis.contacts import people as contacts
from kluis.contacts import repository as contacts_repo
from kluis.errors import InvalidField, NotFound, PersonErased
from kluis.runtime import Kluis

WITHDRAWAL_METHODS = (
    "unsubscribe_link",
    "preference_centre",
    "phone",
    "email",
    "in_person",
    "letter",
    "sms_reply",
    "whatsapp_reply",
)
"""How a withdrawal or opt-out may arrive; withdrawing must be as easy as granting (Art. 7(3))."""


def person_relationship(k: Kluis, conn: Connection, person_id: str) -> str:
    """The person's relationship; PersonErased or NotFound when they are not there."""
    relationship = repository.relationship(conn, person_id)
    if relationship is None:
        if k.vault.erased([person_id]):
            raise PersonErased(f"person {person_id} was erased; nothing can be recorded for them")
        raise NotFound(f"there is no person {person_id}", field="id")
    return relationship


@dataclass(frozen=True)
class Grant:
    """What a staff member or a form says about how consent was given."""

    method: str | None
    notice_id: int | None
    evidence_id: int | None = None
    source_ip: str | None = None
    user_agent: str | None = None
    pre_ticked: bool = False
    implied: bool = False
    imported_without_proof: bool = False


def record(
    k: Kluis,
    actor: Actor,
    person_id: str,
    channel: str,
    topic: str,
    action: str,
    now: datetime,
    grant: Grant | None = None,
    *,
    captured_by: str | None = None,
) -> int:
    """Append one event to the ledger and update the kept state; returns the event id.

    ``captured_by`` is ``person`` when the person acted themselves (a web form, an unsubscribe
    link), else the actor. Grants without method and notice, or pre-ticked, implied or imported
    without proof, are refused (Recital 32, Art. 7(1)), and so is any event citing a notice
    that does not ask for its channel and topic (Art. 4(11): consent is specific).
    """
    chan = parse_channel(channel)
    try:
        act = Action(action)
    except ValueError:
        choices = ", ".join(a.value for a in Action)
        raise InvalidField(f"action is not one of {choices}", field="action") from None
    grant = grant or Grant(method=None, notice_id=None)
    method: str | None = grant.method
    if act is Action.GRANTED:
        try:
            method = grant_rules.check_grant(
                grant.method,
                grant.notice_id,
                pre_ticked=grant.pre_ticked,
                implied=grant.implied,
                imported_without_proof=grant.imported_without_proof,
            ).value
        except grant_rules.ConsentRefused as exc:
            raise ConsentRefused(str(exc), field=exc.field) from None
    elif (
        act is Action.WITHDRAWN
        and method is not None
        and method
        not in (
            *WITHDRAWAL_METHODS,
            *(m.value for m in rules.Method),
        )
    ):
        raise InvalidField(
            "method is not a way of withdrawing; use one of " + ", ".join(WITHDRAWAL_METHODS),
            field="method",
        )
    with k.engine.begin() as conn:
        person_relationship(k, conn, person_id)
        topic_row = _topic(conn, topic)
        if grant.notice_id is not None:
            check_notice(conn, grant.notice_id, chan.value, topic)
        if grant.evidence_id is not None:
            found = repository.evidence(conn, grant.evidence_id)
            if found is None or found.person_id != person_id:
                raise InvalidField(
                    f"evidence {grant.evidence_id} does not belong to this person", field="evidence"
                )
        current = repository.permission(conn, person_id, chan.value, topic)
        if act is Action.RECONFIRMED and not rules.live(current, now):
            raise InvalidField(
                "only a live consent can be re-confirmed; a withdrawn or lapsed one needs a new "
                "grant",
                field="action",
            )
        reconfirm_by = (
            rules.add_months(now, topic_row.reconfirm_months)
            if act in (Action.GRANTED, Action.RECONFIRMED)
            else None
        )
        cipher = k.vault.cipher(person_id)
        event_id = repository.insert_event(
            conn,
            {
                "person_id": person_id,
                "channel": chan.value,
                "topic": topic,
                "action": act.value,
                "method": method,
                "notice_id": grant.notice_id,
                "evidence_id": grant.evidence_id,
                "captured_by": captured_by or actor.ref,
                "captured_at": now,
                "source_ip": cipher.seal("consent.source_ip", grant.source_ip)
                if grant.source_ip
                else None,
                "user_agent": cipher.seal("consent.user_agent", grant.user_agent)
                if grant.user_agent
                else None,
                "reconfirm_by": reconfirm_by,
            },
        )
        folded = rules.fold(
            repository.as_event(r) for r in repository.events_of(conn, person_id, chan.value, topic)
        )
        after = folded.get((chan, topic))
        if after is not None:
            repository.put_permission(conn, person_id, chan.value, topic, after)
        audit.record(
            conn,
            actor.ref,
            now,
            [ConsentRecorded(person_id, event_id, chan.value, topic, act.value, method)],
        )
    return event_id


@dataclass(frozen=True)
class LedgerEntry:
    id: int
    channel: str
    topic: str
    action: str
    method: str | None
    notice_id: int | None
    evidence_id: int | None
    captured_by: str
    captured_at: datetime
    reconfirm_by: datetime | None
    source_ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class FlagEntry:
    flag: str
    active: bool
    method: str
    captured_by: str
    captured_at: datetime


@dataclass(frozen=True)
class Ledger:
    person_id: str
    events: list[LedgerEntry]
    flags: list[FlagEntry]
    evidence: list[dict[str, Any]] = field(default_factory=list)


def ledger(k: Kluis, actor: Actor, person_id: str, purpose_key: str, now: datetime) -> Ledger:
    """Every consent event, objection and restriction of a person, oldest first, with the
    evidence they cite, read under ``purpose_key`` as any read of the person is
    (``contacts.reach``). The web-form IP address and user agent are personal data: they are
    opened only for admins and privacy officers. The read is audited under the purpose."""
    with k.engine.begin() as conn:
        return ledger_in(k, conn, actor, person_id, purpose_key, now)


def ledger_in(
    k: Kluis, conn: Connection, actor: Actor, person_id: str, purpose_key: str, now: datetime
) -> Ledger:
    """``ledger`` in the caller's transaction, which records the read (a page reading the
    person from several slices commits once)."""
    disclose = actor.role in ALL_PURPOSES_ROLES
    purpose = contacts.reach(k, conn, actor, person_id, purpose_key)
    cipher = k.vault.cipher(person_id)
    events = []
    for r in repository.events_of(conn, person_id):
        ip = agent = None
        if disclose:
            ip = cipher.open("consent.source_ip", r.source_ip) if r.source_ip else None
            agent = cipher.open("consent.user_agent", r.user_agent) if r.user_agent else None
        events.append(
            LedgerEntry(
                r.id,
                r.channel,
                r.topic,
                r.action,
                r.method,
                r.notice_id,
                r.evidence_id,
                r.captured_by,
                r.captured_at,
                r.reconfirm_by,
                ip,
                agent,
            )
        )
    flags = [
        FlagEntry(f.flag, bool(f.active), f.method, f.captured_by, f.captured_at)
        for f in contacts_repo.flag_events_of(conn, person_id)
    ]
    evidence = [
        {
            "id": e.id,
            "content_type": e.content_type,
            "size": e.size,
            "captured_by": e.captured_by,
            "created_at": e.created_at,
            "cited_by": [x.id for x in events if x.evidence_id == e.id],
        }
        for e in repository.evidence_of(conn, person_id)
    ]
    audit.record(conn, actor.ref, now, [ConsentLedgerRead(person_id, purpose.key, len(events))])
    return Ledger(person_id, events, flags, evidence)


def rebuild(k: Kluis, person_id: str) -> dict[tuple[Channel, str], Permission]:
    """The permission state folded afresh from the ledger (and written back as the kept one)."""
    with k.engine.begin() as conn:
        state = rules.fold(repository.as_event(r) for r in repository.events_of(conn, person_id))
        repository.replace_permissions(conn, person_id, state)
    return state


def kept_state(k: Kluis, person_id: str) -> dict[tuple[Channel, str], Permission]:
    with k.engine.connect() as conn:
        return repository.permissions_of(conn, person_id)


def folded_state(k: Kluis, person_id: str) -> dict[tuple[Channel, str], Permission]:
    with k.engine.connect() as conn:
        return rules.fold(repository.as_event(r) for r in repository.events_of(conn, person_id))
