"""``may_contact`` for a page of people at once, in the caller's transaction.

A campaign decides each person again when their turn comes (Art. 7(3), 21(3): someone who
withdrew or objected after the campaign was queued is refused). ``decisions.decide`` does that
for one person in a transaction of its own, with five queries and an audit write; a campaign
asks it for a page of people about to be sent to, so the facts of the whole page are read with
one query per kind of fact and put through the same ``rules.may_contact``. The caller records
the ``decided`` events (one per person, as ``decide`` would) in the transaction it reads them in,
together with whatever else it audits for the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, select

from kluis.consent import rules
from kluis.consent.catalogue import _topic, grounds, parse_channel, parse_kind, soft_opt_in_channels
from kluis.consent.repository import _permission
from kluis.consent.rules import CHANNEL_FIELDS, Decision, Facts, Permission
from kluis.consent.tables import PermissionRow
from kluis.contacts import repository as contacts_repo
from kluis.contacts.tables import people
from kluis.runtime import Kluis

_CHUNK = 500


def _permissions(
    conn: Connection, ids: Sequence[str], channel: str, topic: str
) -> dict[str, Permission]:
    found: dict[str, Permission] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for row in conn.execute(
            select(PermissionRow).where(
                PermissionRow.person_id.in_(chunk),
                PermissionRow.channel == channel,
                PermissionRow.topic == topic,
            )
        ):
            found[row.person_id] = _permission(row)
    return found


def facts_of(
    k: Kluis, conn: Connection, ids: Sequence[str], channel: rules.Channel, topic: str
) -> dict[str, Facts]:
    """What ``may_contact`` needs of each of ``ids`` (``decisions.facts`` for many). A person
    who is gone counts as erased, whether the erasure left a tombstone or not: nothing is sent
    to someone who is no longer on file."""
    address = people.c[CHANNEL_FIELDS[channel]]
    found: dict[str, tuple[str, bool]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for person_id, relationship, reachable in conn.execute(
            select(people.c.id, people.c.relationship, address.is_not(None)).where(
                people.c.id.in_(chunk)
            )
        ):
            found[person_id] = (relationship, bool(reachable))
    present = list(found)
    objected = contacts_repo.objected(conn, present)
    restricted = contacts_repo.restricted(conn, present)
    held = contacts_repo.purposes_of(conn, present)
    permissions = _permissions(conn, present, channel.value, topic)
    gone = Facts(True, False, False, "", None, frozenset(), False)
    facts: dict[str, Facts] = {}
    for person_id in ids:
        if person_id not in found:
            facts[person_id] = gone
            continue
        relationship, reachable = found[person_id]
        facts[person_id] = Facts(
            erased=False,
            restricted=person_id in restricted,
            objected=person_id in objected,
            relationship=relationship,
            permission=permissions.get(person_id),
            purposes=frozenset(held[person_id]),
            reachable=reachable,
        )
    return facts


def decide_page(
    k: Kluis,
    conn: Connection,
    ids: Sequence[str],
    channel: str,
    kind: str,
    topic: str,
    now: datetime,
) -> dict[str, Decision]:
    """``may_contact`` at ``now`` for each of ``ids``; the caller audits each decision
    (``DecisionMade``) in ``conn``'s transaction."""
    chan, message_kind = parse_channel(channel), parse_kind(kind)
    _topic(conn, topic)
    soft, basis = soft_opt_in_channels(k), grounds(k)
    return {
        person_id: rules.may_contact(fact, chan, message_kind, now, soft, basis)
        for person_id, fact in facts_of(k, conn, ids, chan, topic).items()
    }
