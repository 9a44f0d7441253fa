"""All SQL about people: Core statements, batched, no ORM objects on the bulk paths.

Whether a person is restricted (Art. 18) or objected to direct marketing (Art. 21(3)) is kept in
the ``person_flags`` table, with each change in ``flag_events``; neither is consent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    Select,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    true,
    update,
)

from kluis.contacts import custom_store, hooks, index_keys
from kluis.contacts.fields import BY_NAME
from kluis.contacts.tables import (
    Company,
    FlagEvent,
    PersonFlags,
    PersonIndex,
    PersonPurpose,
    people,
)
from kluis.db import for_driver, insert_rows, rows_in

_CHUNK = 500


PEOPLE_COLUMNS: tuple[str, ...] = tuple(
    c.name for c in people.columns if c.name != "contract_ended_at"
)
"""What a new person's row holds (``index_keys``: the list of their blind-index rows); the end
of a contract is recorded later (retention)."""
PURPOSE_COLUMNS = ("person_id", "purpose_key", "collected_at")
INDEX_COLUMNS = ("field", "digest", "person_id")


def insert_people(
    conn: Connection,
    person_rows: list[tuple[Any, ...]],
    purpose_rows: list[tuple[Any, ...]],
    index_rows: list[tuple[Any, ...]],
) -> None:
    """Bulk insert of new people, rows as tuples in the ``*_COLUMNS`` order, database forms."""
    insert_rows(conn, people.name, PEOPLE_COLUMNS, person_rows)
    insert_rows(conn, PersonPurpose.__tablename__, PURPOSE_COLUMNS, purpose_rows)
    insert_rows(conn, PersonIndex.__tablename__, INDEX_COLUMNS, index_rows)
    hooks.people_added(conn, PEOPLE_COLUMNS, person_rows, purpose_rows)


def fetch(conn: Connection, ids: Sequence[str]) -> dict[str, Row[Any]]:
    found: dict[str, Row[Any]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for row in conn.execute(select(people).where(people.c.id.in_(chunk))):
            found[row.id] = row
    return found


def purposes_of(conn: Connection, ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {person_id: [] for person_id in ids}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = conn.execute(
            select(PersonPurpose.person_id, PersonPurpose.purpose_key)
            .where(PersonPurpose.person_id.in_(chunk))
            .order_by(PersonPurpose.purpose_key)
        )
        for person_id, key in rows:
            found[person_id].append(key)
    return found


def owners_of(conn: Connection, field: str, digests: Iterable[bytes]) -> dict[bytes, str]:
    """Which person holds each digest of ``field`` (first found), for duplicate detection."""
    wanted = list(set(digests))
    found: dict[bytes, str] = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = conn.execute(
            select(PersonIndex.digest, PersonIndex.person_id).where(
                PersonIndex.field == field, PersonIndex.digest.in_(chunk)
            )
        )
        for digest, person_id in rows:
            found.setdefault(digest, person_id)
    return found


# Built once with the list of ids bound at execution, not per call: the erasure and the sweep
# run them a page of hundreds at a time (the two that read and write row by row go through the
# driver: SQLAlchemy's per-value bind processing cost more than the statements).
_INDEX_LISTS = f"SELECT id, index_keys FROM {people.name} WHERE id"  # noqa: S608
_INDEX = PersonIndex.__tablename__
_UNINDEX = f"DELETE FROM {_INDEX} WHERE field = ? AND digest = ? AND person_id = ?"  # noqa: S608
_DELETE_PURPOSES = delete(PersonPurpose).where(
    PersonPurpose.person_id.in_(bindparam("ids", expanding=True))
)
_DELETE_PEOPLE = delete(people).where(people.c.id.in_(bindparam("ids", expanding=True)))


def index_lists(conn: Connection, ids: Sequence[str]) -> dict[str, list[tuple[str, bytes]]]:
    """Each person's blind-index rows as (field, digest), from their ``people`` row (no look-up
    in the blind index by person: it has no index for that, ``contacts.index_keys``). Every
    one of ``ids`` on file is a key, so this also says who is (one read instead of two)."""
    return {str(i): index_keys.unpack(stored) for i, stored in rows_in(conn, _INDEX_LISTS, ids)}


def index_digests(
    conn: Connection, person_id: str, fields: Sequence[str]
) -> list[tuple[str, bytes]]:
    """The person's blind-index digests of ``fields``, as (field, digest), in a stable order."""
    wanted = set(fields)
    entries = index_lists(conn, [person_id]).get(person_id, [])
    return sorted((field, digest) for field, digest in entries if field in wanted)


