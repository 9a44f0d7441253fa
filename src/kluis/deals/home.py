"""The home page's "my open deals": the signed-in user's open deals, soonest close first."""

from __future__ import annotations

from datetime import datetime

from kluis.auth.home import HomeSection
from kluis.auth.sessions import Session
from kluis.deals import formats, repository, service
from kluis.runtime import Kluis
from kluis.ui.vocabulary import N_

SHOWN = 10
KINDS = (N_("open"), N_("won"), N_("lost"))
"""The kinds of stage, as the pipeline page names them."""


def my_open_deals(k: Kluis, session: Session, now: datetime) -> HomeSection | None:
    if session.role not in service.READ_ROLES:
        return None
    with k.engine.connect() as conn:
        found = repository.open_deals_of_owner(conn, session.user_id, SHOWN)
    return HomeSection(
        key="deals",
        title=N_("My open deals"),
        template="staff/home/_deals.html",
        values={
            "deals": found,
            "amounts": {d.id: formats.money(d.value, d.currency, session.language) for d in found},
        },
    )
