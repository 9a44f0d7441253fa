"""Plain custom fields of companies and deals (issue 19: "plain ones for companies and deals"):
declared by admins like a person's custom field (key, nl/en labels, type, choices) but holding
business data, not personal data, so they have no data category, are not sealed and are not
purpose-bound. Values are validated by the same rules (``custom_rules.normalise``), stored
beside their record, shown on its page and form, in its API answer and its CSV export, and
erased with the record and with the field. Declaring and removing a field is audited
(``business_field.*``); changing a value is the record's own event, naming ``custom.<key>``.

The values table of each entity is registered by the slice that owns the record
(``register``): companies here, deals by ``kluis.deals.tables``, so this floor never imports
the deals slice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection, Table

from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.audit import service as audit
from kluis.audit.business_field_events import BusinessFieldDeclared, BusinessFieldRemoved
from kluis.contacts import business_store as store
from kluis.contacts import custom_rules as rules
from kluis.contacts.custom_rules import CustomField
from kluis.contacts.custom_tables import CompanyFieldValue
from kluis.errors import Conflict, InvalidField, NotFound, PermissionDenied
from kluis.runtime import Kluis

ENTITIES = ("company", "deal")
CustomValueOut = str | bool | list[str]
_TABLES: dict[str, Table] = {"company": CompanyFieldValue.__table__}  # type: ignore[dict-item]


def register(entity: str, values: Table) -> None:
    """The values table of ``entity`` (``record_id``, ``field_id``, ``value``)."""
    _TABLES[entity] = values


def _table(entity: str) -> Table:
    if entity not in ENTITIES:
        raise InvalidField(f"entity is one of {', '.join(ENTITIES)}", field="entity")
    return _TABLES[entity]


def fields(k: Kluis, entity: str, conn: Connection | None = None) -> list[CustomField]:
    """The declared fields of ``entity`` (declarations are not personal data; no audit)."""
    _table(entity)
    if conn is not None:
        return store.fields(conn, entity)
    with k.engine.connect() as own:
        return store.fields(own, entity)


def declare(k: Kluis, actor: Actor, entity: str, field: CustomField, now: datetime) -> CustomField:
    """Declare a plain field of ``entity``; refused with every problem named."""
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer declares custom fields")
    _table(entity)
    plain = CustomField(**{**field.__dict__, "category": "", "searchable": False})
    errors = [
        e for e in rules.validation_errors(plain, ()) if e[0] not in ("category", "art9_condition")
    ]
    if field.category or field.searchable or field.art9_condition:
        errors.append(
            ("category", f"a {entity}'s field is not personal data: no category or search")
        )
    if errors:
        raise InvalidField("; ".join(m for _, m in errors), field=errors[0][0])
    with k.engine.begin() as conn:
        if any(f.key == field.key for f in store.fields(conn, entity)):
            raise Conflict(f"a {entity} field {field.key!r} exists already", field="key")
        field_id = store.insert_field(conn, entity, plain, now, actor.ref)
        audit.record(
            conn,
            actor.ref,
            now,
            [BusinessFieldDeclared(field_id, entity, field.key, field.kind.value)],
        )
    return CustomField(**{**plain.__dict__, "id": field_id})


def remove(k: Kluis, actor: Actor, entity: str, key: str, now: datetime) -> int:
    """Remove a field of ``entity`` and every value of it; how many records had one."""
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer removes custom fields")
    table = _table(entity)
    with k.engine.begin() as conn:
        found = [f for f in store.fields(conn, entity) if f.key == key]
        if not found:
            raise NotFound(f"there is no {entity} field {key!r}", field="key")
        gone = store.delete_field(conn, table, found[0].id)
        audit.record(conn, actor.ref, now, [BusinessFieldRemoved(found[0].id, entity, key, gone)])
    return gone


def values_of(
    conn: Connection, entity: str, record_ids: Sequence[int]
) -> dict[int, dict[str, CustomValueOut]]:
    """The values of records of ``entity`` by record and field key, in their API form."""
    declared = {f.id: f for f in store.fields(conn, entity)}
    stored = store.values_of(conn, _table(entity), record_ids, declared)
    return {
        record_id: {declared[i].key: rules.present(declared[i], v) for i, v in sorted(row.items())}
        for record_id, row in stored.items()
    }


def put_values(
    conn: Connection, entity: str, record_id: int, values: Mapping[str, object]
) -> tuple[str, ...]:
    """Validate and store values of one record (by key; empty or None clears), in the caller's
    transaction, which audits the change with the names returned (``custom.<key>``)."""
    declared = {f.key: f for f in store.fields(conn, entity)}
    unknown = rules.unknown_keys(declared, values)
    if unknown:
        raise InvalidField(
            f"there is no {entity} field {unknown[0]!r}", field=rules.PREFIX + unknown[0]
        )
    stored = {declared[key].id: rules.normalise(declared[key], v) for key, v in values.items()}
    store.put_values(conn, _table(entity), record_id, stored)
    return tuple(sorted(rules.PREFIX + key for key in values))
