"""The activities' section of the staff home page (``kluis.auth.home``): the signed-in user's
own activities of the last and the next two weeks, each read under its own purpose (one the
user's role still holds, about a person still visible under it) and audited."""

from __future__ import annotations

from datetime import datetime

from kluis.activities import reads
from kluis.auth.home import HomeSection
from kluis.auth.sessions import Session
from kluis.locale import N_
from kluis.runtime import Kluis

TITLE = N_("My recent and upcoming activities")
DAYS = 14
SHOWN = 10


def home_panel(k: Kluis, session: Session, now: datetime) -> HomeSection | None:
    """None for a user with no activity in the window: the page shows no empty section."""
    recent, upcoming = reads.by_author(k, session.actor, now, days=DAYS, limit=SHOWN)
    if not recent and not upcoming:
        return None
    return HomeSection(
        "activities",
        TITLE,
        "staff/home/_activities.html",
        {"recent": recent, "upcoming": upcoming, "days": DAYS},
    )
