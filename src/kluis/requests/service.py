"""Privacy requests as use cases: receive, verify, extend, refuse, and carry out each type.

Every state change is audited in the same transaction as the change. Carrying out a request
uses the slices that own the data: contacts for rectification and erasure (the one erasure
path), consent for objection and restriction, the export module for access and portability,
messaging for what is sent to the person. What was sent is recorded on the request without the
address it went to (Art. 5(1)(c)); the request itself outlives an erasure as the controller's
proof of having answered (Art. 5(2), 12).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from kluis.actors import ALL_PURPOSES_ROLES, ERASE_ROLES, Actor
from kluis.audit import service as audit
from kluis.audit.events import (
    RequestAnswerSent,
    RequestCreated,
    RequestExtended,
    RequestStatusChanged,
    SuppressionAdded,
)
from kluis.consent import repository as consent_repo
from kluis.consent import service as consent
from kluis.contacts import repository as contacts_repo
from kluis.contacts import rules as contacts_rules
from kluis.contacts import service as contacts
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.errors import InvalidField, NotFound, PermissionDenied, PersonErased
from kluis.messaging import service as messaging
from kluis.messaging.transport import SendFailed
from kluis.purposes import repository as purposes_repo
from kluis.purposes.rules import parse_duration
from kluis.requests import export, rules
from kluis.requests.rules import RequestType, Status
from kluis.requests.tables import PrivacyRequest
from kluis.runtime import Kluis

DETAILS_FIELD = "request.details"

ELECTRONIC = ("email_link", "known_address", "account")
"""Verifications that mean the person asked electronically: their copy goes by e-mail
(Art. 12(3), 15(3))."""


@dataclass(frozen=True)
class RequestView:
    id: int
    type: str
    person_id: str
    channel: str
    verified_by: str | None
    status: str
    language: str
    received_at: datetime
    due_at: datetime
    extended_to: datetime | None
    extension_reason: str | None
    deadline: datetime
    days_left: int
    overdue: bool
    near: bool
    outcome: str | None
    recipients_to_notify: list[str]
    sent: list[dict[str, Any]]
    created_by: str
    updated_at: datetime
    completed_at: datetime | None
    details: str | None = None


@dataclass(frozen=True)
class Processed:
    """A carried-out request, and the files to hand over when nothing could go by e-mail."""

    request: RequestView
    files: dict[str, bytes] = field(default_factory=dict)


def _handler(actor: Actor) -> None:
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may handle privacy requests")


def _view(k: Kluis, row: Any, now: datetime, *, details: bool = False) -> RequestView:
    status = Status(row.status)
    timing = rules.timing(status, row.due_at, row.extended_to, now)
    text = None
    if details and row.details is not None:
        ciphers = k.vault.ciphers([row.person_id])
        if row.person_id in ciphers:
            text = ciphers[row.person_id].open(DETAILS_FIELD, row.details)
    return RequestView(
        id=row.id,
        type=row.type,
        person_id=row.person_id,
        channel=row.channel,
        verified_by=row.verified_by,
        status=row.status,
        language=row.language,
        received_at=row.received_at,
        due_at=row.due_at,
        extended_to=row.extended_to,
        extension_reason=row.extension_reason,
        deadline=timing.deadline,
        days_left=timing.days_left,
        overdue=timing.overdue,
        near=timing.near,
        outcome=row.outcome,
        recipients_to_notify=list(row.recipients_to_notify or []),
        sent=list(row.sent or []),
        created_by=row.created_by,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
        details=text,
    )


def _row(conn: Connection, request_id: int) -> Any:
    row = conn.execute(select(PrivacyRequest).where(PrivacyRequest.id == request_id)).first()
    if row is None:
        raise NotFound(f"there is no privacy request {request_id}", field="request_id")
    return row


def _person_for(k: Kluis, conn: Connection, person_id: str | None, email: str | None) -> str:
    if (person_id is None) == (email is None):
        raise InvalidField(
            "name the person by id or by e-mail address, not both", field="person_id"
        )
    if email is not None:
        term = contacts_rules.email_index_term(contacts_rules.normalise_email(email))
        owners = contacts_repo.owners_of(conn, "email", [k.vault.blind_index("email", term)])
        if not owners:
            raise NotFound(
                "no person has this e-mail address: tell the requester that no personal data "
                "about them is held under it (Art. 15(1))",
                field="email",
            )
        return next(iter(owners.values()))
    assert person_id is not None
    if not contacts_repo.fetch(conn, [person_id]):
        if k.vault.erased([person_id]):
            raise PersonErased(f"person {person_id} was erased; nothing about them is held")
        raise NotFound(f"there is no person {person_id}", field="person_id")
    return person_id


def create(
    k: Kluis,
    actor: Actor,
    type: str,
    now: datetime,
    *,
    person_id: str | None = None,
    email: str | None = None,
    verified_by: str | None = None,
    channel: str = "staff",
    details: str | None = None,
    portal_ref: str | None = None,
) -> RequestView:
    """Record a request as received, or verified when the requester's identity was checked.
    Anyone on the staff may take a request in (the service desk gets the call); handling it is
    for the privacy officer and admins. Due one calendar month after receipt (Art. 12(3)).

    An erasure filed as verified needs no further check before it is carried out, and erasure
    cannot be undone (Art. 17): so only those answerable for erasing may vouch for the
    requester's identity at intake (Art. 12(6)); others take it in as received."""
    kind = rules.parse_type(type)
    verification = None if verified_by is None else rules.parse_verification(verified_by).value
    if kind is RequestType.ERASURE and verification is not None and actor.role not in ERASE_ROLES:
        raise PermissionDenied(
            "only an admin or the privacy officer may file an erasure as already verified; "
            "take it in without verified_by and they will verify it"
        )
    if email is not None and actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied(
            "only an admin or the privacy officer may look a requester up by e-mail address "
            "(it would tell who is on file); give the person's id",
        )
    if details is not None and len(details) > 4000:
        raise InvalidField("details are at most 4000 characters", field="details")
    with k.engine.begin() as conn:
        if portal_ref is not None:
            existing = conn.execute(
                select(PrivacyRequest).where(PrivacyRequest.portal_ref == portal_ref)
            ).first()
            if existing is not None:
                return _view(k, existing, now)
        who = _person_for(k, conn, person_id, email)
        language = contacts_repo.fetch(conn, [who])[who].language
        sealed = None
        if details:
            sealed = k.vault.cipher(who).seal(DETAILS_FIELD, details)
        status = Status.RECEIVED if verification is None else Status.VERIFIED
        request_id = conn.execute(
            insert(PrivacyRequest)
            .values(
                type=kind.value,
                person_id=who,
                channel=channel,
                portal_ref=portal_ref,
                verified_by=verification,
                status=status.value,
                language=language,
                received_at=now,
                due_at=rules.due_at(now),
                details=sealed,
                recipients_to_notify=[],
                sent=[],
                created_by=actor.ref,
                updated_at=now,
            )
            .returning(PrivacyRequest.id)
        ).scalar_one()
        audit.record(
            conn,
            actor.ref,
            now,
            [RequestCreated(who, request_id, kind.value, channel, verification)],
        )
        return _view(k, _row(conn, request_id), now)


