"""Carrying out an erasure request (Art. 17): the person's copy, the erasure, the certificate.

The erasure itself is the contacts slice's (the one erasure path); this module decides what a
legal obligation keeps (``rules.kept_purposes``), stops at a legal hold, and sends the
certificate ``rules.certificate`` builds, by a job (``mails``), at the address captured before
the erasure under a key of the request's own, destroyed once the last mail went. When connected
systems were told (Art. 19), a final certificate with each system's state follows once they
confirmed (``final_certificate``).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.people_events import SuppressionAdded
from kluis.connected import tracking
from kluis.contacts import erasure as contacts
from kluis.contacts import flags, people, suppression
from kluis.contacts import repository as contacts_repo
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.errors import InvalidField
from kluis.locale import N_
from kluis.messaging import service as messaging
from kluis.purposes import repository as purposes_repo
from kluis.purposes.rules import Purpose, parse_duration
from kluis.requests import answers, mails, old_files, packages, repository, rules
from kluis.requests.outcomes import Code, Outcome
from kluis.retention import repository as retention_repo
from kluis.runtime import Kluis

ELECTRONIC = ("email_link", "known_address", "account")
"""Verifications that mean the person asked electronically: their copy goes by e-mail
(Art. 12(3), 15(3))."""


def no_legal_hold(k: Kluis, request_id: int, now: datetime) -> None:
    """A legal hold (data needed for a legal claim, Art. 17(3)(e)) stops an erasure."""
    with k.engine.connect() as conn:
        person_id = repository.fetch(conn, request_id).person_id
        held = retention_repo.holds(conn, [person_id], now).get(person_id)
    if held is not None:
        raise InvalidField(
            f"a legal hold keeps this person's data until {held:%Y-%m-%d} (Art. 17(3)(e)): lift "
            "the hold when the claim is settled, or refuse the request with that reason",
            field="legal_hold",
            msgid=N_(
                "A legal hold keeps this person's data until %(until)s (Art. 17(3)(e)): lift the "
                "hold when the claim is settled, or refuse the request with that reason."
            ),
            values={"until": f"{held:%d-%m-%Y}"},
        )


def _held(k: Kluis, person_id: str) -> tuple[Any, list[rules.Held]]:
    """The person's row and their purposes as an erasure sees them."""
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
    return person, held


def _keep_only(
    k: Kluis, actor: Actor, person_id: str, kept: list[rules.Kept], reason: str, now: datetime
) -> tuple[list[str], list[tuple[rules.Kept, Purpose]]]:
    """Erase all but what the kept purposes need, suppress the contact details and restrict
    the rest to those purposes; the fields cleared and each kept purpose with its catalogue
    entry."""
    with k.engine.begin() as conn:
        # The phone number may be cleared below, taking its index row with it: list both
        # digests first, as a full erasure does, so neither comes back for marketing.
        digests = suppression.contact_digests(k, conn, person_id)
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
    flags.set_flag(k, actor, person_id, "objection", True, "privacy_request", now)
    flags.set_flag(k, actor, person_id, "restriction", True, "privacy_request", now)
    with k.engine.connect() as conn:
        catalogue = {p.key: purposes_repo.get(conn, p.key) for p in kept}
    pairs = []
    for p in kept:
        purpose = catalogue[p.key]
        assert purpose is not None
        pairs.append((p, purpose))
    return list(minimised.cleared), pairs


def erase(
    k: Kluis,
    actor: Actor,
    row: Any,
    now: datetime,
    transport: messaging.TransportFactory | None,
    mail: bool,
) -> tuple[Outcome, dict[str, bytes], list[str]]:
    """Erasure in the brief's order: (1) the person's copy of their data is built and sealed
    under the request's capture key (``packages``), (2) everything no legal obligation needs
    is erased (Art. 17(1), 17(3)(b)), (3) the copy and the certificate are mailed by jobs to
    the address captured before the erasure, whose key is destroyed once both went."""
    person_id = row.person_id
    to = people.recipient(k, actor, person_id, k.settings.privacy_purpose, now)
    electronic = row.channel == "portal" or row.verified_by in ELECTRONIC
    recipients = answers.recipients(k, person_id)
    # the capture first: its key seals the copy and holds the address the mails go to
    old_files.capture_for_erasure(k, actor, row, now)
    copy = packages.build(k, actor, row, now, portable=False)
    files: dict[str, bytes] = {}
    copy_mail = None
    sealed = packages.seal(k, row.id, copy) if mail and electronic and to.email else None
    if sealed is not None:
        copy_mail = mails.post(
            k,
            actor,
            row,
            "request_access",
            {"before_erasure": True, "package": "access"},
            now,
            transport,
            captured=True,
            dispatched=False,
            sealed=sealed,
        )
    else:
        files = {f.filename: f.content for f in packages.files(k, row, copy)}
    person, held = _held(k, person_id)
    present = [f for f in PERSONAL_FIELDS if getattr(person, f.name) is not None]
    kept = rules.kept_purposes(held, now)
    reason = f"request {row.id}"
    kept_for: list[tuple[rules.Kept, Purpose]] = []
    if kept:
        erased_fields, kept_for = _keep_only(k, actor, person_id, kept, reason, now)
        outcome = Outcome(Code.ERASED_EXCEPT, {"kept": [p.key for p in kept]})
    else:
        contacts.erase_person(k, actor, person_id, now, reason=reason)
        erased_fields = [f.name for f in present]
        outcome = Outcome(Code.ERASED)
    certificate = rules.certificate(row.id, person_id, now, present, erased_fields, kept_for)
    certificate["old_files"] = old_files.certificate_part(k, actor, row.id)
    # the systems told of the erasure (Art. 19), in registration order, and which confirmed
    certificate["connected_systems"] = tracking.certificate(k, person_id)
    # what the mail calls the kept purposes, in the person's language
    purpose_names = {
        held_for.key: purpose.name_nl if person.language == "nl" else purpose.name_en
        for held_for, purpose in kept_for
    }
    systems = certificate["connected_systems"]
    if mail and to.email:
        # Both mails go to the address captured before the erasure, sealed under the
        # request's own key; the job opens it when it sends (``mails``). With connected
        # systems told, the first says a final certificate follows once they confirmed
        # (``final``); the capture's key is destroyed when the last of them went.
        stored = {key: value for key, value in certificate.items() if key != "person_id"}
        params = {"certificate": stored, "purpose_names": purpose_names}
        first = mails.post(
            k,
            actor,
            row,
            "erasure_certificate",
            {**params, "follows": bool(systems), "final": False},
            now,
            transport,
            captured=True,
            dispatched=False,
        )
        if systems:
            mails.post(
                k,
                actor,
                row,
                "erasure_certificate",
                {**params, "follows": False, "final": True},
                now,
                transport,
                captured=True,
                waiting=True,
            )
            mails.keep_for_final(k, row)
            outcome = Outcome(outcome.code, {**outcome.values, "waiting": True})
        # the final mail was recorded before the first goes: the capture stays for it; the
        # copy is dispatched first, so it is first in the queue
        if copy_mail is not None:
            mails.dispatch(k, copy_mail, now, transport)
        mails.dispatch(k, first, now, transport)
    else:
        text = json.dumps(certificate, indent=2).encode()
        files[f"erasure-certificate-{row.id}.json"] = text
    return outcome, files, recipients
