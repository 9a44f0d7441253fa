"""Objection to direct marketing (Art. 21(3)) and restriction of processing (Art. 18).

Neither is consent: an objection stops every commercial message whatever was consented to, and a
restriction keeps the data stored but unused. Both are recorded here with who, when and how
(``flag_events``), and read by the consent slice's decisions and by every read of a person.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from kluis.actors import ALL_PURPOSES_ROLES, SYSTEM, Actor
from kluis.audit import service as audit
from kluis.audit.events import AuditEvent
from kluis.audit.people_events import FlagChanged, SuppressionAdded
from kluis.contacts import repository
from kluis.contacts.suppression import contact_digests
from kluis.errors import InvalidField, NotFound, PermissionDenied, PersonErased
from kluis.runtime import Kluis
from kluis.vault.service import SUPPRESSION_KINDS

FLAG_METHODS = ("phone", "email", "letter", "in_person", "web_form", "privacy_request")


def _present(k: Kluis, conn: Connection, person_id: str) -> None:
    """PersonErased or NotFound when the person is not there."""
    if not repository.existing(conn, [person_id]):
        if k.vault.erased([person_id]):
            raise PersonErased(f"person {person_id} was erased; nothing can be recorded for them")
        raise NotFound(f"there is no person {person_id}", field="id")


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
        _present(k, conn, person_id)
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
            digests = contact_digests(k, conn, person_id)
            # listed before this transaction commits: a failure later leaves the address
            # suppressed without the objection, never the objection without the suppression
            if k.vault.suppress(digests, "objected", now):
                kinds = tuple(sorted({kind for kind, _ in digests}))
                events.append(SuppressionAdded(person_id, kinds, "objected"))
        audit.record(conn, actor.ref, now, events)


def relist_objections(k: Kluis, now: datetime, *, page: int = 1000) -> int:
    """Put on the suppression list every e-mail address and phone number held for a person who
    objected to direct marketing (Art. 21(3)) that is not on it yet; returns how many people had
    one. ``set_flag`` lists what a person has when they object and ``contacts.rectify.store_fields``
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
            held = repository.index_digests_of(conn, ids, SUPPRESSION_KINDS)
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
