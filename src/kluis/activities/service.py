"""Activities as use cases: log, change and delete a contact moment. Each opens its
transaction, checks the role and the purpose, seals subject and body with the person's key and
records its audit event in the same transaction (what is read is ``activities.reads``).

A past activity is an interaction: it moves the person's ``last_interaction_at``, the anchor of
retention for purposes counted from the last interaction (Art. 5(1)(e)); a scheduled one does
not, until it is changed to have happened. The audience's copy of a person
(``contacts.hooks.people_changed``) holds no interaction time, so nothing else follows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, column, select, table

from kluis.activities import repository, rules
from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.audit import service as audit
from kluis.audit.activity_events import ActivityChanged, ActivityDeleted, ActivityLogged
from kluis.audit.consent_events import EvidenceAdded
from kluis.audit.events import AuditEvent
from kluis.consent import grant_rules
from kluis.consent import repository as consent_repo
from kluis.consent.evidence import Recording
from kluis.contacts import people as contacts
from kluis.contacts import repository as contacts_repo
from kluis.errors import InvalidField, NotFound, PermissionDenied
from kluis.ids import new_person_ids
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis


def sealed(k: Kluis, person_id: str, activity_id: str, subject: str, body: str | None) -> Any:
    """Subject and body as ciphertext under the person's key; the associated data names the
    activity, so a value cannot be moved to another activity or person."""
    cipher = k.vault.cipher(person_id)
    return {
        "subject": cipher.seal(f"activity.{activity_id}.subject", subject),
        "body": None if body is None else cipher.seal(f"activity.{activity_id}.body", body),
    }


def _purpose(k: Kluis, conn: Connection, actor: Actor, person_id: str, key: str) -> Purpose:
    """The purpose to log under: reachable as any read of the person (role, not restricted) and
    one they were collected for, as the activity's row hangs on it (``rules.why_not_log``)."""
    purpose = contacts.reach(k, conn, actor, person_id, key)
    collected = contacts_repo.purposes_of(conn, [person_id])[person_id]
    rules.check_purpose(actor.role, key, purpose.roles, collected)
    return purpose


DEALS = table("deals", column("id"))
"""The deals slice's table, named (not imported: it stands a floor above) to check the id an
activity is linked to; the foreign key ``activities.deal_id`` guards it too."""


def _check_links(conn: Connection, person_id: str, draft: rules.Draft) -> None:
    if draft.deal_id is not None and (
        conn.execute(select(DEALS.c.id).where(DEALS.c.id == draft.deal_id)).first() is None
    ):
        raise NotFound(f"there is no deal {draft.deal_id}", field="deal_id")
    if draft.company_id is not None and contacts_repo.missing_companies(conn, [draft.company_id]):
        raise NotFound(f"there is no company {draft.company_id}", field="company_id")
    if draft.consent_event_id is not None:
        event = consent_repo.event(conn, draft.consent_event_id)
        if event is None or event.person_id != person_id:
            raise NotFound(
                f"this person has no consent event {draft.consent_event_id}",
                field="consent_event_id",
            )


def _store_recording(
    k: Kluis,
    conn: Connection,
    actor: Actor,
    person_id: str,
    purpose: str,
    recording: Recording,
    now: datetime,
) -> tuple[int, AuditEvent]:
    try:
        kind = grant_rules.check_evidence(
            recording.content_type, recording.data, k.settings.evidence_max_bytes
        )
    except grant_rules.EvidenceRefused as exc:
        raise InvalidField(
            str(exc), field="recording", msgid=exc.msgid, values=exc.values
        ) from None
    cipher = k.vault.cipher(person_id)
    name = recording.filename
    evidence_id = consent_repo.insert_evidence(
        conn,
        {
            "person_id": person_id,
            "content_type": kind,
            "size": len(recording.data),
            "filename": cipher.seal("evidence.filename", name) if name else None,
            "data": b"",
            "captured_by": actor.ref,
            "created_at": now,
        },
    )
    consent_repo.set_evidence_data(
        conn, evidence_id, cipher.seal_bytes(f"evidence.{evidence_id}", recording.data)
    )
    return evidence_id, EvidenceAdded(person_id, purpose, evidence_id, kind, len(recording.data))


