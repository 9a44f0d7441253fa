"""The consent ledger: recording events with evidence, objections and restrictions, the kept
permission state, decisions (``may_contact``) and audiences.

Each event updates the kept state in the same transaction, by folding that channel and topic's
events with the same ``rules.fold`` a rebuild uses (so an event recorded with an earlier time,
such as a paper form entered late, lands in its place), and is audited there (DESIGN.md
invariants 4 and 5).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from kluis.actors import ALL_PURPOSES_ROLES, SYSTEM, Actor, Role
from kluis.audit import service as audit
from kluis.audit.events import (
    AuditEvent,
    ConsentLedgerRead,
    ConsentRecorded,
    DecisionMade,
    EvidenceAdded,
    EvidenceRead,
    FlagChanged,
    PermissionsRead,
    SuppressionAdded,
)
from kluis.consent import repository, rules
from kluis.consent.catalogue import (
    ConsentRefused,
    _topic,
    check_notice,
    grounds,
    parse_channel,
    parse_kind,
    soft_opt_in_channels,
)
from kluis.consent.rules import Action, Channel, Decision, Facts, Permission
from kluis.contacts import repository as contacts_repo
from kluis.contacts import service as contacts
from kluis.errors import InvalidField, NotFound, PermissionDenied, PersonErased
from kluis.runtime import Kluis
from kluis.vault.service import SUPPRESSION_KINDS

WITHDRAWAL_METHODS = (
    "unsubscribe_link",
    "preference_centre",
    "phone",
    "email",
    "in_person",
    "letter",
)
"""How a withdrawal or opt-out may arrive; withdrawing must be as easy as granting (Art. 7(3))."""

FLAG_METHODS = ("phone", "email", "letter", "in_person", "web_form", "privacy_request")

MARKETING_ROLES = frozenset(
    {Role.ADMIN, Role.PRIVACY_OFFICER, Role.MARKETING, Role.SALES, Role.SERVICE}
)


def _person(k: Kluis, conn: Connection, person_id: str) -> str:
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
            method = rules.check_grant(
                grant.method,
                grant.notice_id,
                pre_ticked=grant.pre_ticked,
                implied=grant.implied,
                imported_without_proof=grant.imported_without_proof,
            ).value
        except rules.ConsentRefused as exc:
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
        _person(k, conn, person_id)
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


def set_flag(
    k: Kluis,
    actor: Actor,
    person_id: str,
    flag: str,
    active: bool,
    method: str,
    now: datetime,
) -> None:
    """Record or lift an objection to direct marketing (Art. 21(3)) or a restriction (Art. 18),
    with who, when and how. An objection stops every commercial message at once, and puts the
    person's e-mail address and phone number on the suppression list, so that a later import
    or form does not add them to marketing again. Lifting the objection leaves the list as it
    is: only the person signing up again themselves takes an address off it."""
    if flag not in ("objection", "restriction"):
        raise InvalidField("flag is objection or restriction", field="flag")
    if method not in FLAG_METHODS:
        raise InvalidField(f"method is not one of {', '.join(FLAG_METHODS)}", field="method")
    if flag == "restriction" and actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may restrict or lift it")
    if flag == "objection" and not active and actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may lift an objection")
    with k.engine.begin() as conn:
        _person(k, conn, person_id)
        repository.insert_flag_event(
            conn,
            {
                "person_id": person_id,
                "flag": flag,
                "active": active,
                "method": method,
                "captured_by": actor.ref,
                "captured_at": now,
            },
        )
        repository.set_flag(conn, person_id, flag, active)
        events: list[AuditEvent] = [FlagChanged(person_id, flag, active, method)]
        if flag == "objection" and active:
            digests = contacts.contact_digests(k, conn, person_id)
            # listed before this transaction commits: a failure later leaves the address
            # suppressed without the objection, never the objection without the suppression
            if k.vault.suppress(digests, "objected", now):
                kinds = tuple(sorted({kind for kind, _ in digests}))
                events.append(SuppressionAdded(person_id, kinds, "objected"))
        audit.record(conn, actor.ref, now, events)


def relist_objections(k: Kluis, now: datetime, *, page: int = 1000) -> int:
    """Put on the suppression list every e-mail address and phone number held for a person who
    objected to direct marketing (Art. 21(3)) that is not on it yet; returns how many people had
    one. ``set_flag`` lists what a person has when they object and ``contacts.store_fields``
    what they are given later; this catches what neither saw (people who got an address after
    objecting before that rule existed, or a rectification racing an objection on PostgreSQL).
    The scheduled jobs run it every round, so the list is never behind for long."""
    relisted = 0
    after = ""
    while True:
        with k.engine.connect() as conn:
            ids = repository.objected_after(conn, after, page)
            if not ids:
                return relisted
            held = contacts_repo.index_digests_of(conn, ids, SUPPRESSION_KINDS)
        after = ids[-1]
        listed = k.vault.suppressed(digest for _, _, digest in held)
        missing: dict[str, list[tuple[str, bytes]]] = {}
        for person_id, kind, digest in held:
            if digest not in listed:
                missing.setdefault(person_id, []).append((kind, digest))
        if not missing:
            continue
        # listed first, then audited: a failure between leaves the list ahead, never behind
        k.vault.suppress(
            [entry for entries in missing.values() for entry in entries], "objected", now
        )
        with k.engine.begin() as conn:
            audit.record(
                conn,
                SYSTEM.ref,
                now,
                [
                    SuppressionAdded(
                        person_id, tuple(sorted({kind for kind, _ in entries})), "objected"
                    )
                    for person_id, entries in missing.items()
                ],
            )
        relisted += len(missing)


def facts(k: Kluis, conn: Connection, person_id: str, channel: Channel, topic: str) -> Facts:
    relationship = repository.relationship(conn, person_id)
    if relationship is None:
        if k.vault.erased([person_id]):
            return Facts(True, False, False, "", None, frozenset(), False)
        raise NotFound(f"there is no person {person_id}", field="id")
    objected, restricted = repository.flags(conn, person_id)
    purposes, reachable = repository.reach(conn, person_id, channel)
    return Facts(
        erased=False,
        restricted=restricted,
        objected=objected,
        relationship=relationship,
        permission=repository.permission(conn, person_id, channel.value, topic),
        purposes=purposes,
        reachable=reachable,
    )


def decide(
    k: Kluis,
    actor: Actor,
    person_id: str,
    channel: str,
    kind: str,
    topic: str,
    now: datetime,
    *,
    as_of: datetime | None = None,
) -> Decision:
    """``may_contact`` for one person, audited with its basis and evidence. ``as_of`` applies
    the rule at another moment to the state kept now (to see when a consent lapses); the audit
    entry is still dated ``now`` and names that moment."""
    chan, message_kind = parse_channel(channel), parse_kind(kind)
    with k.engine.begin() as conn:
        _topic(conn, topic)
        decision = rules.may_contact(
            facts(k, conn, person_id, chan, topic),
            chan,
            message_kind,
            now if as_of is None else as_of,
            soft_opt_in_channels(k),
            grounds(k),
        )
        audit.record(
            conn,
            actor.ref,
            now,
            [
                DecisionMade(
                    person_id,
                    chan.value,
                    message_kind.value,
                    topic,
                    decision.allowed,
                    decision.basis.value,
                    decision.reason.value,
                    decision.evidence_event_id,
                    None if as_of is None else as_of.isoformat(),
                )
            ],
        )
    return decision


@dataclass(frozen=True)
class PermissionView:
    channel: str
    topic: str
    status: str | None
    since: datetime | None
    reconfirm_by: datetime | None
    decision: Decision


def permissions(
    k: Kluis,
    actor: Actor,
    person_id: str,
    purpose_key: str,
    now: datetime,
    *,
    as_of: datetime | None = None,
) -> list[PermissionView]:
    """For every channel and topic: the kept state and what a commercial message would get,
    read under ``purpose_key`` as any read of the person is (``contacts.reach``) and audited.
    ``as_of`` judges the state kept now at another moment; the audit entry is dated ``now``."""
    with k.engine.begin() as conn:
        purpose = contacts.reach(k, conn, actor, person_id, purpose_key)
        views = _permission_views(k, conn, person_id, now if as_of is None else as_of)
        audit.record(conn, actor.ref, now, [PermissionsRead(person_id, purpose.key)])
    return views


def own_permissions(k: Kluis, person_id: str, now: datetime) -> list[PermissionView]:
    """``permissions`` for the person themselves, on the preference centre their signed link
    opens: their own choices need no purpose of ours (Art. 7(3), 21(2)). Staff reads go
    through ``permissions``."""
    with k.engine.connect() as conn:
        return _permission_views(k, conn, person_id, now)


def _permission_views(
    k: Kluis, conn: Connection, person_id: str, now: datetime
) -> list[PermissionView]:
    soft, held_for = soft_opt_in_channels(k), grounds(k)
    relationship = _person(k, conn, person_id)
    objected, restricted = repository.flags(conn, person_id)
    kept = repository.permissions_of(conn, person_id)
    topics = [t.key for t in repository.topics(conn)]
    reach = {chan: repository.reach(conn, person_id, chan) for chan in Channel}
    views = []
    for chan in Channel:
        purposes, reachable = reach[chan]
        for topic in topics:
            state = kept.get((chan, topic))
            decision = rules.may_contact(
                Facts(False, restricted, objected, relationship, state, purposes, reachable),
                chan,
                rules.MessageKind.COMMERCIAL,
                now,
                soft,
                held_for,
            )
            views.append(
                PermissionView(
                    chan.value,
                    topic,
                    None if state is None else state.status.value,
                    None if state is None else state.since,
                    None if state is None else state.reconfirm_by,
                    decision,
                )
            )
    return views


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
    disclose = actor.role in ALL_PURPOSES_ROLES
    with k.engine.begin() as conn:
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
            for f in repository.flag_events_of(conn, person_id)
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


def add_evidence(
    k: Kluis,
    actor: Actor,
    person_id: str,
    purpose_key: str,
    content_type: str,
    data: bytes,
    now: datetime,
    filename: str | None = None,
) -> int:
    """Store a recording, scan or e-mail as evidence, sealed with the person's key so that their
    erasure makes it unreadable too; returns its id to cite in a consent event. Only under a
    purpose the actor may process the person under (``contacts.reach``): evidence is data about
    them, and storing it is processing (Art. 4(2))."""
    try:
        kind = rules.check_evidence(content_type, data, k.settings.evidence_max_bytes)
    except ValueError as exc:
        raise InvalidField(str(exc), field="evidence") from None
    with k.engine.begin() as conn:
        purpose = contacts.reach(k, conn, actor, person_id, purpose_key)
        cipher = k.vault.cipher(person_id)
        evidence_id = repository.insert_evidence(
            conn,
            {
                "person_id": person_id,
                "content_type": kind,
                "size": len(data),
                "filename": cipher.seal("evidence.filename", filename) if filename else None,
                "data": b"",
                "captured_by": actor.ref,
                "created_at": now,
            },
        )
        from sqlalchemy import update

        from kluis.consent.tables import Evidence

        conn.execute(
            update(Evidence)
            .where(Evidence.id == evidence_id)
            .values(data=cipher.seal_bytes(f"evidence.{evidence_id}", data))
        )
        audit.record(
            conn,
            actor.ref,
            now,
            [EvidenceAdded(person_id, purpose.key, evidence_id, kind, len(data))],
        )
    return evidence_id


@dataclass(frozen=True)
class EvidenceFile:
    id: int
    person_id: str
    content_type: str
    filename: str | None
    data: bytes


def get_evidence(k: Kluis, actor: Actor, evidence_id: int, now: datetime) -> EvidenceFile:
    """The evidence file, for admins and privacy officers (it proves consent to a regulator);
    the read is audited."""
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may open consent evidence")
    with k.engine.begin() as conn:
        row = repository.evidence(conn, evidence_id)
        if row is None:
            raise NotFound(f"there is no evidence {evidence_id}", field="evidence")
        cipher = k.vault.cipher(row.person_id)
        data = cipher.open_bytes(f"evidence.{evidence_id}", row.data)
        name = cipher.open("evidence.filename", row.filename) if row.filename else None
        audit.record(conn, actor.ref, now, [EvidenceRead(row.person_id, evidence_id)])
    return EvidenceFile(evidence_id, row.person_id, row.content_type, name, data)


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


@dataclass(frozen=True)
class AudienceCounts:
    channel: str
    topic: str
    allowed: int
    refused: dict[str, int]


def audience_counts(k: Kluis, channel: str, topic: str, now: datetime) -> AudienceCounts:
    """Who a commercial message on (channel, topic) may reach now, and how many are refused for
    each reason (``not_collected`` and ``no_address`` included), in one grouped query."""
    chan = parse_channel(channel)
    soft = chan in soft_opt_in_channels(k)
    with k.engine.connect() as conn:
        _topic(conn, topic)
        reasons = repository.audience_reasons(conn, chan.value, topic, now, soft, grounds(k))
    allowed = reasons.pop("consent", 0) + reasons.pop("soft_opt_in", 0)
    return AudienceCounts(chan.value, topic, allowed, reasons)


def audience_count(k: Kluis, channel: str, topic: str, now: datetime) -> int:
    chan = parse_channel(channel)
    with k.engine.connect() as conn:
        _topic(conn, topic)
        return repository.audience_count(
            conn, chan.value, topic, now, chan in soft_opt_in_channels(k), grounds(k)
        )


def audience(
    k: Kluis, channel: str, topic: str, now: datetime, batch: int = 1000
) -> Iterator[list[tuple[str, Decision]]]:
    """The audience of a commercial message in batches of (person id, decision), streamed;
    each decision names the purpose the address is read under."""
    chan = parse_channel(channel)
    soft = chan in soft_opt_in_channels(k)
    with k.engine.connect() as conn:
        _topic(conn, topic)
    yield from repository.audience_ids(k.engine, chan.value, topic, now, soft, grounds(k), batch)
