"""The consent panel of a person's staff page (``contacts.panels``): their ledger, permissions,
the notices the ledger cites and the topics, read under the page's purpose and audited."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kluis.auth.sessions import Session
from kluis.consent import catalogue, decisions, ledger
from kluis.contacts.panels import PANEL_ROLES
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis


def person_panel(
    k: Kluis, session: Session, person_id: str, purpose: Purpose, now: datetime
) -> Mapping[str, Any]:
    kept = permissions = None
    if session.role.value in PANEL_ROLES:
        kept = ledger.ledger(k, session.actor, person_id, purpose.key, now)
        permissions = decisions.permissions(k, session.actor, person_id, purpose.key, now)
    cited = {e.notice_id for e in kept.events} if kept is not None else set()
    return {
        "ledger": kept,
        "permissions": permissions,
        "notices": {n.id: n for n in catalogue.list_notices(k) if n.id in cited},
        "evidence_types": {e["id"]: e["content_type"] for e in kept.evidence} if kept else {},
        "topics": {
            t.key: t.name_nl if session.language == "nl" else t.name_en
            for t in catalogue.list_topics(k)
        },
    }
