"""The people on a deal: linked, read and listed only under the deal's purpose.

A deal declares a purpose (``sales_follow_up`` unless it names another); a person is linked to
it only when they were collected for that purpose and are not restricted, by a role that holds
it (Art. 5(1)(b), 18). The link row has foreign keys to the person and to their
``person_purposes`` row for that purpose, so an erasure or the end of the purpose removes it
(Art. 17, 5(1)(e)). Reading the people on a deal decrypts only what that purpose may use and is
audited per person; a person who cannot be read (restricted since, or gone mid-erasure) shows as
"a removed contact", and the deal, which is business data, stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from kluis.actors import Actor, holds_purpose
from kluis.audit import service as audit
from kluis.audit.deal_events import DealPersonLinked, DealPersonUnlinked
from kluis.audit.people_events import PersonRead
from kluis.contacts import people as contacts_people
from kluis.deals import repository, service
from kluis.deals.repository import DealRow
from kluis.errors import Conflict, InvalidField, NotFound
from kluis.purposes import repository as purposes_repo
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis
from kluis.ui.vocabulary import N_

ROLE_LABELS = {
    "decision_maker": N_("Decision maker"),
    "contact": N_("Contact"),
    "influencer": N_("Influencer"),
    "user": N_("User"),
    "other": N_("Other"),
}
"""A person's role on a deal, and its English msgid."""
ROLES = tuple(ROLE_LABELS)


@dataclass(frozen=True)
class OnDeal:
    """A person on a deal as the deal's purpose sees them; ``person_id`` and ``name`` are None
    for a removed contact."""

    person_id: str | None
    name: str | None
    role: str


@dataclass(frozen=True)
class DealPeople:
    purpose: str
    people: list[OnDeal] | None
    """None when the reader's role does not hold the deal's purpose."""


def display_name(view: contacts_people.PersonView) -> str:
    parts = [view.fields.get("given_name"), view.fields.get("family_name")]
    name = " ".join(p for p in parts if isinstance(p, str) and p)
    return name or view.id


def link_person(
    k: Kluis, actor: Actor, deal_id: int, person_id: str, role: str, now: datetime
) -> None:
    service.may_write(actor)
    if role not in ROLES:
        raise InvalidField(f"role on a deal is one of {', '.join(ROLES)}", field="role")
    with k.engine.begin() as conn:
        found = repository.deal(conn, deal_id)
        if found is None:
            raise NotFound(f"there is no deal {deal_id}", field="deal")
        contacts_people.reach(k, conn, actor, person_id, found.purpose_key)
        if any(p == person_id for p, _, _ in repository.people_on(conn, [deal_id])[deal_id]):
            raise Conflict(f"person {person_id} is on deal {deal_id} already", field="person")
        repository.link(conn, deal_id, person_id, found.purpose_key, role, now)
        audit.record(
            conn, actor.ref, now, [DealPersonLinked(person_id, found.purpose_key, deal_id, role)]
        )


def unlink_person(k: Kluis, actor: Actor, deal_id: int, person_id: str, now: datetime) -> None:
    service.may_write(actor)
    with k.engine.begin() as conn:
        found = repository.deal(conn, deal_id)
        if found is None:
            raise NotFound(f"there is no deal {deal_id}", field="deal")
        if not repository.unlink(conn, deal_id, person_id):
            raise NotFound(f"person {person_id} is not on deal {deal_id}", field="person")
        audit.record(
            conn, actor.ref, now, [DealPersonUnlinked(person_id, found.purpose_key, deal_id)]
        )


def _read(
    k: Kluis,
    conn: Connection,
    actor: Actor,
    purpose: Purpose,
    links: list[tuple[str, str, str]],
    now: datetime,
    via: str,
) -> list[OnDeal]:
    """The linked people under ``purpose``, each read audited; a link under another purpose
    is left out, one whose person cannot be read is a removed contact."""
    mine = [(p, r) for p, key, r in links if key == purpose.key or purpose.covers_everyone]
    views, _hidden = contacts_people.views_of(k, conn, purpose, [p for p, _ in mine])
    seen = {v.id: v for v in views}
    audit.record(
        conn,
        actor.ref,
        now,
        [PersonRead(v.id, purpose.key, tuple(sorted(v.fields)), via) for v in views],
    )
    return [
        OnDeal(p, display_name(seen[p]), r) if p in seen else OnDeal(None, None, r) for p, r in mine
    ]


def people_of_deal(k: Kluis, actor: Actor, deal_id: int, now: datetime) -> DealPeople:
    """The people on a deal, read under the deal's purpose when the reader's role holds it."""
    service.may_read(actor)
    with k.engine.begin() as conn:
        found = repository.deal(conn, deal_id)
        if found is None:
            raise NotFound(f"there is no deal {deal_id}", field="deal")
        purpose = purposes_repo.get(conn, found.purpose_key)
        if purpose is None or not holds_purpose(actor.role, purpose.roles):
            return DealPeople(found.purpose_key, None)
        links = repository.people_on(conn, [deal_id])[deal_id]
        return DealPeople(found.purpose_key, _read(k, conn, actor, purpose, links, now, "deal"))


def names_on(
    k: Kluis, conn: Connection, actor: Actor, purpose: Purpose, deals: list[DealRow], now: datetime
) -> dict[int, list[OnDeal]]:
    """For a page of deals (the CSV export), the people on each visible under ``purpose``."""
    links = repository.people_on(conn, [d.id for d in deals])
    return {d.id: _read(k, conn, actor, purpose, links[d.id], now, "deal_export") for d in deals}


@dataclass(frozen=True)
class PersonDeal:
    """A deal a person is on, as their own page or package shows it: no other person's data."""

    deal: DealRow
    stage_en: str
    stage_nl: str
    stage_kind: str
    role: str
    purpose: str


def deals_of_person(
    k: Kluis, actor: Actor, person_id: str, purpose_key: str, now: datetime
) -> list[PersonDeal]:
    """The deals a person is linked to under ``purpose_key`` (every deal, for a purpose that
    covers everyone: the access package), checked and audited like a read of the person."""
    with k.engine.begin() as conn:
        return deals_of_person_in(k, conn, actor, person_id, purpose_key, now)


def deals_of_person_in(
    k: Kluis, conn: Connection, actor: Actor, person_id: str, purpose_key: str, now: datetime
) -> list[PersonDeal]:
    """``deals_of_person`` in the caller's transaction, which records the read."""
    purpose = contacts_people.reach(k, conn, actor, person_id, purpose_key)
    stages = {s.id: s for s in repository.stages(conn)}
    found = [
        PersonDeal(
            d,
            stages[d.stage_id].name_en,
            stages[d.stage_id].name_nl,
            stages[d.stage_id].kind.value,
            role,
            key,
        )
        for d, key, role in repository.deals_of_person(conn, person_id)
        if key == purpose.key or purpose.covers_everyone
    ]
    audit.record(conn, actor.ref, now, [PersonRead(person_id, purpose.key, (), "deals")])
    return found
