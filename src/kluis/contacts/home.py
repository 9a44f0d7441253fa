"""The home page's count of people per relationship under the signed-in user's purposes
(``auth.home``). Counts name nobody and read no personal field, so they are not a read of
anyone's data (no ``person.read``); they are bound to purposes all the same: only people
collected for a purpose the role holds are counted (Art. 5(1)(b)), never the purposes that
cover everyone (answering privacy requests)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select

from kluis.actors import holds_purpose
from kluis.auth.home import HomeSection
from kluis.auth.sessions import Session
from kluis.contacts.tables import PersonPurpose, people
from kluis.purposes import repository as purposes_repo
from kluis.runtime import Kluis
from kluis.ui.vocabulary import N_


def _per_relationship(conn: Connection, purpose_keys: list[str]) -> dict[str, int]:
    collected = select(PersonPurpose.person_id).where(PersonPurpose.purpose_key.in_(purpose_keys))
    rows = conn.execute(
        select(people.c.relationship, func.count())
        .where(people.c.id.in_(collected))
        .group_by(people.c.relationship)
    )
    return {str(relationship): int(count) for relationship, count in rows}


def home_panel(k: Kluis, session: Session, now: datetime) -> HomeSection | None:
    del now
    with k.engine.connect() as conn:
        held = [
            p
            for p in purposes_repo.all_purposes(conn)
            if not p.covers_everyone and holds_purpose(session.role, p.roles)
        ]
        if not held:
            return None
        counts = _per_relationship(conn, [p.key for p in held])
    return HomeSection(
        key="people",
        title=N_("People under my purposes"),
        template="staff/home/_people.html",
        values={"counts": counts, "purposes": held},
    )
