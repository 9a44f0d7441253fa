"""The home page's count of consents lapsing this month (the organisation's month)."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import ADMIN, NOW
from factories import add_marketed_person, add_notice, grant_consent
from kluis.consent.home import home_panel, month
from kluis.runtime import Kluis
from task_helpers import session_of, staff


def test_the_month_is_the_organisations() -> None:
    start, end = month(datetime(2026, 3, 31, 23, 30, tzinfo=UTC), "Europe/Amsterdam")
    assert (start.month, end.month) == (4, 5)
    start, end = month(datetime(2026, 12, 5, tzinfo=UTC), "Europe/Amsterdam")
    assert (start.year, start.month, end.year, end.month) == (2026, 12, 2027, 1)


def test_consents_lapsing_this_month_for_roles_with_a_consent_purpose(kluis: Kluis) -> None:
    notice = add_notice(kluis)
    soon = add_marketed_person(kluis, ADMIN, NOW, 1, relationship="prospect")
    later = add_marketed_person(kluis, ADMIN, NOW, 2, relationship="prospect")
    # topics are re-confirmed after 24 months: the first lapses on 2026-03-20, the second in May
    grant_consent(kluis, soon, "email", "offers", notice, at=datetime(2024, 3, 20, tzinfo=UTC))
    grant_consent(kluis, later, "email", "offers", notice, at=datetime(2024, 5, 20, tzinfo=UTC))
    assert home_panel(kluis, session_of(staff(kluis, "service")), NOW) is None
    section = home_panel(kluis, session_of(staff(kluis, "marketing")), NOW)
    assert section is not None
    assert section.values["lapsing"] == 1
