"""The access package (GDPR Art. 15) and the portability package (Art. 20), and importing one.

The package is one JSON document (schema ``kluis.access/2``, documented field by field in
``docs/export-format.md``) with everything Kluis holds about a person: every personal field, the
purposes with their lawful basis, recipients and retention (Art. 15(1)(a)-(d)), the source of the
data (Art. 15(1)(g)), the consent ledger with its evidence (Art. 7(1)), the current permission
state, the messages sent with the decision behind each, the contact moments logged (activities,
with their purpose and the author's role), and the audit entries about them. It is
read under the ``privacy_requests`` purpose (``KLUIS_PRIVACY_PURPOSE``), which covers everyone,
through the services that own each part, and the export itself is audited
(``person.exported``).

The same package renders as a flat CSV, a readable HTML page in the person's language that
states their rights, and a vCard 4.0 of the contact details (``formats``). Made ``portable`` it
also carries the evidence files, so another Kluis can import the person with their consent
history (Art. 20(2): moving to another provider; ``portable``). This module is the one entry
point of the three.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from kluis.activities import reads as activities
from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.connected_events import IdentityRead
from kluis.audit.people_events import PersonExported
from kluis.connected import service as connected
from kluis.consent import catalogue, decisions
from kluis.consent import evidence as consent_evidence
from kluis.consent import ledger as consent
from kluis.consent.rules import REASONS, Decision, Reason
from kluis.contacts import companies, custom_fields, reach_memo
from kluis.contacts import people as contacts
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.contacts.tags import tag_entries_in
from kluis.deals import people as deals_people
from kluis.errors import InvalidField
from kluis.messaging import calls
from kluis.messaging import service as messaging
from kluis.purposes import service as purposes_service
from kluis.purposes.rules import Purpose
from kluis.requests.formats import (
    FORMATS,
    MEDIA_TYPES,
    SCHEMA,
    package_csv,
    package_html,
    package_vcard,
    render,
)
from kluis.requests.portable import import_person, import_portable
from kluis.runtime import Kluis
from kluis.tasks import reading as tasks

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "SCHEMA",
    "access_package",
    "import_person",
    "import_portable",
    "package_csv",
    "package_html",
    "package_vcard",
    "render",
]

_AUDIT_PAGE = 1000


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _decision(
    allowed: bool, basis: str, reason: str, evidence_event_id: int | None
) -> dict[str, Any]:
    try:
        texts: tuple[str | None, str | None] = REASONS[Reason(reason)]
    except ValueError:
        texts = (None, None)
    return {
        "allowed": allowed,
        "basis": basis,
        "reason": reason,
        "reason_en": texts[0],
        "reason_nl": texts[1],
        "evidence_event_id": evidence_event_id,
    }


def _of_decision(decision: Decision) -> dict[str, Any]:
    return _decision(
        decision.allowed,
        decision.basis.value,
        decision.reason.value,
        decision.evidence_event_id,
    )


def _audit_entries(conn: Connection, person_id: str) -> list[audit.AuditEntryView]:
    found: list[audit.AuditEntryView] = []
    after = 0
    while page := audit.list_entries_in(conn, person_id=person_id, after=after, limit=_AUDIT_PAGE):
        found.extend(page)
        after = page[-1].seq
    return found


def _collected(entries: Sequence[audit.AuditEntryView]) -> tuple[str | None, dict[str, str]]:
    """The source of the data and when it was collected for each purpose, from the person's
    ``person.created`` and ``person.purposes_changed`` entries (the times the rows were written)."""
    source: str | None = None
    since: dict[str, str] = {}
    for entry in entries:
        details = entry.details or {}
        if entry.action == "person.created":
            source = details.get("source")
            since.update(dict.fromkeys(details.get("purposes", ()), _iso(entry.at)))
        elif entry.action == "person.purposes_changed":
            since.update(dict.fromkeys(details.get("added", ()), _iso(entry.at)))
            for key in details.get("removed", ()):
                since.pop(key, None)
    return source, {k: v for k, v in since.items() if v is not None}


def _person(
    view: contacts.PersonView, company: companies.CompanyView | None, source: str | None
) -> dict[str, Any]:
    return {
        "id": view.id,
        "relationship": view.relationship,
        "language": view.language,
        "company": None
        if company is None
        else {
            "id": company.id,
            "name": company.name,
            "city": company.city,
            "country": company.country,
        },
        "created_at": _iso(view.created_at),
        "updated_at": _iso(view.updated_at),
        "source": source,
        "fields": [
            {"name": f.name, "category": f.category, "value": view.fields.get(f.name)}
            for f in PERSONAL_FIELDS
        ],
    }


def _purpose(p: Purpose, collected_at: str | None) -> dict[str, Any]:
    return {
        "key": p.key,
        "name_en": p.name_en,
        "name_nl": p.name_nl,
        "description_en": p.description_en,
        "description_nl": p.description_nl,
        "lawful_basis": p.lawful_basis.value,
        "legitimate_interest": p.legitimate_interest,
        "legitimate_interest_nl": p.legitimate_interest_nl,
        "data_categories": list(p.data_categories),
        "recipients": list(p.recipients),
        "transfers": [{"country": t.country, "safeguard": t.safeguard} for t in p.transfers],
        "retention": {"duration": p.retention, "anchor": p.retention_anchor.value},
        "collected_at": collected_at,
    }


def _consent(k: Kluis, ledger: consent.Ledger) -> dict[str, Any]:
    notices = {
        n: catalogue.get_notice(k, n) for n in {e.notice_id for e in ledger.events} if n is not None
    }

    def notice(notice_id: int | None) -> dict[str, Any] | None:
        if notice_id is None:
            return None
        n = notices[notice_id]
        return {
            "version": n.id,
            "language": n.language,
            "text": n.text,
            "sha256": n.content_hash,
            "covers": [{"channel": c, "topic": t} for c, t in n.covers],
            "created_at": _iso(n.created_at),
        }

    return {
        "events": [
            {
                "id": e.id,
                "channel": e.channel,
                "topic": e.topic,
                "action": e.action,
                "method": e.method,
                "notice": notice(e.notice_id),
                "captured_by": e.captured_by,
                "captured_at": _iso(e.captured_at),
                "reconfirm_by": _iso(e.reconfirm_by),
                "evidence_id": e.evidence_id,
                "source_ip": e.source_ip,
                "user_agent": e.user_agent,
            }
            for e in ledger.events
        ],
        "flags": [
            {
                "flag": f.flag,
                "active": f.active,
                "method": f.method,
                "captured_by": f.captured_by,
                "captured_at": _iso(f.captured_at),
            }
            for f in ledger.flags
        ],
    }


def _evidence(
    k: Kluis, conn: Connection, actor: Actor, ledger: consent.Ledger, now: datetime, portable: bool
) -> list[dict[str, Any]]:
    """The evidence list; each file is opened (and that read audited) for its SHA-256, and
    included when the package is portable."""
    found = []
    for item in ledger.evidence:
        opened = consent_evidence.get_evidence_in(k, conn, actor, item["id"], now)
        entry = {
            "id": item["id"],
            "content_type": item["content_type"],
            "size": item["size"],
            "sha256": hashlib.sha256(opened.data).hexdigest(),
            "filename": opened.filename,
            "captured_by": item["captured_by"],
            "created_at": _iso(item["created_at"]),
            "cited_by": item["cited_by"],
        }
        if portable:
            entry["content_base64"] = base64.b64encode(opened.data).decode("ascii")
        found.append(entry)
    return found


def _permission(p: decisions.PermissionView) -> dict[str, Any]:
    return {
        "channel": p.channel,
        "topic": p.topic,
        "status": p.status,
        "since": _iso(p.since),
        "reconfirm_by": _iso(p.reconfirm_by),
        "decision": _of_decision(p.decision),
    }


def _message(m: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": m["id"],
        "kind": m["kind"],
        "channel": m["channel"],
        "topic": m["topic"],
        "template": m["template"],
        "language": m["language"],
        "status": m["status"],
        "campaign_id": m["campaign_id"],
        "message_id": m["message_id"],
        "created_at": _iso(m["created_at"]),
        "sent_at": _iso(m["sent_at"]),
        "error": m["error"],
        "delivery_status": m.get("delivery_status"),
        "error_code": m.get("error_code"),
        "decision": _decision(m["allowed"], m["basis"], m["reason"], m["evidence_event_id"]),
    }


def _deal(d: deals_people.PersonDeal) -> dict[str, Any]:
    """A deal the person is on: what it is, how far along, their role; nobody else on it."""
    return {
        "id": d.deal.id,
        "title": d.deal.title,
        "stage": d.stage_en,
        "stage_nl": d.stage_nl,
        "stage_kind": d.stage_kind,
        "role": d.role,
        "purpose": d.purpose,
    }


def _activity(a: activities.ActivityView) -> dict[str, Any]:
    """An activity for the person: the author by role (who at the organisation, not the staff
    member's identity), the recording by its evidence id (in ``evidence``)."""
    return {
        "id": a.id,
        "type": a.type,
        "purpose": a.purpose_key,
        "occurred_at": _iso(a.occurred_at),
        "duration_minutes": a.duration_minutes,
        "scheduled": a.scheduled,
        "subject": a.subject,
        "body": a.body,
        "author_role": a.author_role,
        "company_id": a.company_id,
        "consent_event_id": a.consent_event_id,
        "recording_id": a.recording_id,
        "deal_id": a.deal_id,
        "created_at": _iso(a.created_at),
    }


def _audit_entry(e: audit.AuditEntryView) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": _iso(e.at),
        "actor": e.actor,
        "action": e.action,
        "purpose": e.purpose,
        "details": e.details,
        "hash": e.hash,
    }


