"""The home page's count of consents lapsing this month (``auth.home``): live consents whose
re-confirm-by date falls in the current calendar month of the organisation (``KLUIS_TIME_ZONE``),
of people collected for a consent-based purpose the role holds. A consent not re-confirmed by
then lapses (Art. 7; EDPB Guidelines 05/2020, 5.2 on refreshing consent), so this is what the
re-confirmation mailing is about to ask. A count names nobody: it is not a read of anyone's
data."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from kluis.actors import holds_purpose
from kluis.auth.home import HomeSection
from kluis.auth.sessions import Session
from kluis.consent.rules import Status
from kluis.consent.tables import PermissionRow
from kluis.contacts.tables import PersonPurpose
from kluis.purposes import repository as purposes_repo
from kluis.purposes.rules import LawfulBasis
from kluis.runtime import Kluis
from kluis.ui.vocabulary import N_


def month(now: datetime, zone: str) -> tuple[datetime, datetime]:
    """The start of this month and of the next in the organisation's zone, as moments."""
    local = now.astimezone(ZoneInfo(zone))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def home_panel(k: Kluis, session: Session, now: datetime) -> HomeSection | None:
    start, end = month(now, k.settings.time_zone)
    with k.engine.connect() as conn:
        keys = [
            p.key
            for p in purposes_repo.all_purposes(conn)
            if p.lawful_basis is LawfulBasis.CONSENT and holds_purpose(session.role, p.roles)
        ]
        if not keys:
            return None
        collected = select(PersonPurpose.person_id).where(PersonPurpose.purpose_key.in_(keys))
        lapsing = conn.execute(
            select(func.count()).where(
                PermissionRow.status == Status.GRANTED.value,
                PermissionRow.reconfirm_by >= start,
                PermissionRow.reconfirm_by < end,
                PermissionRow.person_id.in_(collected),
            )
        ).scalar_one()
    return HomeSection(
        key="consents",
        title=N_("Consents lapsing this month"),
        template="staff/home/_consents.html",
        values={"lapsing": lapsing},
    )
