"""What an import does to a person it finds already (``--duplicates merge``), and the consent
it records from a file's declaration.

Merging never overwrites: a value already held stays (changing it is rectification, a deliberate
act of Art. 16); fields the person does not have yet are filled in and the import's purposes are
added. An e-mail address or phone number filled in for a person who objected to direct marketing
goes on the suppression list (``contacts.rectify.store_fields``, Art. 21(3)), so that a later file
that finds them by it does not add them to marketing. Consent from a declaration is appended to
the ledger with the declared method and notice and ``captured_by = import:<job>``, whose job row
keeps the file's digest and the declaration: that is the evidence Art. 7(1) asks for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from kluis.actors import Actor
from kluis.audit.consent_events import ConsentRecorded
from kluis.audit.events import AuditEvent
from kluis.audit.people_events import PersonPurposesChanged, PersonUpdated
from kluis.consent import repository as consent_repo
from kluis.consent import rules as consent_rules
from kluis.contacts import custom_store
from kluis.contacts import rectify as contacts
from kluis.contacts import repository as contacts_repo
from kluis.contacts.custom_rules import CustomField
from kluis.contacts.fields import BY_NAME
from kluis.runtime import Kluis
from kluis.transfer.job import Counts
from kluis.transfer.rules.columns import ConsentDeclaration
from kluis.transfer.rules.values import Row
from kluis.vault.crypto import PersonCipher


def grant(
    conn: Connection,
    person_id: str,
    declaration: ConsentDeclaration,
    reconfirm_months: int,
    now: datetime,
    captured_by: str,
    *,
    fresh: bool,
) -> AuditEvent:
    """Append a ``granted`` event and fold the kept state, in the caller's transaction.

    ``fresh`` means the person was created in this transaction and has no ledger yet, so the
    fold of their one event is the state; otherwise their events for this channel and topic are
    folded again, as ``consent.ledger.record`` does.
    """
    channel = consent_rules.Channel(declaration.channel)
    reconfirm_by = consent_rules.add_months(now, reconfirm_months)
    event_id = consent_repo.insert_event(
        conn,
        {
            "person_id": person_id,
            "channel": channel.value,
            "topic": declaration.topic,
            "action": consent_rules.Action.GRANTED.value,
            "method": declaration.method,
            "notice_id": declaration.notice_id,
            "evidence_id": None,
            "captured_by": captured_by,
            "captured_at": now,
            "source_ip": None,
            "user_agent": None,
            "reconfirm_by": reconfirm_by,
        },
    )
    if fresh:
        events = [
            consent_rules.Event(
                event_id,
                channel,
                declaration.topic,
                consent_rules.Action.GRANTED,
                now,
                reconfirm_by,
            )
        ]
    else:
        events = [
            consent_repo.as_event(r)
            for r in consent_repo.events_of(conn, person_id, channel.value, declaration.topic)
        ]
    state = consent_rules.fold(events).get((channel, declaration.topic))
    if state is not None:
        consent_repo.put_permission(conn, person_id, channel.value, declaration.topic, state)
    return ConsentRecorded(
        person_id,
        event_id,
        channel.value,
        declaration.topic,
        consent_rules.Action.GRANTED.value,
        declaration.method,
    )


def merge(
    k: Kluis,
    conn: Connection,
    actor: Actor,
    person_id: str,
    found: Any,
    have: Sequence[str],
    row: Row,
    purposes: tuple[str, ...],
    declaration: ConsentDeclaration | None,
    reconfirm_months: int,
    now: datetime,
    counts: Counts,
    events: list[AuditEvent],
    job_id: int,
    custom: Mapping[str, CustomField] | None = None,
) -> bool:
    """Fill in the fields ``person_id`` lacks from ``row`` and add the import's purposes;
    ``found`` is their row as stored and ``have`` the purposes they are held for, both read for
    the whole batch by the caller. False when their key is gone (erased meanwhile): nothing is
    merged. ``custom``: the import's custom fields by name, whose values the person lacks are
    filled in the same way."""
    cipher = k.vault.ciphers([person_id]).get(person_id)
    if cipher is None:
        return False
    values: dict[str, Any] = {}
    for name, value in row.stored.items():
        if getattr(found, name) is None:
            values[name] = cipher.seal(name, value)
    added = [key for key in purposes if key not in have]
    if added:
        contacts_repo.replace_purposes(conn, person_id, ((key, now) for key in added), [])
        events.append(PersonPurposesChanged(person_id, tuple(added), ()))
    filled = _fill_custom(conn, cipher, person_id, row, custom or {})
    counts.custom += len(filled)
    if values or filled:
        events.append(PersonUpdated(person_id, purposes[0], tuple(sorted([*values, *filled]))))
    if values:
        index = {
            name: [d for n, d in row.index if n == name]
            for name in values
            if BY_NAME[name].index is not None
        }
        events.extend(contacts.store_fields(k, conn, person_id, values, index, now))
    if declaration is not None and row.consent:
        events.append(
            grant(
                conn,
                person_id,
                declaration,
                reconfirm_months,
                now,
                f"import:{job_id}",
                fresh=False,
            )
        )
        counts.consents += 1
    counts.merged += 1
    return True


def _fill_custom(
    conn: Connection,
    cipher: PersonCipher,
    person_id: str,
    row: Row,
    custom: Mapping[str, CustomField],
) -> list[str]:
    """Store the row's custom values the person has none of yet, sealed under their key (the
    row's were sealed under a key made for a new person); a value held stays. The names
    filled in."""
    if not row.custom:
        return []
    ids = {custom[name].id: name for name in row.custom}
    held = custom_store.values_of(conn, [person_id], ids).get(person_id, {})
    filled: list[str] = []
    for field_id, name in ids.items():
        if field_id in held:
            continue
        digest = row.custom_sealed[name][1] if name in row.custom_sealed else None
        sealed = cipher.seal(name, row.custom[name])
        custom_store.put_value(conn, person_id, field_id, sealed, digest)
        filled.append(name)
    return filled
