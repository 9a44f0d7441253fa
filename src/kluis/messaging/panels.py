"""The messages panel of a person's staff page (``contacts.panels``): what was sent or refused to
them, with the decision behind each, read under the page's purpose and audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kluis.auth.sessions import Session
from kluis.contacts.panels import PANEL_ROLES
from kluis.messaging import service
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis


def person_panel(
    k: Kluis, session: Session, person_id: str, purpose: Purpose, now: datetime
) -> Mapping[str, Any]:
    messages: list[dict[str, Any]] = []
    if session.role.value in PANEL_ROLES:
        messages = service.messages_of(k, session.actor, person_id, purpose.key, now)
    return {"messages": messages}
