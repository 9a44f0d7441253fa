"""The activities' panel of a person's staff page (``contacts.panels``): what the form that logs
an activity needs. The timeline itself is merged by the page from every slice's source
(``contacts.timeline``); this slice's entries come from ``activities.timeline``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kluis.activities import reads, rules
from kluis.auth.sessions import Session
from kluis.contacts import repository as contacts_repo
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis


def form_context(k: Kluis, purpose: Purpose, company_id: int | None = None) -> dict[str, Any]:
    return {
        "company_id": company_id,
        "types": rules.TYPES,
        "purpose": purpose,
        "max_mib": k.settings.evidence_max_bytes // (1024 * 1024),
        "subject_max": rules.SUBJECT_MAX,
        "duration_max": rules.DURATION_MAX,
    }


def deal_panel(k: Kluis, session: Session, deal_id: int, now: datetime) -> Mapping[str, Any]:
    """The activities logged for a deal (``deals.work``), each opened under its own purpose
    when the reader's role holds it, audited (``reads.of_deal``)."""
    shown, hidden = reads.of_deal(k, session.actor, deal_id, now)
    return {"deal_activities": shown, "deal_activities_hidden": hidden}


def person_panel(
    k: Kluis, session: Session, person_id: str, purpose: Purpose, now: datetime
) -> Mapping[str, Any]:
    """The log form, when the working purpose is one activities may be logged under for this
    person (the role holds it, as the page's read proved, and the person was collected for
    it); otherwise none, and the page says why not."""
    with k.engine.connect() as conn:
        collected = contacts_repo.purposes_of(conn, [person_id])[person_id]
        row = contacts_repo.fetch(conn, [person_id]).get(person_id)
    reason = rules.why_not_log(session.role, purpose.key, purpose.roles, collected)
    if reason is not None or row is None:
        return {"activity_form": None}
    return {"activity_form": form_context(k, purpose, row.company_id)}
