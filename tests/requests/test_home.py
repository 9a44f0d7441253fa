"""The home page's privacy requests near their deadline: for those who handle them."""

from __future__ import annotations

from datetime import timedelta

from conftest import ADMIN, NOW
from factories import add_person
from kluis.requests import service
from kluis.requests.home import home_panel
from kluis.runtime import Kluis
from task_helpers import session_of, staff


def test_requests_near_their_deadline_for_handlers_only(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW)
    old = service.create(kluis, ADMIN, "access", NOW - timedelta(days=27), person_id=person)
    service.create(kluis, ADMIN, "objection", NOW, person_id=person)
    assert home_panel(kluis, session_of(staff(kluis, "sales")), NOW) is None
    section = home_panel(kluis, session_of(staff(kluis, "privacy_officer")), NOW)
    assert section is not None
    assert [r.id for r in section.values["requests"]] == [old.id]
