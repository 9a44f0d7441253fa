"""Custom fields of people: declaring and removing them (admins), and storing, reading and
finding their values under a purpose.

The same rules as the built-in fields hold: a value is sealed with the person's key and never
stored plainly; it is read only under a purpose the actor's role holds, that the person was
collected for, and whose data categories cover the field's (Art. 5(1)(b)); it is collected only
under such a purpose (Art. 5(1)(c)); every read and change is audited, naming the field as
``custom.<key>`` and never its value. Removing a field erases its values everywhere and writes
a minimisation per holder to the register, so a restore does not bring them back (Art. 17).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection

from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.audit import service as audit
from kluis.audit.field_events import (
    CustomFieldChanged,
    CustomFieldDeclared,
    CustomFieldRemoved,
)
from kluis.audit.people_events import PersonRead, PersonSearched, PersonUpdated
from kluis.contacts import custom_rules as rules
from kluis.contacts import custom_store as store
from kluis.contacts.custom_rules import CustomField
from kluis.contacts.people import purpose_for, reach, views_of
from kluis.errors import Conflict, InvalidField, NotFound, PermissionDenied, PurposeRefused
from kluis.purposes.rules import Purpose, data_category_names
from kluis.register import repository as register_repo
from kluis.runtime import Kluis

CustomValueOut = str | bool | list[str]


def _check_admin(actor: Actor) -> None:
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied(
            "only an admin or the privacy officer declares or removes custom fields: they "
            "change what personal data Kluis keeps (Art. 30)"
        )


def fields(k: Kluis, conn: Connection | None = None) -> list[CustomField]:
    """Every declared field (declarations are not personal data; no audit)."""
    if conn is not None:
        return store.fields(conn)
    with k.engine.connect() as own:
        return store.fields(own)


def by_key(conn: Connection) -> dict[str, CustomField]:
    return {f.key: f for f in store.fields(conn)}


def declare(k: Kluis, actor: Actor, field: CustomField, now: datetime) -> CustomField:
    """Declare a field; refused with every problem named, the first as the error's field."""
    _check_admin(actor)
    problems = rules.validation_problems(field, data_category_names())
    if problems:
        first = problems[0]
        raise InvalidField(
            "; ".join(p.message for p in problems),
            field=first.field,
            msgid=first.msgid,
            values=dict(first.values),
        )
    with k.engine.begin() as conn:
        if field.key in by_key(conn):
            raise Conflict(
                f"a custom field {field.key!r} exists already",
                field="key",
                msgid=rules.FIELD_EXISTS,
                values={"key": field.key},
            )
        field_id = store.insert_field(conn, field, now, actor.ref)
        audit.record(
            conn,
            actor.ref,
            now,
            [
                CustomFieldDeclared(
                    field_id,
                    field.key,
                    field.kind.value,
                    field.category,
                    field.searchable,
                    field.art9_condition,
                )
            ],
        )
    return CustomField(**{**field.__dict__, "id": field_id})


def known(conn: Connection, key: str, hint: str = "") -> CustomField:
    field = by_key(conn).get(key)
    if field is None:
        raise NotFound(
            f"there is no custom field {key!r}{hint}",
            field="key",
            msgid=rules.FIELD_UNKNOWN,
            values={"key": key},
        )
    return field


def holder_count(k: Kluis, actor: Actor, key: str) -> int:
    """How many people hold a value of the field, for the confirmation before removing it
    (a count, no one named, nothing decrypted)."""
    _check_admin(actor)
    with k.engine.connect() as conn:
        return len(store.holders(conn, known(conn, key).id))


def change(
    k: Kluis,
    actor: Actor,
    key: str,
    label_en: str,
    label_nl: str,
    choices: tuple[rules.Choice, ...],
    now: datetime,
) -> CustomField:
    """Change a field's labels or add choices (``rules.relabelled``); the key, type and data
    category stay, so the record of processing (Art. 30) still says what is kept."""
    _check_admin(actor)
    with k.engine.begin() as conn:
        field = rules.relabelled(known(conn, key), label_en, label_nl, choices)
        problems = rules.validation_problems(field, data_category_names())
        if problems:
            raise rules.refusal(problems[0])
        store.update_field(conn, field)
        audit.record(conn, actor.ref, now, [CustomFieldChanged(field.id, key, len(field.choices))])
    return field


