"""Decisions on consent: may this person be contacted (``may_contact``), their permissions as a
person or staff member sees them, and audiences (who may receive a commercial message).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from kluis.actors import Actor, Role
from kluis.audit import service as audit
from kluis.audit.consent_events import DecisionMade, PermissionsRead
from kluis.consent import audience_counts as kept_counts
from kluis.consent import audience_repository, repository, rules
from kluis.consent.catalogue import (
    _topic,
    grounds,
    parse_channel,
    parse_kind,
    soft_opt_in_channels,
)
from kluis.consent.ledger import person_relationship
from kluis.consent.rules import Channel, Decision, Facts
from kluis.contacts import people as contacts
from kluis.contacts import repository as contacts_repo
from kluis.errors import NotFound
from kluis.runtime import Kluis

MARKETING_ROLES = frozenset(
    {Role.ADMIN, Role.PRIVACY_OFFICER, Role.MARKETING, Role.SALES, Role.SERVICE}
)


def facts(k: Kluis, conn: Connection, person_id: str, channel: Channel, topic: str) -> Facts:
    relationship = repository.relationship(conn, person_id)
    if relationship is None:
        if k.vault.erased([person_id]):
            return Facts(True, False, False, "", None, frozenset(), False)
        raise NotFound(f"there is no person {person_id}", field="id")
    objected, restricted = contacts_repo.flags(conn, person_id)
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
        return permissions_in(k, conn, actor, person_id, purpose_key, now, as_of=as_of)


def permissions_in(
    k: Kluis,
    conn: Connection,
    actor: Actor,
    person_id: str,
    purpose_key: str,
    now: datetime,
    *,
    as_of: datetime | None = None,
) -> list[PermissionView]:
    """``permissions`` in the caller's transaction, which records the read."""
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
    relationship = person_relationship(k, conn, person_id)
    objected, restricted = contacts_repo.flags(conn, person_id)
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
        reasons = audience_repository.audience_reasons(
            conn, chan.value, topic, now, soft, grounds(k)
        )
    allowed = reasons.pop("consent", 0) + reasons.pop("soft_opt_in", 0)
    return AudienceCounts(chan.value, topic, allowed, reasons)


def audience_count(k: Kluis, channel: str, topic: str, now: datetime) -> int:
    chan = parse_channel(channel)
    with k.engine.connect() as conn:
        _topic(conn, topic)
        return audience_repository.audience_count(
            conn, chan.value, topic, now, chan in soft_opt_in_channels(k), grounds(k)
        )


def recount_audience(k: Kluis) -> int:
    """Rebuild the kept audience counts from the rows they count (``audience_counts.recount``);
    returns how many were wrong. Only needed when their triggers were missing (a table rebuilt
    around Kluis): counts of people, not personal data, so nothing is audited."""
    with k.engine.begin() as conn:
        return kept_counts.recount(conn)


def audience(
    k: Kluis, channel: str, topic: str, now: datetime, batch: int = 1000
) -> Iterator[list[tuple[str, Decision]]]:
    """The audience of a commercial message in batches of (person id, decision), streamed;
    each decision names the purpose the address is read under."""
    chan = parse_channel(channel)
    soft = chan in soft_opt_in_channels(k)
    with k.engine.connect() as conn:
        _topic(conn, topic)
    yield from audience_repository.audience_ids(
        k.engine, chan.value, topic, now, soft, grounds(k), batch
    )
