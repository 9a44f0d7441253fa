"""The activities' home section (called directly, as the home page will) and their part of the
demo data, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from activity_helpers import log_call
from conftest import ADMIN, NOW
from factories import add_person
from kluis.activities import demo, home, reads
from kluis.actors import Role
from kluis.auth.sessions import Session
from kluis.contacts import erasure
from kluis.contacts.tables import people
from kluis.runtime import Kluis
from kluis.transfer import demo as transfer_demo
from kluis.ui import staff


def session(role: Role = Role.SERVICE, user_id: int = 5) -> Session:
    return Session("x", user_id, "dienst@example.com", role, "c", None, "nl", False, False)


def test_the_section_lists_my_recent_and_upcoming_activities_only(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW)
    assert home.home_panel(kluis, session(), NOW) is None
    past = log_call(kluis, person, occurred_at=NOW - timedelta(days=2))
    planned = log_call(kluis, person, occurred_at=NOW + timedelta(days=3), type="meeting")
    log_call(kluis, person, occurred_at=NOW - timedelta(days=30))
    log_call(kluis, person, actor=ADMIN)
    section = home.home_panel(kluis, session(), NOW)
    assert section is not None
    assert (section.key, section.template) == ("activities", "staff/home/_activities.html")
    assert [a.id for a in section.values["recent"]] == [past]
    assert [a.id for a in section.values["upcoming"]] == [planned]
    html = staff.environment("nl").get_template(section.template).render(section=section)
    assert "Gepland" in html
    assert f"/app/activities/{planned}" in html


def test_the_section_hides_what_the_role_may_no_longer_reach(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW)
    log_call(kluis, person)
    erasure.erase_person(kluis, ADMIN, person, NOW)
    assert home.home_panel(kluis, session(), NOW) is None
    marketing = session(Role.MARKETING, 4)
    assert home.home_panel(kluis, marketing, NOW) is None


def test_the_demo_logs_a_few_activities_per_invented_person(kluis: Kluis) -> None:
    summary = transfer_demo.populate(kluis, ADMIN, 12, NOW, parts=[demo.part])
    assert summary["activities"] > 0
    assert summary["activities"] + summary["activities planned"] <= 12 * 4
    ids = [p for p, _ in demo_people(kluis)]
    logged = sum(len(reads.of_person(kluis, ADMIN, p, "privacy_requests", NOW)) for p in ids)
    assert logged == summary["activities"] + summary["activities planned"]


def demo_people(kluis: Kluis) -> list[tuple[str, str]]:
    with kluis.engine.connect() as conn:
        return [(r.id, r.relationship) for r in conn.execute(select(people))]
