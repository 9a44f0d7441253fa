"""The tasks panel of a person's staff page (``contacts.panels``): the tasks about them worked
under the page's purpose, read and audited as ``task.read`` under it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kluis.auth.sessions import Session
from kluis.contacts.panels import PANEL_ROLES
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis
from kluis.tasks import reading


def deal_panel(k: Kluis, session: Session, deal_id: int, now: datetime) -> Mapping[str, Any]:
    """The tasks for a deal (``deals.work``), a person's titles opened only where the reader
    reaches them, audited (``reading.of_deal``)."""
    return {"deal_tasks": reading.of_deal(k, session.actor, deal_id, now)}


def person_panel(
    k: Kluis, session: Session, person_id: str, purpose: Purpose, now: datetime
) -> Mapping[str, Any]:
    if session.role.value not in PANEL_ROLES:
        return {"person_tasks": None}
    return {"person_tasks": reading.of_person(k, session.actor, person_id, purpose.key, now)}
