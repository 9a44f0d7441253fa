"""Existing customers come under the soft opt-in only when an admin says they were told at the
sale (issue 14), on SQLite and PostgreSQL: a count first, the change only when asked, never for
people who objected, are restricted or have a suppressed address, or were collected before the
date given; each person added is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cli_helpers import ok
from conftest import ADMIN, MARKETING, NOW
from factories import add_person
from kluis.audit import service as audit
from kluis.consent import decisions
from kluis.consent.soft_opt_in import hold_told_customers
from kluis.contacts import flags
from kluis.contacts import people as contacts
from kluis.db import utcnow
from kluis.errors import PermissionDenied
from kluis.runtime import Kluis
from kluis.settings import Settings

SOFT = "existing_customer_marketing"
TOLD = NOW + timedelta(days=10)
LATER = NOW + timedelta(days=40)


def purposes(kluis: Kluis, person: str) -> set[str]:
    return set(contacts.read_person(kluis, ADMIN, person, "customer_service", LATER).purposes)


def test_only_customers_told_since_the_date_and_free_to_be_marketed_are_added(
    kluis: Kluis,
) -> None:
    before = add_person(kluis, ADMIN, NOW, 1)
    told = add_person(kluis, ADMIN, TOLD, 2)
    prospect = add_person(kluis, ADMIN, TOLD, 3, relationship="prospect")
    objector = add_person(kluis, ADMIN, TOLD, 4)
    restricted = add_person(kluis, ADMIN, TOLD, 5)
    listed = add_person(kluis, ADMIN, TOLD, 6)
    flags.set_flag(kluis, ADMIN, objector, "objection", True, "phone", TOLD)
    flags.set_flag(kluis, ADMIN, restricted, "restriction", True, "phone", TOLD)
    flags.set_flag(kluis, ADMIN, listed, "objection", True, "phone", TOLD)
    flags.set_flag(kluis, ADMIN, listed, "objection", False, "phone", TOLD)  # still listed
    counted = hold_told_customers(kluis, ADMIN, TOLD, LATER)
    assert (counted.customers, counted.suppressed, counted.done) == (1, 1, False)
    assert SOFT not in purposes(kluis, told)
    done = hold_told_customers(kluis, ADMIN, TOLD, LATER, apply=True, page=1)
    assert (done.customers, done.suppressed, done.done) == (1, 1, True)
    assert SOFT in purposes(kluis, told)
    for person in (before, prospect, objector, listed):
        assert SOFT not in purposes(kluis, person)
    [entry] = audit.list_entries(kluis.engine, person_id=told, action="person.purposes_changed")
    assert entry.details["added"] == [SOFT]
    decision = decisions.decide(kluis, MARKETING, told, "email", "commercial", "offers", LATER)
    assert (decision.allowed, decision.purpose) == (True, SOFT)
    again = hold_told_customers(kluis, ADMIN, TOLD, LATER, apply=True)
    assert again.customers == 0


def test_only_an_admin_or_the_privacy_officer_may(kluis: Kluis) -> None:
    with pytest.raises(PermissionDenied):
        hold_told_customers(kluis, MARKETING, TOLD, LATER)


def test_the_cli_says_what_it_would_do_and_does_it_with_yes(
    kluis_env: Settings, kluis: Kluis
) -> None:
    person = add_person(kluis, ADMIN, utcnow(), 7)
    since = (utcnow() - timedelta(days=1)).date().isoformat()
    asked = ok("consent", "soft-opt-in", "--told-since", since).stdout
    assert "Would add purpose existing_customer_marketing to 1 customers" in " ".join(asked.split())
    assert SOFT not in purposes(kluis, person)
    done = ok("consent", "soft-opt-in", "--told-since", since, "--yes").stdout
    assert "Added purpose existing_customer_marketing to 1 customers" in " ".join(done.split())
    assert SOFT in purposes(kluis, person)
