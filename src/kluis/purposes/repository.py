"""All SQL of the purposes slice; returns plain ``Purpose`` values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from kluis.purposes.rules import LawfulBasis, Purpose, RetentionAnchor, Transfer
from kluis.purposes.tables import PurposeRow


def _from_row(row: Row[Any]) -> Purpose:
    return Purpose(
        key=row.key,
        name_en=row.name_en,
        name_nl=row.name_nl,
        description_en=row.description_en,
        description_nl=row.description_nl,
        lawful_basis=LawfulBasis(row.lawful_basis),
        legitimate_interest=row.legitimate_interest,
        legitimate_interest_nl=row.legitimate_interest_nl,
        data_categories=tuple(row.data_categories),
        data_use=row.data_use,
        data_subjects=tuple(row.data_subjects),
        retention=row.retention,
        retention_anchor=RetentionAnchor(row.retention_anchor),
        recipients=tuple(row.recipients),
        transfers=tuple(Transfer(**t) for t in row.transfers),
        roles=tuple(row.roles),
        covers_everyone=bool(row.covers_everyone),
    )


def _values(purpose: Purpose) -> dict[str, Any]:
    return {
        "name_en": purpose.name_en,
        "name_nl": purpose.name_nl,
        "description_en": purpose.description_en,
        "description_nl": purpose.description_nl,
        "lawful_basis": purpose.lawful_basis.value,
        "legitimate_interest": purpose.legitimate_interest,
        "legitimate_interest_nl": purpose.legitimate_interest_nl,
        "data_categories": list(purpose.data_categories),
        "data_use": purpose.data_use,
        "data_subjects": list(purpose.data_subjects),
        "retention": purpose.retention,
        "retention_anchor": purpose.retention_anchor.value,
        "recipients": list(purpose.recipients),
        "transfers": [{"country": t.country, "safeguard": t.safeguard} for t in purpose.transfers],
        "roles": list(purpose.roles),
        "covers_everyone": purpose.covers_everyone,
    }


def all_purposes(conn: Connection) -> list[Purpose]:
    return [_from_row(r) for r in conn.execute(select(PurposeRow).order_by(PurposeRow.key))]


def get(conn: Connection, key: str) -> Purpose | None:
    row = conn.execute(select(PurposeRow).where(PurposeRow.key == key)).first()
    return None if row is None else _from_row(row)


def add(conn: Connection, purpose: Purpose, now: datetime) -> None:
    conn.execute(
        insert(PurposeRow).values(
            key=purpose.key, created_at=now, updated_at=now, **_values(purpose)
        )
    )


def replace(conn: Connection, purpose: Purpose, now: datetime) -> None:
    conn.execute(
        update(PurposeRow)
        .where(PurposeRow.key == purpose.key)
        .values(updated_at=now, **_values(purpose))
    )
