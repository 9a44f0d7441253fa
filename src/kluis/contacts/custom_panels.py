"""The custom-fields panel of a person's staff page (``contacts.panels``): the person's custom
values the page's purpose may use (its categories cover the field's), read through the service
and so audited; a special-category field (Art. 9) is marked with a warning."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kluis.auth.sessions import Session
from kluis.contacts import custom_fields
from kluis.contacts.custom_rules import CustomKind
from kluis.contacts.panels import PANEL_ROLES
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis


def person_panel(
    k: Kluis, session: Session, person_id: str, purpose: Purpose, now: datetime
) -> Mapping[str, Any]:
    declared = custom_fields.fields(k)
    if not declared or session.role.value not in PANEL_ROLES:
        return {"custom_panel": None}
    found = custom_fields.read_values(k, session.actor, person_id, purpose.key, now)
    rows = []
    for f in declared:
        if f.key not in found:
            continue
        value = found[f.key]
        labels = {c.key: (c.label_en, c.label_nl) for c in f.choices}
        if f.kind is CustomKind.BOOLEAN:
            shown: Any = ("yes", "ja") if value is True else ("no", "nee")
        elif isinstance(value, list):
            shown = [labels.get(v, (v, v)) for v in value]
        else:
            shown = labels.get(str(value), (str(value), str(value)))
        rows.append({"field": f, "shown": shown})
    return {"custom_panel": rows}
