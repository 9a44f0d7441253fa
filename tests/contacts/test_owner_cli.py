"""``kluis contacts assign``: a staff user named by e-mail address becomes the owner of the
people named, audited per person with ``via`` ``cli``."""

from __future__ import annotations

from cli_helpers import ok, ok_json, refused
from conftest import ADMIN, NOW, SALES
from factories import add_person
from kluis.actors import SYSTEM
from kluis.audit import service as audit
from kluis.auth import service as users
from kluis.contacts import companies, listing, people
from kluis.runtime import Kluis
from kluis.settings import Settings


def test_assign_and_clear_an_owner(kluis_env: Settings, kluis: Kluis) -> None:
    user, _ = users.create_user(kluis.engine, SYSTEM, "sanne@example.com", "sales", NOW)
    ids = [add_person(kluis, SALES, NOW, n) for n in (1, 2)]
    done = ok_json(
        "contacts", "assign", *ids, "--owner", "Sanne@example.com", "--purpose", "customer_service"
    )
    assert done == {"changed": 2, "owner": "Sanne@example.com"}
    for person_id in ids:
        assert people.read_person(kluis, SALES, person_id, "customer_service", NOW).owner_id == (
            user.id
        )
    entries = audit.list_entries(kluis.engine, action="person.owner_changed")
    assert {e.details["via"] for e in entries} == {"cli"}
    cleared = ok("contacts", "assign", ids[0], "--nobody", "--purpose", "customer_service")
    assert cleared.stdout.strip() == "1 changed"
    unknown = ("--owner", "x@example.com", "--purpose", "customer_service")
    assert "x@example.com" in refused("contacts", "assign", ids[0], *unknown, field="email")


def test_the_demo_gives_its_people_and_companies_to_the_staff_in_turn(
    kluis_env: Settings, kluis: Kluis
) -> None:
    staff = {
        users.create_user(kluis.engine, SYSTEM, f"{name}@example.com", "sales", NOW)[0].id
        for name in ("sanne", "joris")
    }
    assert ok_json("demo", "--people", "10")["people"] == 10
    mine = listing.list_people(
        kluis, ADMIN, "privacy_requests", NOW, listing.ListFilters(), limit=50
    )
    assert {p.owner_id for p in mine.items} == staff
    listed, _ = companies.list_companies(kluis)
    assert {c.owner_id for c in listed} == staff
