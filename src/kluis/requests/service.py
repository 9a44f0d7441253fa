"""Privacy requests as use cases: receive, verify, extend, refuse, and carry out each type.

Every state change is audited in the same transaction as the change (``transitions``).
Carrying out a request (``steps``) uses the slices that own the data: contacts for
rectification and erasure (the one erasure path; ``erasure`` for the request's side of it),
consent for objection and restriction, the export module for access and portability, messaging
for what is sent to the person (``answers``). The queries are in ``repository``. The request
itself outlives an erasure as the controller's proof of having answered (Art. 5(2), 12).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from kluis.actors import ALL_PURPOSES_ROLES, ERASE_ROLES, Actor
from kluis.audit import service as audit
from kluis.audit.request_events import RequestCreated, RequestExtended
from kluis.contacts import flags as contacts_flags
from kluis.contacts import repository as contacts_repo
from kluis.contacts import rules as contacts_rules
from kluis.errors import InvalidField, NotFound, PermissionDenied, PersonErased, Word
from kluis.locale import N_
from kluis.messaging import service as messaging
from kluis.requests import (
    answers,
    erasure,
    mails,
    outcomes,
    reads,
    repository,
    rules,
    steps,
    transitions,
)
from kluis.requests.reads import list_requests as list_requests
from kluis.requests.reads import of_person_in as of_person_in
from kluis.requests.reads import outcomes_of as outcomes_of
from kluis.requests.rules import RequestType, Status
from kluis.requests.views import Processed, RequestView
from kluis.runtime import Kluis


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
        raise InvalidField(
            "details are at most 4000 characters",
            field="details",
            msgid=N_("The details are at most 4000 characters long."),
        )
    with k.engine.begin() as conn:
        if portal_ref is not None:
            existing = repository.by_portal_ref(conn, portal_ref)
            if existing is not None:
                return reads.view_of(k, existing, now)
        who = _person_for(k, conn, person_id, email)
        language = contacts_repo.fetch(conn, [who])[who].language
        sealed = None
        if details:
            sealed = k.vault.cipher(who).seal(reads.DETAILS_FIELD, details)
        status = Status.RECEIVED if verification is None else Status.VERIFIED
        request_id = repository.add(
            conn,
            {
                "type": kind.value,
                "person_id": who,
                "channel": channel,
                "portal_ref": portal_ref,
                "verified_by": verification,
                "status": status.value,
                "language": language,
                "received_at": now,
                "due_at": rules.due_at(now),
                "details": sealed,
                "recipients_to_notify": [],
                "sent": [],
                "created_by": actor.ref,
                "updated_at": now,
            },
        )
        audit.record(
            conn,
            actor.ref,
            now,
            [RequestCreated(who, request_id, kind.value, channel, verification)],
        )
        return reads.view_of(k, repository.fetch(conn, request_id), now)


def get(k: Kluis, actor: Actor, request_id: int, now: datetime) -> RequestView:
    reads.handler(actor)
    with k.engine.connect() as conn:
        view = reads.view_of(k, repository.fetch(conn, request_id), now, details=True)
    return dataclasses.replace(view, mails=mails.of_request(k, request_id))


def verify(k: Kluis, actor: Actor, request_id: int, verified_by: str, now: datetime) -> RequestView:
    """Record how the requester was shown to be the person (Art. 12(6))."""
    reads.handler(actor)
    method = rules.parse_verification(verified_by).value
    with k.engine.begin() as conn:
        row = repository.fetch(conn, request_id)
        transitions.set_status(conn, actor, row, Status.VERIFIED, now, verified_by=method)
        return reads.view_of(k, repository.fetch(conn, request_id), now)


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
    reads.handler(actor)
    with k.engine.begin() as conn:
        row = repository.fetch(conn, request_id)
        if Status(row.status) not in rules.OPEN:
            raise InvalidField(
                f"request {request_id} is {row.status}",
                field="request_id",
                msgid=N_("Request %(id)s is %(status)s."),
                values={"id": request_id, "status": Word(row.status)},
            )
        new = rules.extension(row.received_at, row.due_at, row.extended_to, months, reason, now)
        repository.change(
            conn, request_id, extended_to=new, extension_reason=reason.strip(), updated_at=now
        )
        audit.record(
            conn,
            actor.ref,
            now,
            [RequestExtended(row.person_id, request_id, months, new.isoformat())],
        )
    if mail:
        answers.answer(
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
    reads.handler(actor)
    if not reason.strip():
        raise InvalidField(
            "give the reason; the person is told it (Art. 12(4))",
            field="reason",
            msgid=N_("Give the reason; the person is told it (Art. 12(4))."),
        )
    with k.engine.begin() as conn:
        row = repository.fetch(conn, request_id)
        transitions.set_status(
            conn,
            actor,
            row,
            Status.REFUSED,
            now,
            outcome_code=outcomes.Code.REFUSED.value,
            outcome_values={"reason": reason.strip()},
        )
    if mail and not k.vault.erased([row.person_id]):
        answers.answer(k, actor, row, "request_refused", {"reason": reason.strip()}, now, transport)
    return get(k, actor, request_id, now)


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
    reads.handler(actor)
    with k.engine.connect() as conn:
        kind = RequestType(repository.fetch(conn, request_id).type)
    if kind is RequestType.RECTIFICATION and not changes:
        raise InvalidField(
            "say what to correct: field=value pairs (Art. 16), e.g. --set family_name=Jansen",
            field="changes",
            msgid=N_("Say what to correct: choose a detail and give its new value (Art. 16)."),
        )
    if kind is not RequestType.RECTIFICATION and changes:
        raise InvalidField(
            "changes belong to a rectification request only",
            field="changes",
            msgid=N_("Only a rectification request changes details."),
        )
    if kind is RequestType.ERASURE:
        erasure.no_legal_hold(k, request_id, now)
    row = transitions.start(k, actor, request_id, now)
    outcome, files, recipients = steps.carry_out(k, actor, row, kind, changes, now, transport, mail)
    done = transitions.complete(k, actor, request_id, outcome, now, recipients)
    return Processed(reads.view_of(k, done, now), files)


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
    reads.handler(actor)
    with k.engine.connect() as conn:
        row = repository.fetch(conn, request_id)
        _, restricted = contacts_repo.flags(conn, row.person_id)
    if row.type != RequestType.RESTRICTION.value or row.status != Status.COMPLETED.value:
        raise InvalidField(
            "only a completed restriction request can be lifted",
            field="request_id",
            msgid=N_("Only a completed restriction request can be lifted."),
        )
    if not restricted:
        raise InvalidField(
            f"person {row.person_id} is not restricted (any more): nothing to lift",
            field="request_id",
            msgid=N_("The person is not restricted (any more): there is nothing to lift."),
        )
    if mail:
        answers.answer(k, actor, row, "restriction_lifted", {}, now, transport)
    contacts_flags.set_flag(k, actor, row.person_id, "restriction", False, "privacy_request", now)
    with k.engine.begin() as conn:
        before = outcomes.of(row.outcome_code, row.outcome_values)
        assert before is not None  # a completed request has its outcome
        lifted = before.lifted(now.date().isoformat())
        repository.change(conn, request_id, outcome_values=lifted.stored(), updated_at=now)
    return get(k, actor, request_id, now)
