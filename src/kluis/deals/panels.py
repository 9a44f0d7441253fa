"""The deals panel of a person's staff page (``contacts.panels``): the deals the person is on
under the page's purpose, with the stage and their role, read and audited like the person."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kluis.auth.sessions import Session
from kluis.deals import people, service
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis


def person_panel(
    k: Kluis, session: Session, person_id: str, purpose: Purpose, now: datetime
) -> Mapping[str, Any]:
    if session.role not in service.READ_ROLES:
        return {"deals_panel": None}
    return {
        "deals_panel": people.deals_of_person(k, session.actor, person_id, purpose.key, now),
        "deal_role_labels": people.ROLE_LABELS,
    }
