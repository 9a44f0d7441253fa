"""Use cases of the purposes catalogue; every change is validated and audited (Art. 5(2), 30)."""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from datetime import datetime
from importlib import resources
from typing import Any

from sqlalchemy import Engine

from kluis.actors import CATALOGUE_ROLES, SYSTEM, Actor
from kluis.audit import service as audit
from kluis.audit.system_events import PurposeChanged, PurposeCreated
from kluis.errors import Conflict, InvalidField, NotFound, PermissionDenied
from kluis.locale import N_
from kluis.purposes import repository
from kluis.purposes.rules import LawfulBasis, Purpose, RetentionAnchor, Transfer, validation_errors

_TUPLES = ("data_categories", "data_subjects", "recipients", "roles")
_NOT_NULL = (
    "name_en",
    "name_nl",
    "description_en",
    "description_nl",
    "lawful_basis",
    "data_use",
    "retention",
    "retention_anchor",
    "covers_everyone",
)
"""Fields a change may not set to null (lists may: null clears them)."""


def purpose_from_mapping(data: Mapping[str, Any]) -> Purpose:
    """Build a Purpose from plain data (TOML, JSON), naming the field of any bad value."""
    values = dict(data)
    try:
        values["lawful_basis"] = LawfulBasis(str(values.get("lawful_basis")))
    except ValueError:
        choices = ", ".join(b.value for b in LawfulBasis)
        raise InvalidField(
            f"lawful_basis must be one of {choices} (Art. 6(1))",
            field="lawful_basis",
            msgid=N_("Choose one of the six lawful bases of Art. 6(1)."),
        ) from None
    try:
        values["retention_anchor"] = RetentionAnchor(str(values.get("retention_anchor")))
    except ValueError:
        choices = ", ".join(a.value for a in RetentionAnchor)
        raise InvalidField(
            f"retention_anchor must be one of {choices}",
            field="retention_anchor",
            msgid=N_(
                "Choose what the retention period counts from: collection, the last contact, "
                "the end of the contract or the withdrawal."
            ),
        ) from None
    for name in _TUPLES:
        if name in values:
            values[name] = tuple(values[name] or ())
    values["transfers"] = tuple(
        t if isinstance(t, Transfer) else Transfer(**t) for t in values.get("transfers") or ()
    )
    known = {f.name for f in dataclasses.fields(Purpose)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InvalidField(f"unknown purpose field {unknown[0]!r}", field=unknown[0])
    missing = [
        f.name
        for f in dataclasses.fields(Purpose)
        if f.name not in values
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise InvalidField(f"the purpose needs {missing[0]!r}", field=missing[0])
    return Purpose(**values)


def _validate(purpose: Purpose) -> None:
    errors = validation_errors(purpose)
    if errors:
        field, message = errors[0]
        raise InvalidField(
            f"{field}: {message}",
            field=field,
            msgid=getattr(errors[0], "msgid", None),
            values=getattr(errors[0], "values", None),
        )


def may_change(actor: Actor) -> None:
    if actor.role not in CATALOGUE_ROLES:
        raise PermissionDenied(
            "only an admin or the privacy officer may change the purposes catalogue"
        )


def list_purposes(engine: Engine) -> list[Purpose]:
    with engine.connect() as conn:
        return repository.all_purposes(conn)


def get_purpose(engine: Engine, key: str) -> Purpose:
    with engine.connect() as conn:
        found = repository.get(conn, key)
    if found is None:
        raise NotFound(
            f"there is no purpose {key!r}; `kluis purposes list` shows them", field="key"
        )
    return found


def create_purpose(engine: Engine, actor: Actor, purpose: Purpose, now: datetime) -> Purpose:
    may_change(actor)
    _validate(purpose)
    with engine.begin() as conn:
        if repository.get(conn, purpose.key) is not None:
            raise Conflict(f"a purpose {purpose.key!r} exists already", field="key")
        repository.add(conn, purpose, now)
        audit.record(
            conn, actor.ref, now, [PurposeCreated(purpose.key, purpose.lawful_basis.value)]
        )
    return purpose


def change_purpose(
    engine: Engine, actor: Actor, key: str, changes: Mapping[str, Any], now: datetime
) -> Purpose:
    may_change(actor)
    if "key" in changes and changes["key"] != key:
        raise InvalidField(
            "a purpose's key cannot change; create a new purpose",
            field="key",
            msgid=N_("A purpose's key cannot change; create a new purpose."),
        )
    for name in _NOT_NULL:
        if name in changes and changes[name] is None:
            raise InvalidField(
                f"{name} cannot be cleared; give it a new value",
                field=name,
                msgid=N_("This cannot be cleared; give it a new value."),
            )
    with engine.begin() as conn:
        current = repository.get(conn, key)
        if current is None:
            raise NotFound(f"there is no purpose {key!r}", field="key")
        merged = {f.name: getattr(current, f.name) for f in dataclasses.fields(Purpose)}
        merged.update(changes)
        updated = purpose_from_mapping(merged)
        _validate(updated)
        changed = tuple(
            sorted(
                f.name
                for f in dataclasses.fields(Purpose)
                if getattr(updated, f.name) != getattr(current, f.name)
            )
        )
        if changed:
            repository.replace(conn, updated, now)
            audit.record(conn, actor.ref, now, [PurposeChanged(key, changed)])
    return updated


def default_catalogue() -> list[Purpose]:
    text = (resources.files("kluis.purposes") / "catalogue.toml").read_text(encoding="utf-8")
    return [purpose_from_mapping(item) for item in tomllib.loads(text)["purpose"]]


ADDED_LATER = ("existing_customer_marketing",)
"""Default purposes introduced after catalogues were first seeded (issue 14: the soft opt-in).
``kluis init`` adds each to a catalogue that lacks it; it holds nobody until people are
collected for it, so adding it changes no one's processing."""


def load_default_catalogue(engine: Engine, now: datetime) -> int:
    """Seed the catalogue when it is empty, and add to a catalogue seeded before them the
    default purposes introduced since (``ADDED_LATER``), each audited as created by the system;
    purposes already there are left as they are. Returns how many purposes were added."""
    held = {p.key for p in list_purposes(engine)}
    added = 0
    for purpose in default_catalogue():
        if purpose.key in held or (held and purpose.key not in ADDED_LATER):
            continue
        create_purpose(engine, SYSTEM, purpose, now)
        added += 1
    return added
