"""The SQL of the people list: the filters of ``search_query`` and those of the list (owner, a
further purpose, no interaction since, a tag), the orders the store can do (collection, last
interaction), and the sealed names of a bounded set, for ordering by name in memory
(``list_rules``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, exists, func, select
from sqlalchemy.orm import aliased

from kluis.contacts.fields import NAME_FIELDS
from kluis.contacts.list_rules import Order, OwnerFilter, Sort
from kluis.contacts.tables import PersonPurpose, people
from kluis.contacts.tags import tagged_people


def list_query(
    base: Select[tuple[str]],
    *,
    owner: OwnerFilter,
    also_purpose: str | None,
    inactive_before: datetime | None,
    tag_id: int | None = None,
) -> Select[tuple[str]]:
    """``base`` (``repository.search_query``) narrowed by the list's own filters."""
    query = base
    if owner.user_id is not None:
        query = query.where(people.c.owner_id == owner.user_id)
    elif owner.unowned:
        query = query.where(people.c.owner_id.is_(None))
    if also_purpose is not None:
        # an alias: the base query joins person_purposes for the working purpose already
        held = aliased(PersonPurpose)
        query = query.where(
            exists().where(held.person_id == people.c.id, held.purpose_key == also_purpose)
        )
    if inactive_before is not None:
        query = query.where(people.c.last_interaction_at < inactive_before)
    if tag_id is not None:
        query = query.where(people.c.id.in_(tagged_people(tag_id)))
    return query


def count(conn: Connection, query: Select[tuple[str]]) -> int:
    return int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())


def ordered_page(
    conn: Connection, query: Select[tuple[str]], order: Order, limit: int, offset: int
) -> list[str]:
    """One page of ids in an order the store can do (not by name: names are sealed)."""
    column: Any = (
        people.c.last_interaction_at if order.by is Sort.INTERACTION else people.c.created_at
    )
    keys = (column.desc(), people.c.id.desc()) if order.descending else (column, people.c.id)
    return [str(r[0]) for r in conn.execute(query.order_by(*keys).limit(limit).offset(offset))]


def sealed_names(
    conn: Connection, query: Select[tuple[str]]
) -> list[tuple[str, tuple[bytes | None, ...]]]:
    """Each person of ``query`` with their sealed name fields (``NAME_FIELDS`` order), in one
    statement; nothing else of their row is read."""
    columns = [people.c[name] for name in NAME_FIELDS]
    return [(str(row[0]), tuple(row[1:])) for row in conn.execute(query.add_columns(*columns))]