def access_package(
    k: Kluis,
    actor: Actor,
    person_id: str,
    now: datetime,
    *,
    request_id: int | None = None,
    portable: bool = False,
    format: str = "json",
) -> dict[str, Any]:
    """Everything held about the person, JSON-ready (``docs/export-format.md``). ``portable``
    adds the evidence content (base64) for another system to import; ``format`` is what the
    caller renders it as, for the audit entry. The actor must hold the ``privacy_requests``
    purpose (admin, privacy officer): the first read refuses anyone else."""
    if format not in FORMATS:
        raise InvalidField(f"format is one of {', '.join(FORMATS)}", field="format")
    purpose = k.settings.privacy_purpose
    # One transaction for every read: reach is checked once (reach_memo) and the reads' typed
    # events go to the chain in one append (audit.batched), in the order they were made.
    with k.engine.begin() as conn, reach_memo.remembering(conn), audit.batched(conn):
        view = contacts.read_person_in(k, conn, actor, person_id, purpose, now)
        ledger = consent.ledger_in(k, conn, actor, person_id, purpose, now)
        evidence = _evidence(k, conn, actor, ledger, now, portable)
        entries = _audit_entries(conn, person_id)
        custom = custom_fields.package_section_in(k, conn, actor, person_id, purpose, now)
        permissions = decisions.permissions_in(k, conn, actor, person_id, purpose, now)
        messages = messaging.messages_in(k, conn, actor, person_id, purpose, now, for_person=True)
        calls_made = calls.calls_of_person_in(k, conn, actor, person_id, purpose, now)
        deals = deals_people.deals_of_person_in(k, conn, actor, person_id, purpose, now)
        logged = activities.of_person_in(
            k, conn, actor, person_id, purpose, now, via="export", limit=None
        )
        tasks_about = tasks.for_the_person_in(k, conn, actor, person_id, purpose, now)
        tags = tag_entries_in(k, conn, actor, person_id, purpose, now)
        known = connected.identities_of(k, conn, person_id)
        audit.record(
            conn,
            actor.ref,
            now,
            [
                *(
                    IdentityRead(person_id, purpose, system_id, "export")
                    for _, _, system_id in known
                ),
                PersonExported(person_id, format, request_id, portable),
            ],
        )
    source, collected = _collected(entries)
    company = None if view.company_id is None else companies.get_company(k, view.company_id)
    held = {p.key: p for p in connected.with_systems(k, purposes_service.list_purposes(k.engine))}
    return {
        "schema": SCHEMA,
        "controller": {"name": k.settings.organisation_name},
        "generated_at": _iso(now),
        "request_id": request_id,
        "portable": portable,
        "person": _person(view, company, source),
        "custom": custom,
        "purposes": [_purpose(held[key], collected.get(key)) for key in view.purposes],
        "topics": [
            {"key": t.key, "name_en": t.name_en, "name_nl": t.name_nl}
            for t in catalogue.list_topics(k)
        ],
        "consent": _consent(k, ledger),
        "evidence": evidence,
        "permissions": [_permission(p) for p in permissions],
        "messages": [_message(m) for m in messages],
        "calls": calls_made,
        "deals": [_deal(d) for d in deals],
        "activities": [_activity(a) for a in reversed(logged)],
        "tasks": tasks_about,
        "tags": tags,
        "audit": [_audit_entry(e) for e in entries],
        "connected_systems": [
            {"system": name, "external_id": external} for name, external, _ in known
        ],
    }