def _interaction(conn: Connection, person_id: str, at: datetime, now: datetime) -> None:
    """After a change: the latest past activity and, forward only, the last interaction."""
    latest = repository.latest_past(conn, person_id)
    repository.set_latest(conn, person_id, latest)
    if not rules.is_scheduled(at, now):
        repository.move_last_interaction(conn, person_id, at)


def log(
    k: Kluis,
    actor: Actor,
    person_id: str,
    purpose_key: str,
    draft: rules.Draft,
    now: datetime,
    recording: Recording | None = None,
    *,
    evidence_id: int | None = None,
    author: str | None = None,
) -> str:
    """Log a contact moment about a person under a purpose; returns its id. With a recording
    (a call's), the file is stored as evidence, sealed, under the same upload rules;
    ``evidence_id`` links evidence of the person's stored before instead (an import), and
    ``author`` names who logged it when that is not the actor (``portable:sales``)."""
    checked = rules.check(draft, now)
    if recording is not None or evidence_id is not None:
        rules.check_recording(checked.type)
    activity_id = new_person_ids(1)[0]
    with k.engine.begin() as conn:
        purpose = _purpose(k, conn, actor, person_id, purpose_key)
        _check_links(conn, person_id, draft)
        events: list[AuditEvent] = []
        recording_id = evidence_id
        if evidence_id is not None:
            stored = consent_repo.evidence(conn, evidence_id)
            if stored is None or stored.person_id != person_id:
                raise NotFound(f"this person has no evidence {evidence_id}", field="recording")
        if recording is not None:
            recording_id, added = _store_recording(
                k, conn, actor, person_id, purpose.key, recording, now
            )
            events.append(added)
        repository.insert_activity(
            conn,
            {
                "id": activity_id,
                "person_id": person_id,
                "purpose_key": purpose.key,
                "company_id": draft.company_id,
                "type": checked.type,
                "occurred_at": checked.occurred_at,
                "duration_minutes": checked.duration_minutes,
                "scheduled": checked.scheduled,
                "author": author or actor.ref,
                "author_role": actor.role.value,
                **sealed(k, person_id, activity_id, checked.subject, checked.body),
                "consent_event_id": draft.consent_event_id,
                "recording_id": recording_id,
                "deal_id": draft.deal_id,
                "created_at": now,
                "updated_at": now,
            },
        )
        if not checked.scheduled:
            _interaction(conn, person_id, checked.occurred_at, now)
        events.append(
            ActivityLogged(
                person_id,
                purpose.key,
                activity_id,
                checked.type,
                checked.scheduled,
                recording_id,
                draft.consent_event_id,
            )
        )
        audit.record(conn, actor.ref, now, events)
    return activity_id


def _own(actor: Actor, row: Row[Any]) -> None:
    """An activity is changed or deleted by its author, or by an admin or the privacy officer
    (who answer for the record)."""
    if row.author != actor.ref and actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied(
            "only the author, an admin or the privacy officer may change an activity"
        )


def _row(k: Kluis, conn: Connection, actor: Actor, activity_id: str, purpose_key: str) -> Any:
    """The activity, reached under its own purpose; NotFound alike for a missing one and one
    under another purpose (an id tells nothing about what the caller may not see)."""
    row = repository.get(conn, activity_id)
    if row is None or row.purpose_key != purpose_key:
        raise NotFound(f"there is no activity {activity_id} under this purpose", field="id")
    contacts.reach(k, conn, actor, row.person_id, purpose_key)
    return row


CHANGEABLE = ("type", "subject", "body", "occurred_at", "duration_minutes")


