"""The home page's "My tasks" section (``auth.home``): the signed-in user's open tasks that are
overdue, due today or this week, read through ``reading.mine`` (audited as ``task.listed`` and,
for tasks about a person, ``task.read`` under each task's purpose)."""

from __future__ import annotations

from datetime import datetime

from kluis.auth.home import HomeSection
from kluis.auth.sessions import Session
from kluis.runtime import Kluis
from kluis.tasks import reading
from kluis.tasks.rules import Bucket
from kluis.ui.vocabulary import N_

SHOWN = 15
"""At most this many tasks on the home page; "My tasks" has them all."""


def home_panel(k: Kluis, session: Session, now: datetime) -> HomeSection | None:
    views = [v for v in reading.mine(k, session.actor, now, via="home") if v.bucket is not None]
    near = [v for v in views if v.bucket is not Bucket.LATER]
    return HomeSection(
        key="tasks",
        title=N_("My tasks"),
        template="staff/home/_tasks.html",
        values={
            "rows": near[:SHOWN],
            "more": max(0, len(near) - SHOWN),
            "overdue": sum(1 for v in near if v.bucket is Bucket.OVERDUE),
            "today": sum(1 for v in near if v.bucket is Bucket.TODAY),
            "later": len(views) - len(near),
        },
    )
