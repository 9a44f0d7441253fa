"""All SQL of the compliance slice. It reads other slices' tables (read only) to count and to find
what needs fixing; it writes only the breach register."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, distinct, func, insert, or_, select, update

from kluis.audit.tables import AuditRow
from kluis.auth.tables import ApiToken, User
from kluis.compliance.tables import Breach
from kluis.consent.tables import PermissionRow
from kluis.contacts.tables import PersonPurpose, people
from kluis.purposes.tables import PurposeRow
from kluis.requests.tables import PrivacyRequest

# Counts for the record of processing ------------------------------------------------------------


def people_per_purpose(conn: Connection) -> dict[str, int]:
    """One grouped query: how many people each purpose holds data of."""
    rows = conn.execute(
        select(PersonPurpose.purpose_key, func.count()).group_by(PersonPurpose.purpose_key)
    )
    return {key: int(count) for key, count in rows}


def people_per_basis(conn: Connection) -> dict[str, int]:
    """Distinct people per lawful basis (a person held for two consent purposes counts once)."""
    rows = conn.execute(
        select(PurposeRow.lawful_basis, func.count(distinct(PersonPurpose.person_id)))
        .join(PurposeRow, PurposeRow.key == PersonPurpose.purpose_key)
        .group_by(PurposeRow.lawful_basis)
    )
    return {basis: int(count) for basis, count in rows}


def people_total(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(people)).scalar_one())


# Breach register --------------------------------------------------------------------------------


def add_breach(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(Breach).values(**values).returning(Breach.id))
    return int(result.scalar_one())


def breach(conn: Connection, breach_id: int) -> Row[Any] | None:
    return conn.execute(select(Breach).where(Breach.id == breach_id)).first()


def breaches(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(Breach).order_by(Breach.detected_at, Breach.id)))


def update_breach(conn: Connection, breach_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(Breach).where(Breach.id == breach_id).values(**values))


def open_breaches(conn: Connection) -> list[Row[Any]]:
    """Breaches the authority was neither told of nor documented as not needing to be."""
    return list(
        conn.execute(
            select(Breach)
            .where(Breach.authority_notified_at.is_(None), Breach.authority_not_required.is_(None))
            .order_by(Breach.detected_at)
        )
    )


def affected_people(
    conn: Connection,
    start: datetime | None,
    end: datetime | None,
    actors: Iterable[str],
    purposes: Iterable[str],
) -> list[str]:
    """Distinct person ids of audit entries in the window by the actors and/or under the purposes.

    Actors and purposes widen the set together (an entry by one of the actors *or* under one of
    the purposes): a stolen token reads under several purposes, a leaked export is one purpose.
    """
    query = select(AuditRow.person_id).distinct().where(AuditRow.person_id.is_not(None))
    if start is not None:
        query = query.where(AuditRow.at >= start)
    if end is not None:
        query = query.where(AuditRow.at <= end)
    actor_list, purpose_list = list(actors), list(purposes)
    who = []
    if actor_list:
        who.append(AuditRow.actor.in_(actor_list))
    if purpose_list:
        who.append(AuditRow.purpose.in_(purpose_list))
    if who:
        query = query.where(or_(*who))
    return sorted(str(p) for p in conn.execute(query).scalars())


# Findings ---------------------------------------------------------------------------------------


def purpose_rows(
    conn: Connection,
) -> list[tuple[str, str, str | None, str | None, str | None]]:
    """Key, lawful basis, legitimate interest, retention and the interest in Dutch of every
    purpose, as stored (the checks must see a bad value that ``Purpose`` would refuse to load)."""
    rows = conn.execute(
        select(
            PurposeRow.key,
            PurposeRow.lawful_basis,
            PurposeRow.legitimate_interest,
            PurposeRow.retention,
            PurposeRow.legitimate_interest_nl,
        ).order_by(PurposeRow.key)
    )
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def lapsed_grants(conn: Connection, now: datetime) -> tuple[int, int]:
    """Kept permissions still ``granted`` past their re-confirmation date: rows and people."""
    row = conn.execute(
        select(func.count(), func.count(distinct(PermissionRow.person_id))).where(
            PermissionRow.status == "granted",
            PermissionRow.reconfirm_by.is_not(None),
            PermissionRow.reconfirm_by <= now,
        )
    ).one()
    return int(row[0]), int(row[1])


CLOSED_REQUEST_STATUSES = ("completed", "refused", "rejected", "withdrawn", "closed", "cancelled")


def requests_due(conn: Connection, until: datetime) -> list[tuple[int, str, datetime, str]]:
    """Open privacy requests whose deadline (extended or not) falls before ``until``: id, type,
    deadline, status."""
    deadline = func.coalesce(PrivacyRequest.extended_to, PrivacyRequest.due_at)
    rows = conn.execute(
        select(
            PrivacyRequest.id,
            PrivacyRequest.type,
            PrivacyRequest.due_at,
            PrivacyRequest.extended_to,
            PrivacyRequest.status,
        )
        .where(
            PrivacyRequest.completed_at.is_(None),
            PrivacyRequest.status.not_in(CLOSED_REQUEST_STATUSES),
            deadline <= until,
        )
        .order_by(deadline, PrivacyRequest.id)
    )
    out = []
    for r in rows:
        due = r.extended_to if r.extended_to is not None else r.due_at
        out.append((int(r.id), str(r.type), due, str(r.status)))
    return out


def broad_users(
    conn: Connection, roles: Iterable[str]
) -> list[tuple[int, str, str, datetime, datetime | None, datetime | None]]:
    """Active users with one of ``roles``: id, e-mail, role, created, last token use, last
    sign-in to the web app."""
    last_used = (
        select(ApiToken.user_id, func.max(ApiToken.last_used_at).label("last_used"))
        .group_by(ApiToken.user_id)
        .subquery()
    )
    rows = conn.execute(
        select(
            User.id,
            User.email,
            User.role,
            User.created_at,
            last_used.c.last_used,
            User.last_sign_in_at,
        )
        .outerjoin(last_used, last_used.c.user_id == User.id)
        .where(and_(User.active.is_(True), User.role.in_(list(roles))))
        .order_by(User.id)
    )
    return [(int(r[0]), str(r[1]), str(r[2]), r[3], r[4], r[5]) for r in rows]


def without_second_factor(conn: Connection, roles: Iterable[str]) -> list[tuple[int, str]]:
    """Active users with one of ``roles`` and no TOTP secret: id and role."""
    rows = conn.execute(
        select(User.id, User.role)
        .where(User.active.is_(True), User.role.in_(list(roles)), User.totp_secret.is_(None))
        .order_by(User.id)
    )
    return [(int(r[0]), str(r[1])) for r in rows]


def requests_told_onward(
    conn: Connection, since: datetime, until: datetime
) -> list[tuple[int, str, str, datetime]]:
    """Requests whose answer reaches the recipients (Art. 19: erasure, rectification,
    restriction, objection), not refused, with a deadline between ``since`` and ``until``: id,
    type, person, deadline."""
    deadline = func.coalesce(PrivacyRequest.extended_to, PrivacyRequest.due_at)
    rows = conn.execute(
        select(PrivacyRequest.id, PrivacyRequest.type, PrivacyRequest.person_id, deadline)
        .where(
            PrivacyRequest.type.in_(("erasure", "rectification", "restriction", "objection")),
            PrivacyRequest.status.not_in(("refused", "rejected", "withdrawn", "cancelled")),
            PrivacyRequest.person_id.is_not(None),
            deadline >= since,
            deadline <= until,
        )
        .order_by(deadline, PrivacyRequest.id)
    )
    return [(int(r[0]), str(r[1]), str(r[2]), r[3]) for r in rows]