def remove(k: Kluis, actor: Actor, key: str, now: datetime, reason: str = "field removed") -> int:
    """Remove a field and erase every value of it; returns how many people had one. The
    register entries are written (and fsync'ed) before the rows go, as an erasure's are."""
    _check_admin(actor)
    with k.engine.begin() as conn:
        field = known(conn, key, "; `kluis fields list`")
        people = store.holders(conn, field.id)
        entries = [
            k.vault.register_minimisation(p, [field.name], [], False, now, reason) for p in people
        ]
        store.delete_field(conn, field.id)
        register_repo.record_minimisations(conn, entries)
        audit.record(conn, actor.ref, now, [CustomFieldRemoved(field.id, key, len(people))])
    return len(people)


def _covered(field: CustomField, purpose: Purpose) -> None:
    if not purpose.may_use(field.category):
        raise PurposeRefused(
            f"purpose {purpose.key!r} does not cover the data category {field.category!r} of "
            f"{field.name}; collect it only under a purpose that needs it (Art. 5(1)(c))",
            field=field.name,
            msgid=rules.FIELD_NOT_COVERED,
            values={"purpose": purpose.key, "key": field.key},
        )


def store_values(
    k: Kluis,
    conn: Connection,
    actor: Actor,
    person_id: str,
    purpose: Purpose,
    values: Mapping[str, object],
    now: datetime,
) -> tuple[str, ...]:
    """Seal and store ``values`` (by key; empty clears) in the caller's transaction, which has
    checked the person is reachable under ``purpose``; audits ``person.updated``."""
    known = by_key(conn)
    unknown = rules.unknown_keys(known, values)
    if unknown:
        raise InvalidField(
            f"there is no custom field {unknown[0]!r}",
            field=rules.PREFIX + unknown[0],
            msgid=rules.FIELD_UNKNOWN,
            values={"key": unknown[0]},
        )
    cipher = k.vault.cipher(person_id)
    changed: list[str] = []
    for key, raw in values.items():
        field = known[key]
        _covered(field, purpose)
        stored = rules.normalise(field, raw)
        sealed = None if stored is None else cipher.seal(field.name, stored)
        digest = None
        if stored is not None and field.searchable:
            digest = k.vault.blind_index(rules.index_name(field), rules.index_term(field, stored))
        store.put_value(conn, person_id, field.id, sealed, digest)
        changed.append(field.name)
    if changed:
        audit.record(
            conn, actor.ref, now, [PersonUpdated(person_id, purpose.key, tuple(sorted(changed)))]
        )
    return tuple(sorted(changed))


def set_values(
    k: Kluis,
    actor: Actor,
    person_id: str,
    purpose_key: str,
    values: Mapping[str, object],
    now: datetime,
) -> tuple[str, ...]:
    """Fill in or rectify (Art. 16) custom values of a person under a purpose."""
    with k.engine.begin() as conn:
        purpose = reach(k, conn, actor, person_id, purpose_key)
        return store_values(k, conn, actor, person_id, purpose, values, now)


def values_under(
    k: Kluis, conn: Connection, purpose: Purpose, person_ids: Sequence[str]
) -> dict[str, dict[str, CustomValueOut]]:
    """The custom values of people already reached under ``purpose``, only of the fields it
    covers (the others are not even decrypted). The caller audits the read."""
    readable = rules.readable(store.fields(conn), purpose)
    by_id = {f.id: f for f in readable}
    sealed = store.values_of(conn, person_ids, by_id)
    ciphers = k.vault.ciphers(list(sealed))
    out: dict[str, dict[str, CustomValueOut]] = {}
    for person_id, blobs in sealed.items():
        cipher = ciphers.get(person_id)
        if cipher is None:
            continue
        out[person_id] = {
            by_id[i].key: rules.present(by_id[i], cipher.open(by_id[i].name, blob))
            for i, blob in sorted(blobs.items())
        }
    return out


def split_changes(
    k: Kluis, changes: Mapping[str, object]
) -> tuple[dict[str, object], dict[str, object]]:
    """A rectification's changes (Art. 16) as (built-in fields, custom values by key): names
    ``custom.<key>`` are custom fields, each checked here (declared, its value valid) before
    anything is written, so a bad one changes nothing."""
    builtin = {n: v for n, v in changes.items() if not n.startswith(rules.PREFIX)}
    own = {n[len(rules.PREFIX) :]: v for n, v in changes.items() if n.startswith(rules.PREFIX)}
    if own:
        known = {f.key: f for f in fields(k)}
        unknown = rules.unknown_keys(known, own)
        if unknown:
            raise InvalidField(
                f"there is no custom field {unknown[0]!r}", field=rules.PREFIX + unknown[0]
            )
        for key, value in own.items():
            rules.normalise(known[key], value)
    return builtin, own


