"""Owners: the staff user who looks after a person or a company.

An owner is staff data (a ``users`` row), not the person's: it is kept plainly
(``people.owner_id``, ``companies.owner_id``, d0019_lists; ON DELETE SET NULL, so a removed
user leaves people unowned, not gone) and the audit log names it by staff ref. Changing a
person's owner is processing of that person, so it needs a purpose the role holds and the
person was collected for, like any read (Art. 5(1)(b)); a selection is assigned in one
transaction, one ``person.owner_changed`` event per person whose owner changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, select, update

from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.events import AuditEvent
from kluis.audit.owner_events import CompanyOwnerChanged, PersonOwnerChanged
from kluis.auth import service as users
from kluis.contacts import people
from kluis.contacts.owner_check import check_owners
from kluis.contacts.tables import Company
from kluis.contacts.tables import people as people_table
from kluis.errors import InvalidField, NotFound, PurposeRefused
from kluis.locale import N_
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis

MAX_SELECTION = 500
"""The most people one bulk action takes (a page of the list is 25 to 100)."""


def staff_ref(user_id: int | None) -> str | None:
    return None if user_id is None else f"user:{user_id}"


def owner_by_email(k: Kluis, email: str) -> int:
    """The id of the staff user with this e-mail address (the command line names owners so)."""
    return users.find_user(k.engine, email).id


def selection(ids: Sequence[str]) -> list[str]:
    """The ids of a selection, once each, in order; refused when empty or too long."""
    chosen = list(dict.fromkeys(i for i in ids if i))
    if not chosen:
        raise InvalidField("choose at least one person", field="person_id")
    if len(chosen) > MAX_SELECTION:
        raise InvalidField(
            f"choose at most {MAX_SELECTION} people at once",
            field="person_id",
            msgid=N_("Choose at most %(most)s people at once."),
            values={"most": MAX_SELECTION},
        )
    return chosen


_HIDDEN = {
    "purpose": N_(
        "Person %(person)s was not collected for the purpose you work under; leave them out of "
        "the selection."
    ),
    "restricted": N_(
        "Processing of person %(person)s is restricted (Art. 18); leave them out of the selection."
    ),
}


def visible_selection(
    k: Kluis, conn: Connection, actor: Actor, ids: Sequence[str], purpose_key: str
) -> Purpose:
    """The working purpose, checked for every person of the selection as ``people.reach``
    checks one: a person the actor may not process under it refuses the whole selection."""
    purpose = people.purpose_for(conn, actor, purpose_key)
    _, hidden = people.views_of(k, conn, purpose, ids)
    for person_id, why in hidden.items():
        if why == "missing":
            raise people.missing_error(k, person_id)
        raise PurposeRefused(
            f"person {person_id} cannot be processed under purpose {purpose_key!r} ({why}); "
            "leave them out of the selection",
            field="person_id",
            msgid=_HIDDEN[why],
            values={"person": person_id},
        )
    return purpose


def assign_people(
    k: Kluis,
    actor: Actor,
    ids: Sequence[str],
    owner_id: int | None,
    purpose_key: str,
    now: datetime,
    *,
    via: str = "api",
) -> int:
    """Make ``owner_id`` (None: nobody) the owner of every person in ``ids``; returns how many
    changed. One transaction: all or none."""
    chosen = selection(ids)
    with k.engine.begin() as conn:
        purpose = visible_selection(k, conn, actor, chosen, purpose_key)
        if owner_id is not None:
            check_owners(conn, [owner_id])
        rows = conn.execute(
            select(people_table.c.id, people_table.c.owner_id).where(people_table.c.id.in_(chosen))
        )
        before: dict[str, int | None] = {str(r[0]): r[1] for r in rows}
        changed = [i for i in chosen if before.get(i) != owner_id]
        if changed:
            conn.execute(
                update(people_table)
                .where(people_table.c.id.in_(changed))
                .values(owner_id=owner_id, updated_at=now)
            )
        events: list[AuditEvent] = [
            PersonOwnerChanged(i, purpose.key, staff_ref(owner_id), staff_ref(before.get(i)), via)
            for i in changed
        ]
        audit.record(conn, actor.ref, now, events)
    return len(changed)


def assign_company(
    k: Kluis, actor: Actor, company_id: int, owner_id: int | None, now: datetime
) -> None:
    """Make ``owner_id`` (None: nobody) the owner of a company."""
    with k.engine.begin() as conn:
        previous = (
            conn.execute(select(Company.owner_id).where(Company.id == company_id)).first()
            if 0 < company_id < 2**31
            else None
        )
        if previous is None:
            raise NotFound(f"there is no company {company_id}", field="company_id")
        if owner_id is not None:
            check_owners(conn, [owner_id])
        if previous[0] == owner_id:
            return
        conn.execute(
            update(Company)
            .where(Company.id == company_id)
            .values(owner_id=owner_id, updated_at=now)
        )
        audit.record(
            conn,
            actor.ref,
            now,
            [CompanyOwnerChanged(company_id, staff_ref(owner_id), staff_ref(previous[0]))],
        )
