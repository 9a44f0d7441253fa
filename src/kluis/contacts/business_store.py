"""Core SQL of the plain custom fields of companies and deals, on the caller's connection.

The values table is the caller's (``company_field_values`` here, ``deal_field_values`` in the
deals slice): each has ``record_id``, ``field_id`` and ``value``, so one set of functions serves
both without this floor knowing the deals slice."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select

from kluis.contacts.custom_rules import Choice, CustomField, CustomKind
from kluis.contacts.custom_tables import BusinessFieldRow

_FIELDS: Table = BusinessFieldRow.__table__  # type: ignore[assignment]


def fields(conn: Connection, entity: str) -> list[CustomField]:
    """The plain fields of ``entity`` in the order they were declared (``category`` empty)."""
    rows = conn.execute(
        select(_FIELDS).where(_FIELDS.c.entity == entity).order_by(_FIELDS.c.id)
    ).all()
    return [
        CustomField(
            key=r.key,
            label_en=r.label_en,
            label_nl=r.label_nl,
            kind=CustomKind(r.kind),
            category="",
            choices=tuple(Choice(*c) for c in json.loads(r.choices)),
            id=r.id,
        )
        for r in rows
    ]


def insert_field(conn: Connection, entity: str, field: CustomField, now: datetime, by: str) -> int:
    choices = json.dumps([[c.key, c.label_en, c.label_nl] for c in field.choices])
    query = (
        insert(_FIELDS)
        .values(
            entity=entity,
            key=field.key,
            label_en=field.label_en,
            label_nl=field.label_nl,
            kind=field.kind.value,
            choices=choices,
            created_at=now,
            created_by=by,
        )
        .returning(_FIELDS.c.id)
    )
    return int(conn.execute(query).scalar_one())


def delete_field(conn: Connection, values: Table, field_id: int) -> int:
    """The field and its values (explicitly, whatever the foreign keys do); how many records
    had one."""
    gone = conn.execute(delete(values).where(values.c.field_id == field_id)).rowcount
    conn.execute(delete(_FIELDS).where(_FIELDS.c.id == field_id))
    return int(gone or 0)


def values_of(
    conn: Connection, values: Table, record_ids: Sequence[int], field_ids: Iterable[int]
) -> dict[int, dict[int, str]]:
    """Stored values by record and field."""
    wanted = list(field_ids)
    found: dict[int, dict[int, str]] = {}
    if not wanted or not record_ids:
        return found
    query = select(values.c.record_id, values.c.field_id, values.c.value).where(
        values.c.record_id.in_(list(record_ids)), values.c.field_id.in_(wanted)
    )
    for record_id, field_id, value in conn.execute(query):
        found.setdefault(int(record_id), {})[int(field_id)] = str(value)
    return found


def put_values(
    conn: Connection, values: Table, record_id: int, stored: Mapping[int, str | None]
) -> None:
    """Store (or with None, clear) values of one record by field id."""
    if not stored:
        return
    conn.execute(
        delete(values).where(values.c.record_id == record_id, values.c.field_id.in_(list(stored)))
    )
    rows: list[dict[str, Any]] = [
        {"record_id": record_id, "field_id": f, "value": v} for f, v in stored.items() if v
    ]
    if rows:
        conn.execute(insert(values), rows)
