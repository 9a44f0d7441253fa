"""The home page's section of privacy requests near their deadline (``auth.home``), for the roles
that handle them (admins and the privacy officer): open requests overdue or due within
``NEAR_DAYS`` days, soonest first (Art. 12(3): one month, extendable by two)."""

from __future__ import annotations

from datetime import datetime

from kluis.actors import ALL_PURPOSES_ROLES
from kluis.auth.home import HomeSection
from kluis.auth.sessions import Session
from kluis.requests import service
from kluis.runtime import Kluis
from kluis.ui.vocabulary import N_

NEAR_DAYS = 7


def home_panel(k: Kluis, session: Session, now: datetime) -> HomeSection | None:
    if session.role not in ALL_PURPOSES_ROLES:
        return None
    near = service.list_requests(k, session.actor, now, due_within=NEAR_DAYS, limit=50)
    return HomeSection(
        key="requests",
        title=N_("Privacy requests near their deadline"),
        template="staff/home/_requests.html",
        values={"requests": near, "days": NEAR_DAYS},
    )