def read_many(
    k: Kluis, actor: Actor, purpose_key: str, ids: Sequence[str], now: datetime, via: str
) -> dict[str, dict[str, CustomValueOut]]:
    """The custom values ``purpose_key`` covers of people the caller has just read under it
    (``ids`` from ``people.views_of``: visible under the purpose), for an API answer or an
    export; each person with a value is audited as ``person.read`` naming the fields
    (``custom.<key>``) and ``via``, never the values. People without one are left out."""
    if not ids:
        return {}
    with k.engine.begin() as conn:
        purpose = purpose_for(conn, actor, purpose_key)
        if not rules.readable(store.fields(conn), purpose):
            return {}
        found = values_under(k, conn, purpose, ids)
        events = [
            PersonRead(p, purpose.key, tuple(sorted(rules.PREFIX + key for key in v)), via)
            for p, v in found.items()
            if v
        ]
        audit.record(conn, actor.ref, now, events)
    return found


def read_values(
    k: Kluis, actor: Actor, person_id: str, purpose_key: str, now: datetime
) -> dict[str, CustomValueOut]:
    """A person's custom values that ``purpose_key`` may use; audited as ``person.read``."""
    with k.engine.begin() as conn:
        return read_values_in(k, conn, actor, person_id, purpose_key, now)


def read_values_in(
    k: Kluis, conn: Connection, actor: Actor, person_id: str, purpose_key: str, now: datetime
) -> dict[str, CustomValueOut]:
    """``read_values`` in the caller's transaction, which records the read."""
    purpose = reach(k, conn, actor, person_id, purpose_key)
    found = values_under(k, conn, purpose, [person_id]).get(person_id, {})
    names = tuple(sorted(rules.PREFIX + key for key in found))
    audit.record(conn, actor.ref, now, [PersonRead(person_id, purpose.key, names, "custom")])
    return found


def search(
    k: Kluis, actor: Actor, purpose_key: str, key: str, value: str, now: datetime
) -> list[str]:
    """The ids of the people visible under the purpose whose ``key`` equals ``value`` exactly,
    found through the field's blind index (the value itself is never compared in plain)."""
    with k.engine.begin() as conn:
        purpose = purpose_for(conn, actor, purpose_key)
        field = by_key(conn).get(key)
        if field is None:
            raise NotFound(
                f"there is no custom field {key!r}",
                field="field",
                msgid=rules.FIELD_UNKNOWN,
                values={"key": key},
            )
        if not field.searchable:
            raise InvalidField(
                f"{field.name} is not searchable",
                field="field",
                msgid=rules.NOT_SEARCHABLE,
                values={"key": key},
            )
        _covered(field, purpose)
        stored = rules.normalise(field, value)
        found: list[str] = []
        if stored is not None:
            term = rules.index_term(field, stored)
            ids = store.find(conn, field.id, k.vault.blind_index(rules.index_name(field), term))
            found = [v.id for v in views_of(k, conn, purpose, ids)[0]]
        audit.record(conn, actor.ref, now, [PersonSearched(purpose.key, field.name, len(found))])
    return found


def package_section(
    k: Kluis, actor: Actor, person_id: str, purpose_key: str, now: datetime
) -> list[dict[str, object]]:
    """The person's custom values for their access and portable packages (Art. 15, 20): each
    with its key, labels, type, data category and whether that is a special category (Art. 9)
    (``docs/export-format.md``, ``custom``)."""
    with k.engine.begin() as conn:
        return package_section_in(k, conn, actor, person_id, purpose_key, now)


def package_section_in(
    k: Kluis, conn: Connection, actor: Actor, person_id: str, purpose_key: str, now: datetime
) -> list[dict[str, object]]:
    """``package_section`` in the caller's transaction, which records the read."""
    found = read_values_in(k, conn, actor, person_id, purpose_key, now)
    declared = fields(k, conn)
    return [
        {
            "key": f.key,
            "label_en": f.label_en,
            "label_nl": f.label_nl,
            "kind": f.kind.value,
            "category": f.category,
            "special": f.special,
            "value": found[f.key],
        }
        for f in declared
        if f.key in found
    ]
