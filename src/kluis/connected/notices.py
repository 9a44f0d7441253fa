"""Making the notices (Art. 19): every connected system of the person's purposes is told of an
erasure, a rectification (the changed field names), a restriction or its lifting, an objection
and a consent withdrawal.

Two entrances, so that no path is skipped. Every change but the erasure is audited in the
transaction that makes it, so ``observe`` (an ``audit.observers`` observer) reads the events as
they are recorded and queues the notices in that same transaction: the API, the pages, the
commands, an import, the retention sweep and a privacy request all pass through it. An erasure
destroys the key before its audit event is written, and the notice must name the person by the
system's identifier, which is sealed with that key; so ``before_erasure`` (a
``contacts.hooks`` hook, run by the one erasure path before any key goes) opens each
identifier and seals it under the notice key (``sealing``), kept until the system confirms.
The queue's job rows carry no argument at all: the delivery job reads the due notices.

A notice goes to a system that knows the person (an identifier is linked) or to a manual step
(staff find the person in the system themselves); a webhook or mailbox that has no identifier
for the person is not told, since naming them would send it more than it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from kluis.audit import service as audit
from kluis.audit.connected_events import IdentityRead, NoticeQueued
from kluis.audit.events import AuditEvent
from kluis.connected import repository, rules, sealing
from kluis.connected.tables import ConnectedPurpose
from kluis.runtime import Kluis


def identity_field(system_id: int) -> str:
    """The field name an identifier is sealed under (associated data with the person id)."""
    return f"connected:{system_id}"


def _systems_of_purposes(conn: Connection, keys: Sequence[str]) -> list[int]:
    return sorted(
        set(
            conn.scalars(
                select(ConnectedPurpose.system_id).where(ConnectedPurpose.purpose_key.in_(keys))
            )
        )
    )


def queue(conn: Connection, actor: str, now: datetime, triggers: Sequence[rules.Trigger]) -> None:
    """Queue a notice per trigger and system, in the caller's transaction."""
    reach = {row.id: row.reach for row in repository.systems(conn)}
    if not reach:
        return
    people = sorted({t.person_id for t in triggers})
    by_person = repository.systems_of_people(conn, people)
    known = repository.identities(conn, people)
    events: list[AuditEvent] = []
    for trigger in triggers:
        if trigger.purposes:
            targets = _systems_of_purposes(conn, trigger.purposes)
        else:
            targets = by_person.get(trigger.person_id, [])
        for system_id in targets:
            if reach.get(system_id) != "manual" and (trigger.person_id, system_id) not in known:
                continue
            notice_id = repository.add_notice(
                conn,
                {
                    "message_id": rules.new_message_id(),
                    "system_id": system_id,
                    "person_id": trigger.person_id,
                    "kind": trigger.kind,
                    "fields": " ".join(trigger.fields),
                    "state": "pending",
                    "attempts": 0,
                    "created_at": now,
                },
            )
            events.append(
                NoticeQueued(trigger.person_id, system_id, notice_id, trigger.kind, trigger.fields)
            )
    audit.record(conn, actor, now, events)


def observe(conn: Connection, actor: str, now: datetime, events: Sequence[AuditEvent]) -> None:
    """The audit observer: the notices the recorded events call for."""
    triggers = []
    for event in events:
        if event.action not in rules.WATCHED:
            continue
        found = rules.trigger_of(event.action, event.details(), event.person())
        if found is not None:
            triggers.append(found)
    if triggers:
        queue(conn, actor, now, triggers)


def before_erasure(
    k: Kluis, conn: Connection, actor: str, person_ids: Sequence[str], now: datetime, reason: str
) -> None:
    """Compose the erasure notices while the keys still open the identifiers, in the erasure's
    first transaction (``conn``): each is sealed under the notice key (no value in a job row or
    in plain text), and the person's other open notices are superseded (the erasure says all).
    People whose key is gone already (a replay after a restore) were told when they were
    erased."""
    reach = {row.id: row.reach for row in repository.systems(conn)}
    if not reach:
        return  # the last system went since ``open_hooks.any_system`` was asked
    live = sorted(k.vault.has_keys(person_ids))
    if not live:
        return
    by_person = repository.systems_of_people(conn, live)
    if not by_person:
        return
    known = repository.identities(conn, live)
    ciphers = k.vault.ciphers({p for p, _ in known})
    repository.supersede(conn, live)
    events: list[AuditEvent] = []
    for person_id in live:
        for system_id in by_person.get(person_id, []):
            sealed = known.get((person_id, system_id))
            if sealed is None and reach.get(system_id) != "manual":
                continue
            message_id = rules.new_message_id()
            subject = None
            if sealed is not None and person_id in ciphers:
                external = ciphers[person_id].open(identity_field(system_id), sealed)
                subject = sealing.seal_subject(k, message_id, external)
                events.append(
                    IdentityRead(person_id, k.settings.privacy_purpose, system_id, "erasure")
                )
            notice_id = repository.add_notice(
                conn,
                {
                    "message_id": message_id,
                    "system_id": system_id,
                    "person_id": person_id,
                    "kind": "erasure",
                    "fields": "",
                    "state": "pending",
                    "attempts": 0,
                    "sealed_subject": subject,
                    "created_at": now,
                },
            )
            events.append(NoticeQueued(person_id, system_id, notice_id, "erasure"))
    audit.record(conn, actor, now, events)


def notice_rows(k: Kluis, person_id: str, kind: str | None = None) -> list[Any]:
    with k.engine.connect() as conn:
        return repository.notices_of(conn, person_id, kind)
