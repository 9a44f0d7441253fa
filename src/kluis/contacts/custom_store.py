"""Core SQL of custom fields on the caller's connection: declarations and sealed values.

Only ciphertext and keyed digests pass through here; sealing, opening and the purpose checks
are ``custom_fields``' (DESIGN.md invariants 1 and 3)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from kluis.contacts.custom_rules import PREFIX, Choice, CustomField, CustomKind
from kluis.contacts.custom_tables import CustomFieldRow, CustomValue
from kluis.db import insert_rows

VALUE_COLUMNS = ("person_id", "field_id", "sealed", "digest")


def _field(row: CustomFieldRow) -> CustomField:
    choices = tuple(Choice(*c) for c in json.loads(row.choices))
    return CustomField(
        key=row.key,
        label_en=row.label_en,
        label_nl=row.label_nl,
        kind=CustomKind(row.kind),
        category=row.category,
        searchable=bool(row.searchable),
        choices=choices,
        art9_condition=row.art9_condition,
        id=row.id,
    )


def fields(conn: Connection) -> list[CustomField]:
    """Every declared field, in the order they were declared."""
    rows = conn.execute(select(CustomFieldRow).order_by(CustomFieldRow.id)).all()
    return [_field(row) for row in rows]  # type: ignore[arg-type]


def insert_field(conn: Connection, field: CustomField, now: datetime, by: str) -> int:
    choices = json.dumps([[c.key, c.label_en, c.label_nl] for c in field.choices])
    query = (
        insert(CustomFieldRow)
        .values(
            key=field.key,
            label_en=field.label_en,
            label_nl=field.label_nl,
            kind=field.kind.value,
            category=field.category,
            searchable=field.searchable,
            choices=choices,
            art9_condition=field.art9_condition,
            created_at=now,
            created_by=by,
        )
        .returning(CustomFieldRow.id)
    )
    return int(conn.execute(query).scalar_one())


def update_field(conn: Connection, field: CustomField) -> None:
    """A field's labels and choices (its key, type and category never change)."""
    choices = json.dumps([[c.key, c.label_en, c.label_nl] for c in field.choices])
    conn.execute(
        update(CustomFieldRow)
        .where(CustomFieldRow.id == field.id)
        .values(label_en=field.label_en, label_nl=field.label_nl, choices=choices)
    )


def holders(conn: Connection, field_id: int) -> list[str]:
    """The people who hold a value of the field."""
    query = select(CustomValue.person_id).where(CustomValue.field_id == field_id)
    return sorted(str(p) for p in conn.scalars(query))


def delete_field(conn: Connection, field_id: int) -> None:
    """The field and every value of it (explicitly, whatever the foreign keys do)."""
    conn.execute(delete(CustomValue).where(CustomValue.field_id == field_id))
    conn.execute(delete(CustomFieldRow).where(CustomFieldRow.id == field_id))


def values_of(
    conn: Connection, person_ids: Sequence[str], field_ids: Iterable[int]
) -> dict[str, dict[int, bytes]]:
    """Sealed values by person and field, of those fields only (the others stay unread)."""
    wanted = list(field_ids)
    found: dict[str, dict[int, bytes]] = {}
    if not wanted or not person_ids:
        return found
    query = select(CustomValue.person_id, CustomValue.field_id, CustomValue.sealed).where(
        CustomValue.person_id.in_(list(person_ids)), CustomValue.field_id.in_(wanted)
    )
    for person_id, field_id, sealed in conn.execute(query):
        found.setdefault(str(person_id), {})[int(field_id)] = bytes(sealed)
    return found


def put_value(
    conn: Connection, person_id: str, field_id: int, sealed: bytes | None, digest: bytes | None
) -> None:
    """Store (or with ``sealed`` None, clear) one value."""
    conn.execute(
        delete(CustomValue).where(
            CustomValue.person_id == person_id, CustomValue.field_id == field_id
        )
    )
    if sealed is not None:
        conn.execute(
            insert(CustomValue).values(
                person_id=person_id, field_id=field_id, sealed=sealed, digest=digest
            )
        )


def insert_values(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Bulk insert of new people's values, as ``VALUE_COLUMNS`` tuples (the import's path:
    through the driver's ``executemany``, in the transaction that creates the people)."""
    insert_rows(conn, CustomValue.__tablename__, VALUE_COLUMNS, rows)


def find(conn: Connection, field_id: int, digest: bytes) -> list[str]:
    query = select(CustomValue.person_id).where(
        CustomValue.field_id == field_id, CustomValue.digest == digest
    )
    return sorted(str(p) for p in conn.scalars(query))


def count_values(conn: Connection) -> int:
    return int(conn.scalar(select(func.count()).select_from(CustomValue)) or 0)


def clear_named(conn: Connection, person_id: str, names: Iterable[str]) -> None:
    """Clear a person's values of the fields named ``custom.<key>``: a minimisation, or its
    replay after a restore (``repository.minimise``); other names are not custom fields."""
    keys = [n[len(PREFIX) :] for n in names if n.startswith(PREFIX)]
    if not keys:
        return
    ids = select(CustomFieldRow.id).where(CustomFieldRow.key.in_(keys))
    conn.execute(
        delete(CustomValue).where(CustomValue.person_id == person_id, CustomValue.field_id.in_(ids))
    )
