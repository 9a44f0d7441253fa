"""``decide_page`` is ``decide`` for many: the same decision for every kind of person, with
nothing audited until the caller records it."""

from __future__ import annotations

from conftest import ADMIN, MARKETING, NOW
from factories import add_marketed_person, add_notice
from kluis.audit import service as audit
from kluis.consent import decisions, page_decisions
from kluis.consent import ledger as consent
from kluis.contacts import erasure, flags
from kluis.runtime import Kluis


def test_a_page_is_decided_as_each_person_would_be(kluis: Kluis) -> None:
    notice = add_notice(kluis)
    people = {
        "customer": add_marketed_person(kluis, ADMIN, NOW, 1),
        "consenting": add_marketed_person(kluis, ADMIN, NOW, 2, relationship="prospect"),
        "silent": add_marketed_person(kluis, ADMIN, NOW, 3, relationship="prospect"),
        "withdrawn": add_marketed_person(kluis, ADMIN, NOW, 4),
        "objector": add_marketed_person(kluis, ADMIN, NOW, 5),
        "restricted": add_marketed_person(kluis, ADMIN, NOW, 6),
        "no_address": add_marketed_person(kluis, ADMIN, NOW, 7, email=None),
        "not_collected": add_marketed_person(kluis, ADMIN, NOW, 8, purposes=["customer_service"]),
        "erased": add_marketed_person(kluis, ADMIN, NOW, 9),
    }
    consent.record(
        kluis,
        MARKETING,
        people["consenting"],
        "email",
        "offers",
        "granted",
        NOW,
        consent.Grant(method="double_opt_in", notice_id=notice),
    )
    consent.record(kluis, MARKETING, people["withdrawn"], "email", "offers", "withdrawn", NOW)
    flags.set_flag(kluis, MARKETING, people["objector"], "objection", True, "phone", NOW)
    flags.set_flag(kluis, ADMIN, people["restricted"], "restriction", True, "phone", NOW)
    erasure.erase_person(kluis, ADMIN, people["erased"], NOW)
    ids = list(people.values())
    entries = len(audit.list_entries(kluis.engine, limit=100_000))
    with kluis.engine.connect() as conn:
        page = page_decisions.decide_page(kluis, conn, ids, "email", "commercial", "offers", NOW)
    assert len(audit.list_entries(kluis.engine, limit=100_000)) == entries
    for name, person_id in people.items():
        one = decisions.decide(kluis, MARKETING, person_id, "email", "commercial", "offers", NOW)
        assert page[person_id] == one, name
    reasons = {name: page[person_id].reason.value for name, person_id in people.items()}
    assert reasons == {
        "customer": "soft_opt_in",
        "consenting": "consent",
        "silent": "no_consent",
        "withdrawn": "withdrawn",
        "objector": "objected",
        "restricted": "restricted",
        "no_address": "no_address",
        "not_collected": "not_collected",
        "erased": "erased",
    }