def index_digests_of(
    conn: Connection, ids: Sequence[str], fields: Sequence[str]
) -> list[tuple[str, str, bytes]]:
    """(person, field, digest) of many people's blind indexes of ``fields``."""
    wanted = set(fields)
    return [
        (person_id, field, digest)
        for person_id, entries in index_lists(conn, ids).items()
        for field, digest in entries
        if field in wanted
    ]


def _delete_index_rows(conn: Connection, rows: list[tuple[str, bytes, str]]) -> None:
    """Delete blind-index rows by their whole key (field, digest, person)."""
    if rows:
        conn.exec_driver_sql(for_driver(conn, _UNINDEX), rows)


def existing(conn: Connection, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found.update(conn.scalars(select(people.c.id).where(people.c.id.in_(chunk))))
    return found


def _flagged(conn: Connection, ids: Sequence[str], flag: Any) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found.update(
            conn.scalars(
                select(PersonFlags.person_id).where(
                    PersonFlags.person_id.in_(chunk), flag == true()
                )
            )
        )
    return found


def restricted(conn: Connection, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` have their processing restricted (Art. 18)."""
    return _flagged(conn, ids, PersonFlags.restricted)


def objected(conn: Connection, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` objected to direct marketing (Art. 21(3)) and have not lifted it."""
    return _flagged(conn, ids, PersonFlags.objected)


def search_query(
    *,
    purpose_key: str | None,
    relationship: str | None,
    company_id: int | None,
    index_fields: Sequence[str] = (),
    digests: Sequence[bytes] = (),
    without_restricted: bool = False,
) -> Select[tuple[str]]:
    """Ids of people matching every filter; with ``digests``, people whose ``index_fields`` hold
    all of them (each search token must match); with ``without_restricted``, leaving out people
    whose processing is restricted."""
    query = select(people.c.id)
    if without_restricted:
        query = query.where(
            ~exists().where(PersonFlags.person_id == people.c.id, PersonFlags.restricted == true())
        )
    if purpose_key is not None:
        query = query.join(
            PersonPurpose,
            (PersonPurpose.person_id == people.c.id) & (PersonPurpose.purpose_key == purpose_key),
        )
    if relationship is not None:
        query = query.where(people.c.relationship == relationship)
    if company_id is not None:
        query = query.where(people.c.company_id == company_id)
    if digests:
        matching = (
            select(PersonIndex.person_id)
            .where(PersonIndex.field.in_(index_fields), PersonIndex.digest.in_(digests))
            .group_by(PersonIndex.person_id)
            .having(func.count(func.distinct(PersonIndex.digest)) == len(set(digests)))
        )
        query = query.where(people.c.id.in_(matching))
    return query


def page(
    conn: Connection, query: Select[tuple[str]], limit: int, offset: int
) -> tuple[list[str], int]:
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(
        query.order_by(people.c.created_at, people.c.id).limit(limit).offset(offset)
    )
    return [str(r[0]) for r in rows], total


def update_person(conn: Connection, person_id: str, values: dict[str, Any]) -> None:
    conn.execute(update(people).where(people.c.id == person_id).values(**values))
    hooks.people_changed(conn, [person_id])


def replace_index(conn: Connection, person_id: str, field: str, digests: Iterable[bytes]) -> None:
    """Make ``digests`` the person's blind-index rows of ``field``, rows and list together."""
    held = index_lists(conn, [person_id]).get(person_id)
    if held is None:
        return
    _delete_index_rows(conn, [(f, d, person_id) for f, d in held if f == field])
    new = {(field, d) for d in digests}
    if new:
        conn.execute(
            insert(PersonIndex), [{"field": f, "digest": d, "person_id": person_id} for f, d in new]
        )
    kept = [(f, d) for f, d in held if f != field]
    update_person(conn, person_id, {"index_keys": index_keys.pack([*kept, *new])})


def customers_without(
    conn: Connection, purpose_key: str, since: datetime, until: datetime, after: str, limit: int
) -> list[str]:
    """The next ``limit`` customers after ``after`` (by id), collected from ``since`` to
    ``until``, who do not hold ``purpose_key`` and neither objected nor are restricted."""
    holds = exists().where(
        PersonPurpose.person_id == people.c.id, PersonPurpose.purpose_key == purpose_key
    )
    flagged = exists().where(
        PersonFlags.person_id == people.c.id,
        (PersonFlags.objected == true()) | (PersonFlags.restricted == true()),
    )
    return [
        str(person_id)
        for person_id in conn.scalars(
            select(people.c.id)
            .where(
                people.c.relationship == "customer",
                people.c.created_at >= since,
                people.c.created_at <= until,
                people.c.id > after,
                ~holds,
                ~flagged,
            )
            .order_by(people.c.id)
            .limit(limit)
        )
    ]


def replace_purposes(
    conn: Connection, person_id: str, add: Iterable[tuple[str, Any]], remove: Iterable[str]
) -> None:
    removing = list(remove)
    if removing:
        hooks.purposes_ending(conn, person_id, removing)
        conn.execute(
            delete(PersonPurpose).where(
                PersonPurpose.person_id == person_id, PersonPurpose.purpose_key.in_(removing)
            )
        )
    rows = [{"person_id": person_id, "purpose_key": k, "collected_at": at} for k, at in add]
    if rows:
        conn.execute(insert(PersonPurpose), rows)
    if removing or rows:
        hooks.people_changed(conn, [person_id])


def delete_people(
    conn: Connection,
    ids: Sequence[str],
    lists: Mapping[str, list[tuple[str, bytes]]] | None = None,
) -> int:
    """Real deletion of every row about these people (SQLite overwrites the freed pages).
    ``lists``: their ``index_lists`` as read in this same transaction, when the caller has
    them (an erasure does); else they are read here."""
    deleted = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        held_by = index_lists(conn, chunk) if lists is None else lists
        _delete_index_rows(
            conn,
            [(f, d, person_id) for person_id in chunk for f, d in held_by.get(person_id, ())],
        )
        conn.execute(_DELETE_PURPOSES, {"ids": chunk})
        deleted += conn.execute(_DELETE_PEOPLE, {"ids": chunk}).rowcount
    return deleted


def missing_companies(conn: Connection, ids: Iterable[int | None]) -> list[int]:
    """The company ids among ``ids`` (None ignored) that no company has, in order."""
    wanted = sorted({i for i in ids if i is not None})
    in_range = [i for i in wanted if 0 < i < 2**31]
    if not in_range:
        return wanted
    found = set(conn.execute(select(Company.id).where(Company.id.in_(in_range))).scalars())
    return [i for i in wanted if i not in found]


def collected_at(conn: Connection, person_id: str) -> dict[str, Any]:
    """When the person's data was collected for each of their purposes."""
    rows = conn.execute(
        select(PersonPurpose.purpose_key, PersonPurpose.collected_at).where(
            PersonPurpose.person_id == person_id
        )
    )
    return {row[0]: row[1] for row in rows.all()}


def minimise(
    conn: Connection,
    person_id: str,
    fields: Sequence[str],
    purposes: Sequence[str],
    now: datetime | None,
) -> None:
    """Clear ``fields`` (and their index rows) and remove ``purposes`` of one person: a partial
    erasure, or its replay after a restore."""
    known = [name for name in fields if name in BY_NAME]
    if known:
        values: dict[str, Any] = dict.fromkeys(known)
        if now is not None:
            values["updated_at"] = now
        update_person(conn, person_id, values)
        for name in known:
            if BY_NAME[name].index is not None:
                replace_index(conn, person_id, name, ())
    custom_store.clear_named(conn, person_id, fields)
    replace_purposes(conn, person_id, (), purposes)


def flags(conn: Connection, person_id: str) -> tuple[bool, bool]:
    row = conn.execute(
        select(PersonFlags.objected, PersonFlags.restricted).where(
            PersonFlags.person_id == person_id
        )
    ).first()
    return (False, False) if row is None else (bool(row.objected), bool(row.restricted))


def objected_after(conn: Connection, after: str, limit: int) -> list[str]:
    """The next ``limit`` people after ``after`` (by id) who objected to direct marketing."""
    return [
        str(person_id)
        for person_id in conn.scalars(
            select(PersonFlags.person_id)
            .where(PersonFlags.objected == true(), PersonFlags.person_id > after)
            .order_by(PersonFlags.person_id)
            .limit(limit)
        )
    ]


def set_flag(conn: Connection, person_id: str, flag: str, active: bool) -> None:
    objected, restricted = flags(conn, person_id)
    if flag == "objection":
        objected = active
    else:
        restricted = active
    updated = conn.execute(
        update(PersonFlags)
        .where(PersonFlags.person_id == person_id)
        .values(objected=objected, restricted=restricted)
    )
    if updated.rowcount == 0:
        conn.execute(
            insert(PersonFlags).values(
                person_id=person_id, objected=objected, restricted=restricted
            )
        )
    hooks.people_changed(conn, [person_id])


def insert_flag_event(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(FlagEvent).values(**values))


def flag_events_of(conn: Connection, person_id: str) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(FlagEvent)
            .where(FlagEvent.person_id == person_id)
            .order_by(FlagEvent.captured_at, FlagEvent.id)
        )
    )
