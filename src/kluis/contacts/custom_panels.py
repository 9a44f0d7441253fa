"""The custom-fields panel of a person's staff page (``contacts.panels``): the fields the page's
purpose covers, with the person's values read through the service (so audited) and a form to
set or clear each under that purpose (``custom_pages``). A field the purpose does not cover is
neither shown nor decrypted: the panel only counts them (Art. 5(1)(b)). A special-category
field (Art. 9) carries a warning."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kluis.auth.sessions import Session
from kluis.contacts import custom_fields, custom_forms
from kluis.contacts import custom_rules as rules
from kluis.contacts.panels import PANEL_ROLES
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis


def person_panel(
    k: Kluis, session: Session, person_id: str, purpose: Purpose, now: datetime
) -> Mapping[str, Any]:
    declared = custom_fields.fields(k)
    if not declared or session.role.value not in PANEL_ROLES:
        return {"custom_panel": None}
    readable = rules.readable(declared, purpose)
    found = custom_fields.read_values(k, session.actor, person_id, purpose.key, now)
    return {
        "custom_panel": custom_forms.inputs(readable, found),
        "custom_hidden": len(declared) - len(readable),
    }
