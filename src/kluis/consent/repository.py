"""SQL of the consent slice: topics, notices, the ledger, kept permissions and evidence (the
audiences are in ``audience_repository``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    delete,
    func,
    insert,
    select,
    update,
)

from kluis.consent import audience_index
from kluis.consent.grant_rules import NoticeScope
from kluis.consent.rules import (
    CHANNEL_FIELDS,
    Action,
    Channel,
    Event,
    Permission,
    Status,
)
from kluis.consent.tables import (
    ConsentEvent,
    Evidence,
    Notice,
    NoticeCoverage,
    PermissionRow,
    Topic,
)
from kluis.contacts.tables import PersonPurpose, people


def topics(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(Topic).order_by(Topic.key)))


def topic(conn: Connection, key: str) -> Row[Any] | None:
    return conn.execute(select(Topic).where(Topic.key == key)).first()


def notice(conn: Connection, notice_id: int) -> Row[Any] | None:
    return conn.execute(select(Notice).where(Notice.id == notice_id)).first()


def coverage(conn: Connection, notice_ids: Iterable[int]) -> dict[int, frozenset[tuple[str, str]]]:
    """The (channel, topic) pairs each notice covers (none: an empty set)."""
    ids = list(notice_ids)
    found: dict[int, set[tuple[str, str]]] = {n: set() for n in ids}
    if ids:
        rows = conn.execute(
            select(NoticeCoverage.notice_id, NoticeCoverage.channel, NoticeCoverage.topic).where(
                NoticeCoverage.notice_id.in_(ids)
            )
        )
        for notice_id, channel, topic_key in rows:
            found[int(notice_id)].add((str(channel), str(topic_key)))
    return {n: frozenset(pairs) for n, pairs in found.items()}


def notice_scope(conn: Connection, notice_id: int) -> NoticeScope | None:
    """What a notice asks for, or None when there is no such notice."""
    row = notice(conn, notice_id)
    if row is None:
        return None
    return NoticeScope(row.id, row.language, coverage(conn, [row.id])[row.id])


def insert_notice(
    conn: Connection, values: dict[str, Any], covers: Iterable[tuple[str, str]]
) -> int:
    notice_id = int(conn.execute(insert(Notice).values(**values).returning(Notice.id)).scalar_one())
    conn.execute(
        insert(NoticeCoverage),
        [{"notice_id": notice_id, "channel": c, "topic": t} for c, t in sorted(covers)],
    )
    return notice_id


def notices_with_hash(conn: Connection, content_hash: str) -> list[Row[Any]]:
    return list(conn.execute(select(Notice).where(Notice.content_hash == content_hash)))


def citations(conn: Connection) -> dict[int, int]:
    """How many consent events cite each notice (notices no event cites are absent)."""
    query = (
        select(ConsentEvent.notice_id, func.count())
        .where(ConsentEvent.notice_id.is_not(None))
        .group_by(ConsentEvent.notice_id)
    )
    return {int(row[0] or 0): int(row[1]) for row in conn.execute(query)}


def all_notices(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(Notice).order_by(Notice.id)))


def insert_event(conn: Connection, values: dict[str, Any]) -> int:
    return int(
        conn.execute(insert(ConsentEvent).values(**values).returning(ConsentEvent.id)).scalar_one()
    )


def events_of(
    conn: Connection, person_id: str, channel: str | None = None, topic: str | None = None
) -> list[Row[Any]]:
    """A person's ledger in order, or the part of it about one channel and topic."""
    query = select(ConsentEvent).where(ConsentEvent.person_id == person_id)
    if channel is not None and topic is not None:
        query = query.where(ConsentEvent.channel == channel, ConsentEvent.topic == topic)
    return list(conn.execute(query.order_by(ConsentEvent.captured_at, ConsentEvent.id)))


def event(conn: Connection, event_id: int) -> Row[Any] | None:
    return conn.execute(select(ConsentEvent).where(ConsentEvent.id == event_id)).first()


def as_event(row: Row[Any]) -> Event:
    return Event(
        id=row.id,
        channel=Channel(row.channel),
        topic=row.topic,
        action=Action(row.action),
        at=row.captured_at,
        reconfirm_by=row.reconfirm_by,
    )