def change(
    k: Kluis,
    actor: Actor,
    activity_id: str,
    purpose_key: str,
    changes: dict[str, Any],
    now: datetime,
) -> list[str]:
    """Change an activity's fields (``CHANGEABLE``); returns the names changed. A scheduled
    activity changed to a past moment becomes an interaction."""
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise InvalidField(f"these fields cannot be changed: {', '.join(unknown)}", field="fields")
    with k.engine.begin() as conn:
        row = _row(k, conn, actor, activity_id, purpose_key)
        _own(actor, row)
        cipher = k.vault.cipher(row.person_id)
        body = cipher.open(f"activity.{activity_id}.body", row.body) if row.body else None
        current = rules.Draft(
            type=row.type,
            subject=cipher.open(f"activity.{activity_id}.subject", row.subject),
            body=body,
            occurred_at=row.occurred_at,
            duration_minutes=row.duration_minutes,
        )
        checked = rules.check(replace(current, **changes), now)
        repository.update_activity(
            conn,
            activity_id,
            {
                "type": checked.type,
                "occurred_at": checked.occurred_at,
                "duration_minutes": checked.duration_minutes,
                "scheduled": checked.scheduled,
                **sealed(k, row.person_id, activity_id, checked.subject, checked.body),
                "updated_at": now,
            },
        )
        _interaction(conn, row.person_id, checked.occurred_at, now)
        names = sorted(changes)
        audit.record(
            conn,
            actor.ref,
            now,
            [ActivityChanged(row.person_id, purpose_key, activity_id, tuple(names))],
        )
    return names


def delete(k: Kluis, actor: Actor, activity_id: str, purpose_key: str, now: datetime) -> None:
    """Delete an activity (its recording stays as evidence while the person is kept)."""
    with k.engine.begin() as conn:
        row = _row(k, conn, actor, activity_id, purpose_key)
        _own(actor, row)
        repository.delete_activity(conn, activity_id)
        repository.set_latest(conn, row.person_id, repository.latest_past(conn, row.person_id))
        audit.record(
            conn, actor.ref, now, [ActivityDeleted(row.person_id, purpose_key, activity_id)]
        )


def attach_recording(
    k: Kluis,
    actor: Actor,
    activity_id: str,
    purpose_key: str,
    recording: Recording,
    now: datetime,
) -> int:
    """Attach a call's recording to an activity that has none; returns the evidence id."""
    with k.engine.begin() as conn:
        row = _row(k, conn, actor, activity_id, purpose_key)
        _own(actor, row)
        rules.check_recording(row.type)
        if row.recording_id is not None:
            raise InvalidField("this activity has a recording already", field="recording")
        evidence_id, added = _store_recording(
            k, conn, actor, row.person_id, purpose_key, recording, now
        )
        repository.update_activity(
            conn, activity_id, {"recording_id": evidence_id, "updated_at": now}
        )
        changed = ActivityChanged(row.person_id, purpose_key, activity_id, ("recording",))
        audit.record(conn, actor.ref, now, [added, changed])
    return evidence_id


def link_consent_events(
    k: Kluis, actor: Actor, person_id: str, links: Mapping[str, int], now: datetime
) -> None:
    """Link calls to the consent events they recorded after both exist (``import-portable``
    replays the calls before the consent history): each link is to an event of the same
    person, audited as a change of ``consent_event_id``. For those who replay a person (admins
    and the privacy officer), without a purpose check: a restriction replayed from the history
    must not stop the history from being whole."""
    if not links:
        return
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may link replayed activities")
    with k.engine.begin() as conn:
        events: list[AuditEvent] = []
        for activity_id, event_id in links.items():
            row = repository.get(conn, activity_id)
            event = consent_repo.event(conn, event_id)
            if row is None or row.person_id != person_id:
                raise NotFound(f"this person has no activity {activity_id}", field="activity_id")
            if event is None or event.person_id != person_id:
                raise NotFound(
                    f"this person has no consent event {event_id}", field="consent_event_id"
                )
            repository.update_activity(
                conn, activity_id, {"consent_event_id": event_id, "updated_at": now}
            )
            events.append(
                ActivityChanged(person_id, row.purpose_key, activity_id, ("consent_event_id",))
            )
        audit.record(conn, actor.ref, now, events)
