"""``relist_objections``: the scheduled jobs put on the suppression list every e-mail address
and phone number held for a person who objected to direct marketing (Art. 21(3)) and not listed
yet, such as a number given to them before rectification listed new numbers."""

from __future__ import annotations

from datetime import timedelta

from conftest import ADMIN, NOW
from factories import add_person
from kluis.audit import service as audit
from kluis.contacts import flags as contacts_flags
from kluis.contacts import repository as contacts_repo
from kluis.retention import service as retention
from kluis.runtime import Kluis

LATER = NOW + timedelta(days=1)
OLD_PHONE = "+31655550202"


def _give_phone_unlisted(kluis: Kluis, person_id: str, phone: str) -> None:
    """A phone in the blind index the way data from before the rule has it: not listed."""
    with kluis.engine.begin() as conn:
        contacts_repo.replace_index(
            conn, person_id, "phone", [kluis.vault.blind_index("phone", phone)]
        )


def _listed(kluis: Kluis, kind: str, value: str) -> str | None:
    digest = kluis.vault.blind_index(kind, value)
    return kluis.vault.suppression_reasons([digest]).get(digest)


def test_addresses_of_objectors_missing_from_the_list_are_added_once(kluis: Kluis) -> None:
    late = add_person(kluis, ADMIN, NOW, 1, phone=None)
    complete = add_person(kluis, ADMIN, NOW, 2)
    bystander = add_person(kluis, ADMIN, NOW, 3, phone=None)
    for person_id in (late, complete):
        contacts_flags.set_flag(kluis, ADMIN, person_id, "objection", True, "letter", NOW)
    _give_phone_unlisted(kluis, late, OLD_PHONE)
    _give_phone_unlisted(kluis, bystander, "+31655550303")
    assert _listed(kluis, "phone", OLD_PHONE) is None

    assert contacts_flags.relist_objections(kluis, LATER, page=1) == 1

    assert _listed(kluis, "phone", OLD_PHONE) == "objected"
    assert _listed(kluis, "phone", "+31655550303") is None
    entries = audit.list_entries(kluis.engine, action="suppression.added")
    mine = [e for e in entries if e.at == LATER]
    assert [(e.person_id, e.actor, e.details) for e in mine] == [
        (late, "system", {"kinds": ["phone"], "reason": "objected"})
    ]
    assert contacts_flags.relist_objections(kluis, LATER + timedelta(days=1)) == 0
    assert audit.verify(kluis.engine).ok


def test_the_retention_sweep_relists_but_not_in_a_dry_run(kluis: Kluis) -> None:
    late = add_person(kluis, ADMIN, NOW, 1, phone=None)
    contacts_flags.set_flag(kluis, ADMIN, late, "objection", True, "letter", NOW)
    _give_phone_unlisted(kluis, late, OLD_PHONE)

    assert retention.sweep(kluis, LATER, dry_run=True).relisted == 0
    assert _listed(kluis, "phone", OLD_PHONE) is None
    result = retention.run_jobs(kluis, LATER)

    assert result["sweep"].relisted == 1
    assert _listed(kluis, "phone", OLD_PHONE) == "objected"
