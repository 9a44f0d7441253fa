"""The SQL of connected systems (Core, on the caller's connection; no transaction or audit)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from kluis.connected.tables import (
    ConnectedIdentity,
    ConnectedNotice,
    ConnectedPurpose,
    ConnectedSecret,
    ConnectedSystem,
)
from kluis.contacts.tables import PersonPurpose

_CHUNK = 500


def systems(conn: Connection) -> list[Any]:
    return list(conn.execute(select(ConnectedSystem).order_by(ConnectedSystem.id)))


def system(conn: Connection, ref: str | int) -> Any | None:
    query = select(ConnectedSystem)
    if isinstance(ref, int) or str(ref).isdigit():
        query = query.where(ConnectedSystem.id == int(ref))
    else:
        query = query.where(ConnectedSystem.name == ref)
    return conn.execute(query).first()


def system_named(conn: Connection, name: str) -> Any | None:
    return conn.execute(select(ConnectedSystem).where(ConnectedSystem.name == name)).first()


def _made(key: Any) -> int:
    assert key is not None
    return int(key[0])


def add_system(conn: Connection, values: dict[str, Any]) -> int:
    return _made(conn.execute(insert(ConnectedSystem).values(**values)).inserted_primary_key)


def update_system(conn: Connection, system_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(ConnectedSystem).where(ConnectedSystem.id == system_id).values(**values))


def purposes_of(conn: Connection, system_ids: Iterable[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    rows = conn.execute(
        select(ConnectedPurpose.system_id, ConnectedPurpose.purpose_key)
        .where(ConnectedPurpose.system_id.in_(list(system_ids)))
        .order_by(ConnectedPurpose.purpose_key)
    )
    for system_id, key in rows:
        out.setdefault(system_id, []).append(key)
    return out


def systems_by_purpose(conn: Connection) -> dict[str, list[str]]:
    """Purpose key -> the names of the systems it sends data to (record of processing)."""
    out: dict[str, list[str]] = {}
    rows = conn.execute(
        select(ConnectedPurpose.purpose_key, ConnectedSystem.name)
        .join(ConnectedSystem, ConnectedSystem.id == ConnectedPurpose.system_id)
        .order_by(ConnectedSystem.name)
    )
    for key, name in rows:
        out.setdefault(key, []).append(name)
    return out


def set_purposes(conn: Connection, system_id: int, keys: Sequence[str]) -> None:
    conn.execute(delete(ConnectedPurpose).where(ConnectedPurpose.system_id == system_id))
    if keys:
        conn.execute(
            insert(ConnectedPurpose), [{"system_id": system_id, "purpose_key": k} for k in keys]
        )


def live_secrets(conn: Connection, system_id: int, now: datetime) -> list[Any]:
    """The secrets that sign now, newest first."""
    return list(
        conn.execute(
            select(ConnectedSecret)
            .where(
                ConnectedSecret.system_id == system_id,
                or_(ConnectedSecret.retires_at.is_(None), ConnectedSecret.retires_at > now),
            )
            .order_by(ConnectedSecret.id.desc())
        )
    )


def add_secret(conn: Connection, system_id: int, sealed: bytes, now: datetime) -> None:
    conn.execute(insert(ConnectedSecret).values(system_id=system_id, sealed=sealed, created_at=now))


def retire_secrets(conn: Connection, system_id: int, at: datetime) -> None:
    conn.execute(
        update(ConnectedSecret)
        .where(ConnectedSecret.system_id == system_id, ConnectedSecret.retires_at.is_(None))
        .values(retires_at=at)
    )


def put_identity(
    conn: Connection, person_id: str, system_id: int, sealed: bytes, now: datetime
) -> None:
    conn.execute(
        delete(ConnectedIdentity).where(
            ConnectedIdentity.person_id == person_id, ConnectedIdentity.system_id == system_id
        )
    )
    conn.execute(
        insert(ConnectedIdentity).values(
            person_id=person_id, system_id=system_id, external_id=sealed, created_at=now
        )
    )


def identities(conn: Connection, person_ids: Sequence[str]) -> dict[tuple[str, int], bytes]:
    out: dict[tuple[str, int], bytes] = {}
    for start in range(0, len(person_ids), _CHUNK):
        chunk = person_ids[start : start + _CHUNK]
        rows = conn.execute(
            select(
                ConnectedIdentity.person_id,
                ConnectedIdentity.system_id,
                ConnectedIdentity.external_id,
            ).where(ConnectedIdentity.person_id.in_(chunk))
        )
        for person_id, system_id, sealed in rows:
            out[(person_id, system_id)] = sealed
    return out


def systems_of_people(conn: Connection, person_ids: Sequence[str]) -> dict[str, list[int]]:
    """Person -> the systems any of their purposes send data to, in registration order."""
    out: dict[str, set[int]] = {}
    for start in range(0, len(person_ids), _CHUNK):
        chunk = person_ids[start : start + _CHUNK]
        rows = conn.execute(
            select(PersonPurpose.person_id, ConnectedPurpose.system_id)
            .join(ConnectedPurpose, ConnectedPurpose.purpose_key == PersonPurpose.purpose_key)
            .where(PersonPurpose.person_id.in_(chunk))
        )
        for person_id, system_id in rows:
            out.setdefault(person_id, set()).add(system_id)
    return {p: sorted(s) for p, s in out.items()}


def add_notice(conn: Connection, values: dict[str, Any]) -> int:
    return _made(conn.execute(insert(ConnectedNotice).values(**values)).inserted_primary_key)


def notice(conn: Connection, message_id: str) -> Any | None:
    return conn.execute(
        select(ConnectedNotice).where(ConnectedNotice.message_id == message_id)
    ).first()


def notice_by_id(conn: Connection, notice_id: int) -> Any | None:
    return conn.execute(select(ConnectedNotice).where(ConnectedNotice.id == notice_id)).first()


def due(conn: Connection, now: datetime, limit: int = 100) -> list[Any]:
    """Pending notices to webhooks and mailboxes whose next attempt has come."""
    return list(
        conn.execute(
            select(ConnectedNotice)
            .join(ConnectedSystem, ConnectedSystem.id == ConnectedNotice.system_id)
            .where(
                ConnectedNotice.state == "pending",
                ConnectedSystem.reach != "manual",
                or_(
                    ConnectedNotice.next_attempt_at.is_(None),
                    ConnectedNotice.next_attempt_at <= now,
                ),
            )
            .order_by(ConnectedNotice.id)
            .limit(limit)
        )
    )


def update_notice(conn: Connection, notice_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(ConnectedNotice).where(ConnectedNotice.id == notice_id).values(**values))


def supersede(conn: Connection, person_ids: Sequence[str]) -> None:
    """Open notices other than erasures of people about to be erased: the erasure says all."""
    for start in range(0, len(person_ids), _CHUNK):
        chunk = person_ids[start : start + _CHUNK]
        conn.execute(
            update(ConnectedNotice)
            .where(
                ConnectedNotice.person_id.in_(chunk),
                ConnectedNotice.state == "pending",
                ConnectedNotice.kind != "erasure",
            )
            .values(state="superseded", sealed_subject=None)
        )


def notices_of(conn: Connection, person_id: str, kind: str | None = None) -> list[Any]:
    """The person's notices with their system's name and reach, in system order then time."""
    query = (
        select(ConnectedNotice, ConnectedSystem.name, ConnectedSystem.reach)
        .join(ConnectedSystem, ConnectedSystem.id == ConnectedNotice.system_id)
        .where(ConnectedNotice.person_id == person_id)
        .order_by(ConnectedSystem.id, ConnectedNotice.id)
    )
    if kind is not None:
        query = query.where(ConnectedNotice.kind == kind)
    return list(conn.execute(query))


def open_notices(conn: Connection) -> list[Any]:
    return list(
        conn.execute(
            select(ConnectedNotice).where(ConnectedNotice.state.in_(("pending", "sent", "failed")))
        )
    )
