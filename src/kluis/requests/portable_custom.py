"""The custom values of a portable package (``custom``, ``kluis.access/2``): which of them this
Kluis takes in when the person moves here (Art. 20(2)), and which it leaves out and why.

A value is taken in only when a field with the same key and type is declared here, its value is
valid for it, and one of the purposes the person is kept for here covers its data category (a
value is collected only for a purpose that needs it, Art. 5(1)(c)); it is then stored sealed
with the person's new key through ``custom_fields.store_values``, as any value is. Everything
else is reported as skipped, by key and reason, never with its value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kluis.actors import Actor
from kluis.contacts import custom_fields, custom_rules
from kluis.errors import InvalidField
from kluis.purposes import repository as purposes_repo
from kluis.runtime import Kluis


@dataclass(frozen=True)
class Skipped:
    """A custom value of the package left out: its key and why (no value)."""

    key: str
    reason: str


@dataclass
class CustomPlan:
    """The package's custom values to store, by the purpose each is stored under."""

    by_purpose: dict[str, dict[str, object]] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)


def plan(k: Kluis, package: Mapping[str, Any], purposes: Sequence[str]) -> CustomPlan:
    """Decide, before anything is written, which of the package's custom values are stored."""
    out = CustomPlan()
    items = package.get("custom") or []
    if not isinstance(items, list):
        raise InvalidField("custom is a list", field="custom")
    here = {f.key: f for f in custom_fields.fields(k)}
    with k.engine.connect() as conn:
        kept = [p for p in (purposes_repo.get(conn, key) for key in purposes) if p is not None]
    for n, item in enumerate(items):
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
            raise InvalidField("each custom value has a key", field=f"custom.{n}.key")
        key = item["key"]
        declared = here.get(key)
        if declared is None:
            out.skipped.append(Skipped(key, "no custom field with this key here"))
            continue
        kind = item.get("kind")
        if kind is not None and kind != declared.kind.value:
            out.skipped.append(
                Skipped(key, f"the field here is a {declared.kind.value}, the package's a {kind}")
            )
            continue
        try:
            custom_rules.normalise(declared, item.get("value"))
        except InvalidField:
            out.skipped.append(Skipped(key, f"the value is not a valid {declared.kind.value}"))
            continue
        covering = next((p for p in kept if p.may_use(declared.category)), None)
        if covering is None:
            out.skipped.append(
                Skipped(
                    key,
                    f"none of the purposes the person is kept for covers {declared.category} "
                    "(Art. 5(1)(c))",
                )
            )
            continue
        out.by_purpose.setdefault(covering.key, {})[key] = item.get("value")
    return out


def replay(k: Kluis, actor: Actor, person_id: str, chosen: CustomPlan, now: datetime) -> None:
    """Store the planned values, each under the purpose that covers it (audited as changes)."""
    for purpose_key, values in chosen.by_purpose.items():
        custom_fields.set_values(k, actor, person_id, purpose_key, values, now)