def get(k: Kluis, actor: Actor, request_id: int, now: datetime) -> RequestView:
    _handler(actor)
    with k.engine.connect() as conn:
        return _view(k, _row(conn, request_id), now, details=True)


def list_requests(
    k: Kluis,
    actor: Actor,
    now: datetime,
    *,
    status: str | None = None,
    open_only: bool = False,
    due_within: int | None = None,
    overdue: bool = False,
    person_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[RequestView]:
    """Requests by deadline, soonest first: what is due and what is late."""
    _handler(actor)
    if not 1 <= limit <= 1000:
        raise InvalidField("limit must be between 1 and 1000", field="limit")
    if due_within is not None and due_within < 0:
        raise InvalidField("due_within is a number of days, 0 or more", field="due_within")
    limit_at = func.coalesce(PrivacyRequest.extended_to, PrivacyRequest.due_at)
    query = select(PrivacyRequest).order_by(limit_at, PrivacyRequest.id)
    if status is not None:
        query = query.where(PrivacyRequest.status == rules.parse_status(status).value)
    if open_only or overdue or due_within is not None:
        query = query.where(PrivacyRequest.status.in_([s.value for s in rules.OPEN]))
    if person_id is not None:
        query = query.where(PrivacyRequest.person_id == person_id)
    views = []
    with k.engine.connect() as conn:
        for row in conn.execute(query.limit(limit).offset(offset)):
            view = _view(k, row, now)
            if overdue and not view.overdue:
                continue
            if due_within is not None and view.days_left > due_within:
                continue
            views.append(view)
    return views


def _set_status(
    conn: Connection,
    actor: Actor,
    row: Any,
    wanted: Status,
    now: datetime,
    **values: Any,
) -> None:
    rules.check_transition(Status(row.status), wanted)
    extra: dict[str, Any] = {"status": wanted.value, "updated_at": now, **values}
    if wanted in (Status.COMPLETED, Status.REFUSED):
        extra["completed_at"] = now
    conn.execute(update(PrivacyRequest).where(PrivacyRequest.id == row.id).values(**extra))
    audit.record(
        conn,
        actor.ref,
        now,
        [RequestStatusChanged(row.person_id, row.id, wanted.value, values.get("verified_by"))],
    )


def verify(k: Kluis, actor: Actor, request_id: int, verified_by: str, now: datetime) -> RequestView:
    """Record how the requester was shown to be the person (Art. 12(6))."""
    _handler(actor)
    method = rules.parse_verification(verified_by).value
    with k.engine.begin() as conn:
        row = _row(conn, request_id)
        _set_status(conn, actor, row, Status.VERIFIED, now, verified_by=method)
        return _view(k, _row(conn, request_id), now)


def _mail_ready(
    k: Kluis, request_id: int, transport: messaging.TransportFactory | None, mail: bool
) -> None:
    """Fail before changing anything when the person is to be told and no mail server is set:
    otherwise the change would stand and the person never hear of it. An unknown request is
    named first (404), as it would be without mail."""
    if mail and transport is None:
        with k.engine.connect() as conn:
            _row(conn, request_id)
        messaging.smtp_transport(k)


def _record_sent(
    conn: Connection, actor: Actor, row: Any, answer: messaging.Answer | None, now: datetime
) -> list[dict[str, Any]]:
    sent = list(row.sent or [])
    if answer is None:
        return sent
    sent.append(
        {
            "what": answer.template,
            "at": answer.sent_at.isoformat(),
            "message_id": answer.message_id,
            "attachments": list(answer.attachments),
        }
    )
    conn.execute(update(PrivacyRequest).where(PrivacyRequest.id == row.id).values(sent=sent))
    audit.record(
        conn,
        actor.ref,
        now,
        [RequestAnswerSent(row.person_id, row.id, answer.template, answer.attachments)],
    )
    return sent


def _answer(
    k: Kluis,
    actor: Actor,
    row: Any,
    template: str,
    params: dict[str, Any],
    now: datetime,
    transport: messaging.TransportFactory | None,
    *,
    attachments: tuple[messaging.Attachment, ...] = (),
    to: contacts.Recipient | None = None,
) -> messaging.Answer | None:
    answer = messaging.send_answer(
        k,
        actor,
        row.person_id,
        template,
        {"request_id": row.id, **params},
        now,
        transport=transport,
        attachments=attachments,
        to=to,
    )
    with k.engine.begin() as conn:
        _record_sent(conn, actor, _row(conn, row.id), answer, now)
    return answer


def extend(
    k: Kluis,
    actor: Actor,
    request_id: int,
    months: int,
    reason: str,
    now: datetime,
    *,
    transport: messaging.TransportFactory | None = None,
    mail: bool = True,
) -> RequestView:
    """Extend the deadline by one or two months, within the first month, with the reason,
    and tell the person (Art. 12(3))."""
    _handler(actor)
    _mail_ready(k, request_id, transport, mail)
    with k.engine.begin() as conn:
        row = _row(conn, request_id)
        if Status(row.status) not in rules.OPEN:
            raise InvalidField(f"request {request_id} is {row.status}", field="request_id")
        new = rules.extension(row.received_at, row.due_at, row.extended_to, months, reason, now)
        conn.execute(
            update(PrivacyRequest)
            .where(PrivacyRequest.id == request_id)
            .values(extended_to=new, extension_reason=reason.strip(), updated_at=now)
        )
        audit.record(
            conn,
            actor.ref,
            now,
            [RequestExtended(row.person_id, request_id, months, new.isoformat())],
        )
    if mail:
        _answer(
            k,
            actor,
            row,
            "request_extended",
            {"deadline": new.date().isoformat(), "reason": reason.strip()},
            now,
            transport,
        )
    return get(k, actor, request_id, now)


def refuse(
    k: Kluis,
    actor: Actor,
    request_id: int,
    reason: str,
    now: datetime,
    *,
    transport: messaging.TransportFactory | None = None,
    mail: bool = True,
) -> RequestView:
    """Refuse a request (manifestly unfounded or excessive, or identity not shown), telling
    the person why and that they may complain to the supervisory authority (Art. 12(4))."""
    _handler(actor)
    _mail_ready(k, request_id, transport, mail)
    if not reason.strip():
        raise InvalidField("give the reason; the person is told it (Art. 12(4))", field="reason")
    with k.engine.begin() as conn:
        row = _row(conn, request_id)
        _set_status(conn, actor, row, Status.REFUSED, now, outcome=reason.strip())
    if mail and not k.vault.erased([row.person_id]):
        _answer(k, actor, row, "request_refused", {"reason": reason.strip()}, now, transport)
    return get(k, actor, request_id, now)


def _start(k: Kluis, actor: Actor, request_id: int, now: datetime) -> Any:
    with k.engine.begin() as conn:
        row = _row(conn, request_id)
        status = Status(row.status)
        if status is Status.RECEIVED:
            raise InvalidField(
                "verify the requester's identity first (Art. 12(6)): "
                f"kluis requests verify {request_id} --by METHOD",
                field="status",
            )
        if status is Status.VERIFIED:
            _set_status(conn, actor, row, Status.IN_PROGRESS, now)
        elif status is not Status.IN_PROGRESS:
            raise InvalidField(f"request {request_id} is {row.status} already", field="status")
        return _row(conn, request_id)


def _complete(
    k: Kluis,
    actor: Actor,
    request_id: int,
    outcome: str,
    now: datetime,
    recipients: list[str] | None = None,
) -> RequestView:
    with k.engine.begin() as conn:
        row = _row(conn, request_id)
        values: dict[str, Any] = {"outcome": outcome}
        if recipients is not None:
            values["recipients_to_notify"] = recipients
        _set_status(conn, actor, row, Status.COMPLETED, now, **values)
        return _view(k, _row(conn, request_id), now)


def _recipients(k: Kluis, person_id: str) -> list[str]:
    """Art. 19: everyone the data was disclosed to, from the person's purposes."""
    with k.engine.connect() as conn:
        held = contacts_repo.purposes_of(conn, [person_id]).get(person_id, [])
        found: set[str] = set()
        for key in held:
            purpose = purposes_repo.get(conn, key)
            if purpose is not None:
                found.update(purpose.recipients)
    return sorted(found)


def _export_files(
    k: Kluis, actor: Actor, row: Any, now: datetime, *, portable: bool
) -> list[messaging.Attachment]:
    package = export.access_package(
        k, actor, row.person_id, now, request_id=row.id, portable=portable
    )
    language = row.language if row.language in ("nl", "en") else "nl"
    stem = f"request-{row.id}"
    files = [
        messaging.Attachment(
            f"{stem}.json",
            "application/json",
            json.dumps(package, ensure_ascii=False, indent=2, default=str).encode(),
        ),
        messaging.Attachment(
            f"{stem}.html", "text/html", export.package_html(package, language).encode()
        ),
        messaging.Attachment(f"{stem}.csv", "text/csv", export.package_csv(package).encode()),
    ]
    if portable:
        files.append(
            messaging.Attachment(
                f"{stem}.vcf", "text/vcard", export.package_vcard(package).encode()
            )
        )
    return files


def _deliver(
    k: Kluis,
    actor: Actor,
    row: Any,
    template: str,
    params: dict[str, Any],
    files: list[messaging.Attachment],
    now: datetime,
    transport: messaging.TransportFactory | None,
    mail: bool,
    *,
    to: contacts.Recipient | None = None,
) -> tuple[str, dict[str, bytes]]:
    """Send ``files`` to the person, or hand them back for hand-over; says which."""
    if mail:
        answer = _answer(
            k, actor, row, template, params, now, transport, attachments=tuple(files), to=to
        )
        if answer is not None:
            return "sent by e-mail", {}
    return "handed over", {f.filename: f.content for f in files}


def process(
    k: Kluis,
    actor: Actor,
    request_id: int,
    now: datetime,
    *,
    transport: messaging.TransportFactory | None = None,
    changes: Mapping[str, Any] | None = None,
    mail: bool = True,
) -> Processed:
    """Carry out a verified request's steps (Art. 15-21), send the person what they are due,
    and complete it. With ``mail`` off, or when the person has no e-mail address, what would
    have been sent is returned as files to hand over."""
    _handler(actor)
    _mail_ready(k, request_id, transport, mail)
    with k.engine.connect() as conn:
        kind = RequestType(_row(conn, request_id).type)
    if kind is RequestType.RECTIFICATION and not changes:
        raise InvalidField(
            "say what to correct: field=value pairs (Art. 16), e.g. --set family_name=Jansen",
            field="changes",
        )
    if kind is not RequestType.RECTIFICATION and changes:
        raise InvalidField("changes belong to a rectification request only", field="changes")
    if kind is RequestType.ERASURE:
        _no_legal_hold(k, request_id, now)
    row = _start(k, actor, request_id, now)
    person_id = row.person_id
    files: dict[str, bytes] = {}
    recipients: list[str] | None = None
    if kind in (RequestType.ACCESS, RequestType.PORTABILITY):
        portable = kind is RequestType.PORTABILITY
        how, files = _deliver(
            k,
            actor,
            row,
            "request_portability" if portable else "request_access",
            {"before_erasure": False},
            _export_files(k, actor, row, now, portable=portable),
            now,
            transport,
            mail,
        )
        outcome = f"copy of the personal data {how} (Art. {'20' if portable else '15'})"
    elif kind is RequestType.RECTIFICATION:
        assert changes is not None
        contacts.update_person(k, actor, person_id, k.settings.privacy_purpose, changes, now)
        recipients = _recipients(k, person_id)
        outcome = f"rectified: {', '.join(sorted(changes))} (Art. 16)"
        how, files = _deliver(
            k,
            actor,
            row,
            "request_done",
            {"summary": "rectification", "fields": sorted(changes)},
            [],
            now,
            transport,
            mail,
        )
    elif kind is RequestType.RESTRICTION:
        consent.set_flag(k, actor, person_id, "restriction", True, "privacy_request", now)
        recipients = _recipients(k, person_id)
        outcome = "processing restricted to storage (Art. 18)"
        _deliver(
            k, actor, row, "request_done", {"summary": "restriction"}, [], now, transport, mail
        )
    elif kind is RequestType.OBJECTION:
        consent.set_flag(k, actor, person_id, "objection", True, "privacy_request", now)
        outcome = "direct marketing stopped on every channel (Art. 21(3))"
        _deliver(k, actor, row, "request_done", {"summary": "objection"}, [], now, transport, mail)
    else:
        outcome, files, recipients = _erase(k, actor, row, now, transport, mail)
    return Processed(_complete(k, actor, request_id, outcome, now, recipients), files)


def _no_legal_hold(k: Kluis, request_id: int, now: datetime) -> None:
    """A legal hold (data needed for a legal claim, Art. 17(3)(e)) stops an erasure."""
    from kluis.retention import repository as retention_repo

    with k.engine.connect() as conn:
        person_id = _row(conn, request_id).person_id
        held = retention_repo.holds(conn, [person_id], now).get(person_id)
    if held is not None:
        raise InvalidField(
            f"a legal hold keeps this person's data until {held:%Y-%m-%d} (Art. 17(3)(e)): lift "
            "the hold when the claim is settled, or refuse the request with that reason",
            field="legal_hold",
        )


def _erase(
    k: Kluis,
    actor: Actor,
    row: Any,
    now: datetime,
    transport: messaging.TransportFactory | None,
    mail: bool,
) -> tuple[str, dict[str, bytes], list[str]]:
    """Erasure in the brief's order: (1) the person gets a copy of their data, (2) everything
    no legal obligation needs is erased (Art. 17(1), 17(3)(b)), (3) the person gets a
    certificate, at the address captured before the erasure, which is not kept afterwards."""
    person_id = row.person_id
    to = contacts.recipient(k, actor, person_id, k.settings.privacy_purpose, now)
    electronic = row.channel == "portal" or row.verified_by in ELECTRONIC
    copy = _export_files(k, actor, row, now, portable=False)
    _, files = _deliver(
        k,
        actor,
        row,
        "request_access",
        {"before_erasure": True},
        copy,
        now,
        transport,
        mail and electronic,
    )
    recipients = _recipients(k, person_id)
    with k.engine.connect() as conn:
        person = contacts_repo.fetch(conn, [person_id])[person_id]
        held_keys = contacts_repo.purposes_of(conn, [person_id]).get(person_id, [])
        collected = contacts_repo.collected_at(conn, person_id)
        held = []
        for key in held_keys:
            purpose = purposes_repo.get(conn, key)
            if purpose is None:
                continue
            held.append(
                rules.Held(
                    key,
                    purpose.lawful_basis.value,
                    parse_duration(purpose.retention),
                    purpose.retention_anchor.value,
                    collected.get(key, person.created_at),
                    person.last_interaction_at,
                    person.contract_ended_at,
                )
            )
    present = [f for f in PERSONAL_FIELDS if getattr(person, f.name) is not None]
    kept = rules.kept_purposes(held, now)
    reason = f"request {row.id}"
    certificate: dict[str, Any] = {
        "request_id": row.id,
        "erased_at": now.isoformat(),
        "person_id": person_id,
    }
    if kept:
        with k.engine.begin() as conn:
            # The phone number may be cleared below, taking its index row with it: list both
            # digests first, as a full erasure does, so neither comes back for marketing.
            digests = contacts.contact_digests(k, conn, person_id)
            if k.vault.suppress(digests, "erased", now):
                kinds = tuple(sorted({kind for kind, _ in digests}))
                audit.record(conn, actor.ref, now, [SuppressionAdded(person_id, kinds, "erased")])
            minimised = contacts.keep_only(
                k,
                actor,
                person_id,
                [p.key for p in kept],
                now,
                reason=reason,
                conn=conn,
                ledger=True,
            )
        consent.set_flag(k, actor, person_id, "objection", True, "privacy_request", now)
        consent.set_flag(k, actor, person_id, "restriction", True, "privacy_request", now)
        erased_fields = list(minimised.cleared)
        with k.engine.connect() as conn:
            catalogue = {p.key: purposes_repo.get(conn, p.key) for p in kept}
        certificate["kept"] = []
        for p in kept:
            purpose = catalogue[p.key]
            assert purpose is not None
            certificate["kept"].append(
                {
                    "purpose": p.key,
                    "name": purpose.name_en,
                    "lawful_basis": purpose.lawful_basis.value,
                    "why": "a legal obligation requires keeping it (Art. 17(3)(b))",
                    "retention": purpose.retention,
                    "anchor": purpose.retention_anchor.value,
                    "until": None if p.until is None else p.until.isoformat(),
                    "fields": [
                        f.name
                        for f in present
                        if f.name not in erased_fields and purpose.may_use(f.category)
                    ],
                }
            )
        outcome = (
            f"erased except what {', '.join(p.key for p in kept)} must keep by law "
            "(Art. 17(3)(b)); the rest is restricted to that purpose"
        )
    else:
        contacts.erase_person(k, actor, person_id, now, reason=reason)
        erased_fields = [f.name for f in present]
        certificate["kept"] = []
        outcome = "erased: rows deleted, key destroyed, id in the erasure register (Art. 17)"
    certificate["fields"] = erased_fields
    certificate["categories"] = sorted(
        {f.category for f in PERSONAL_FIELDS if f.name in erased_fields}
    )
    template_params = {"certificate": certificate}
    text = json.dumps(certificate, indent=2).encode()
    cert_file = messaging.Attachment(f"erasure-certificate-{row.id}.json", "application/json", text)
    answer = None
    if mail and to.email:
        try:
            answer = messaging.send_answer(
                k,
                actor,
                person_id,
                "erasure_certificate",
                {"request_id": row.id, **template_params},
                now,
                transport=transport,
                attachments=(cert_file,),
                to=to,
            )
        except SendFailed:
            # The erasure stands and the address is gone with it: running the request again
            # could not reach the person either, so the certificate is handed over instead.
            outcome += "; the certificate could not be e-mailed and is handed over"
    if answer is not None:
        with k.engine.begin() as conn:
            _record_sent(conn, actor, _row(conn, row.id), answer, now)
    else:
        files[cert_file.filename] = cert_file.content
    return outcome, files, recipients


def lift_restriction(
    k: Kluis,
    actor: Actor,
    request_id: int,
    now: datetime,
    *,
    transport: messaging.TransportFactory | None = None,
    mail: bool = True,
) -> RequestView:
    """Lift the restriction a request put in place, telling the person first (Art. 18(3))."""
    _handler(actor)
    _mail_ready(k, request_id, transport, mail)
    with k.engine.connect() as conn:
        row = _row(conn, request_id)
        _, restricted = consent_repo.flags(conn, row.person_id)
    if row.type != RequestType.RESTRICTION.value or row.status != Status.COMPLETED.value:
        raise InvalidField("only a completed restriction request can be lifted", field="request_id")
    if not restricted:
        raise InvalidField(
            f"person {row.person_id} is not restricted (any more): nothing to lift",
            field="request_id",
        )
    if mail:
        _answer(k, actor, row, "restriction_lifted", {}, now, transport)
    consent.set_flag(k, actor, row.person_id, "restriction", False, "privacy_request", now)
    with k.engine.begin() as conn:
        conn.execute(
            update(PrivacyRequest)
            .where(PrivacyRequest.id == request_id)
            .values(outcome=f"{row.outcome}; lifted {now.date().isoformat()}", updated_at=now)
        )
    return get(k, actor, request_id, now)