def permission(conn: Connection, person_id: str, channel: str, topic: str) -> Permission | None:
    row = conn.execute(
        select(PermissionRow).where(
            PermissionRow.person_id == person_id,
            PermissionRow.channel == channel,
            PermissionRow.topic == topic,
        )
    ).first()
    return None if row is None else _permission(row)


def _permission(row: Row[Any]) -> Permission:
    return Permission(Status(row.status), row.event_id, row.since, row.reconfirm_by)


def permissions_of(conn: Connection, person_id: str) -> dict[tuple[Channel, str], Permission]:
    rows = conn.execute(select(PermissionRow).where(PermissionRow.person_id == person_id))
    return {(Channel(r.channel), r.topic): _permission(r) for r in rows}


def put_permission(
    conn: Connection, person_id: str, channel: str, topic: str, state: Permission
) -> None:
    values = {
        "status": state.status.value,
        "event_id": state.event_id,
        "since": state.since,
        "reconfirm_by": state.reconfirm_by,
    }
    updated = conn.execute(
        update(PermissionRow)
        .where(
            PermissionRow.person_id == person_id,
            PermissionRow.channel == channel,
            PermissionRow.topic == topic,
        )
        .values(**values)
    )
    if updated.rowcount == 0:
        # a new row carries the person's audience facts (``audience_index``)
        conn.execute(
            insert(PermissionRow).values(
                person_id=person_id,
                channel=channel,
                topic=topic,
                **values,
                **audience_index.facts_of(conn, person_id),
            )
        )


def replace_permissions(
    conn: Connection, person_id: str, state: dict[tuple[Channel, str], Permission]
) -> None:
    conn.execute(delete(PermissionRow).where(PermissionRow.person_id == person_id))
    for (channel, topic_key), value in state.items():
        put_permission(conn, person_id, channel.value, topic_key, value)


def reach(conn: Connection, person_id: str, channel: Channel) -> tuple[frozenset[str], bool]:
    """The purposes a person was collected for, and whether they have an address on
    ``channel`` (its ciphertext column is set; nothing is decrypted)."""
    held = frozenset(
        conn.scalars(select(PersonPurpose.purpose_key).where(PersonPurpose.person_id == person_id))
    )
    address = people.c[CHANNEL_FIELDS[channel]]
    present = conn.execute(
        select(address.is_not(None)).where(people.c.id == person_id)
    ).scalar_one_or_none()
    return held, bool(present)


def relationship(conn: Connection, person_id: str) -> str | None:
    return conn.execute(
        select(people.c.relationship).where(people.c.id == person_id)
    ).scalar_one_or_none()


def insert_evidence(conn: Connection, values: dict[str, Any]) -> int:
    return int(conn.execute(insert(Evidence).values(**values).returning(Evidence.id)).scalar_one())


def set_evidence_data(conn: Connection, evidence_id: int, data: bytes) -> None:
    """Store the sealed file of evidence inserted first without it (its seal names its id)."""
    conn.execute(update(Evidence).where(Evidence.id == evidence_id).values(data=data))


def evidence(conn: Connection, evidence_id: int) -> Row[Any] | None:
    return conn.execute(select(Evidence).where(Evidence.id == evidence_id)).first()


def evidence_of(conn: Connection, person_id: str) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(
                Evidence.id,
                Evidence.content_type,
                Evidence.size,
                Evidence.captured_by,
                Evidence.created_at,
            )
            .where(Evidence.person_id == person_id)
            .order_by(Evidence.id)
        )
    )


def delete_ledger(conn: Connection, person_id: str) -> int:
    """Delete a person's consent events, evidence and kept permissions (an erasure that keeps
    the person for a legal obligation; full erasure deletes them through the foreign keys)."""
    deleted = conn.execute(delete(ConsentEvent).where(ConsentEvent.person_id == person_id))
    conn.execute(delete(Evidence).where(Evidence.person_id == person_id))
    conn.execute(delete(PermissionRow).where(PermissionRow.person_id == person_id))
    return deleted.rowcount
