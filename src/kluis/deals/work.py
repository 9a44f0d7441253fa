"""The work linked to a deal on its page: the activities logged for it and the tasks for it.

Activities (floor 10) and tasks (floor 11, beside deals) keep the link themselves, a nullable
``deal_id`` with a foreign key to ``deals.id`` ON DELETE SET NULL, written by their own services
(API, CLI, forms): deleting a deal unlinks the work and keeps its record, and an erasure or the
end of a purpose still takes a person's activities and tasks with their purpose row. Tasks may
not be imported from here, so each slice offers a ``DealPanel`` (``Slice(deal_panels=...)``,
listed by the assembly on ``app.state.deal_panels``), as the person page's panels are offered
(``contacts.panels``). Each panel reads and audits its own rows: a sealed subject or title is
opened under the purpose it was written under, only when the reader's role holds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from fastapi import Request

from kluis.auth.sessions import Session
from kluis.runtime import Kluis


class DealPanel(Protocol):
    def __call__(
        self, k: Kluis, session: Session, deal_id: int, now: datetime
    ) -> Mapping[str, Any]: ...


EMPTY: Mapping[str, Any] = {
    "deal_activities": None,
    "deal_activities_hidden": 0,
    "deal_tasks": None,
}
"""What the deal page's template reads of the panels when no slice adds it."""


def panels(
    k: Kluis, request: Request, session: Session, deal_id: int, now: datetime
) -> dict[str, Any]:
    found: dict[str, Any] = dict(EMPTY)
    for panel in getattr(request.app.state, "deal_panels", ()):
        found.update(panel(k, session, deal_id, now))
    return found
