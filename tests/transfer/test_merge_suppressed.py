"""``--duplicates merge`` meeting a person on the suppression list: a person who objected to direct
marketing (Art. 21(3)) is found again by a file imported for a marketing purpose, with a consent
declaration. They may be merged for the file's other purposes, but must not be added to the
marketing purpose, and no consent may be taken for them from the file (Art. 7(1), 21(3))."""

from __future__ import annotations

from pathlib import Path

from conftest import ADMIN, NOW
from kluis.consent import catalogue, decisions
from kluis.consent import ledger as consent
from kluis.contacts import collect, rectify
from kluis.contacts import flags as contacts_flags
from kluis.contacts import people as contacts
from kluis.runtime import Kluis
from kluis.transfer import pipeline
from kluis.transfer.job import ImportOptions, ImportReport
from kluis.transfer.rules.columns import ConsentDeclaration
from kluis.transfer.rules.matching import Duplicates
from transfer.helpers import write

MARKETING = ("email_marketing", "customer_service")


def _declaration(kluis: Kluis) -> ConsentDeclaration:
    notice = catalogue.add_notice(
        kluis,
        ADMIN,
        "nl",
        "Ja, ik wil de nieuwsbrief per e-mail ontvangen.",
        NOW,
        covers=[("email", "newsletter")],
    ).id
    return ConsentDeclaration("newsletter", "email", "paper_form", notice)


def _objected(kluis: Kluis, fields: dict[str, str]) -> str:
    """A customer who objected to direct marketing: their e-mail and phone are suppressed."""
    person = collect.create_person(
        kluis, ADMIN, contacts.NewPerson("customer", ["customer_service"], fields), NOW
    )
    contacts_flags.set_flag(kluis, ADMIN, person, "objection", True, "letter", NOW)
    digest = kluis.vault.blind_index("email", fields["email"])
    assert kluis.vault.suppressed([digest]) == {digest}
    return person


def _listed(kluis: Kluis, phone: str) -> str | None:
    """Why the phone number is on the suppression list, or None."""
    digest = kluis.vault.blind_index("phone", phone)
    return kluis.vault.suppression_reasons([digest]).get(digest)


def _merge(
    kluis: Kluis, path: Path, purposes: tuple[str, ...], declaration: ConsentDeclaration
) -> ImportReport:
    """The import, after checking that its dry run predicts it."""
    options = ImportOptions(purposes=purposes, duplicates=Duplicates.MERGE, consent=declaration)
    dry = pipeline.run_import(kluis, ADMIN, path, options, NOW, dry_run=True)
    report = pipeline.run_import(kluis, ADMIN, path, options, NOW)
    assert (vars(dry.counts), dry.rejects) == (vars(report.counts), report.rejects)
    return report


def _view(kluis: Kluis, person_id: str) -> contacts.PersonView:
    (view,) = contacts.read_people(kluis, ADMIN, [person_id], "privacy_requests", NOW)
    return view


def test_merge_fills_other_purposes_but_adds_no_marketing_and_no_consent(
    kluis: Kluis, tmp_path: Path
) -> None:
    held = _objected(kluis, {"given_name": "Wessel", "email": "wessel@example.com"})
    path = write(
        tmp_path / "beurs.csv",
        "Voornaam,Achternaam,E-mail,Telefoon,Interesses\n"
        "Wessel,Kuipers,wessel@example.com,+31 6 55550001,zeilen\n"
        "Iris,Bosman,iris@example.com,,koffie\n",
    )

    report = _merge(kluis, path, MARKETING, _declaration(kluis))

    counts = report.counts
    assert (counts.created, counts.merged, counts.suppressed, counts.rejected) == (1, 1, 1, 0)
    assert counts.consents == 1  # Iris's, from the declaration; none for Wessel
    wessel = _view(kluis, held)
    assert wessel.purposes == ("customer_service",)
    # filled in for customer_service; the interests only marketing would use are not read
    assert wessel.fields == {
        "given_name": "Wessel",
        "family_name": "Kuipers",
        "email": "wessel@example.com",
        "phone": "+31655550001",
    }
    ledger = consent.ledger(kluis, ADMIN, held, "privacy_requests", NOW)
    assert ledger.events == []
    assert [(f.flag, f.active) for f in ledger.flags] == [("objection", True)]
    decision = decisions.decide(kluis, ADMIN, held, "email", "commercial", "newsletter", NOW)
    assert not decision.allowed


def test_merge_for_marketing_alone_leaves_the_person_as_they_were(
    kluis: Kluis, tmp_path: Path
) -> None:
    held = _objected(kluis, {"given_name": "Wessel", "email": "wessel@example.com"})
    path = write(tmp_path / "lijst.csv", "E-mail,Achternaam\nwessel@example.com,Kuipers\n")

    report = _merge(kluis, path, ("email_marketing",), _declaration(kluis))

    counts = report.counts
    assert (counts.merged, counts.suppressed, counts.rejected, counts.consents) == (0, 1, 1, 0)
    assert "suppression list" in report.rejects[0].reason
    wessel = _view(kluis, held)
    assert wessel.purposes == ("customer_service",)
    assert "family_name" not in wessel.fields
    assert consent.ledger(kluis, ADMIN, held, "privacy_requests", NOW).events == []


def test_merge_found_by_an_address_added_after_the_objection(kluis: Kluis, tmp_path: Path) -> None:
    """The objection covers a phone number added after it: rectification puts the number on the
    suppression list (Art. 21(3)), and a file that finds them by it also meets a person who
    objected, so either keeps them out of marketing."""
    held = _objected(kluis, {"given_name": "Wessel", "email": "wessel@example.com"})
    rectify.update_person(kluis, ADMIN, held, "customer_service", {"phone": "+31655550002"}, NOW)
    assert _listed(kluis, "+31655550002") == "objected"
    path = write(tmp_path / "beurs.csv", "Telefoon,Achternaam\n+31 6 55550002,Kuipers\n")

    report = _merge(kluis, path, MARKETING, _declaration(kluis))

    assert report.counts.merged == 1
    wessel = _view(kluis, held)
    assert "email_marketing" not in wessel.purposes
    assert consent.ledger(kluis, ADMIN, held, "privacy_requests", NOW).events == []
    assert report.counts.consents == 0


def test_a_second_import_finds_them_by_the_phone_the_first_filled_in(
    kluis: Kluis, tmp_path: Path
) -> None:
    held = _objected(kluis, {"given_name": "Wessel", "email": "wessel@example.com"})
    declaration = _declaration(kluis)
    first = write(tmp_path / "a.csv", "E-mail,Telefoon\nwessel@example.com,+31 6 55550003\n")
    assert _merge(kluis, first, MARKETING, declaration).counts.suppressed == 1
    assert _listed(kluis, "+31655550003") == "objected"

    second = write(tmp_path / "b.csv", "Telefoon,Achternaam\n+31 6 55550003,Kuipers\n")
    report = _merge(kluis, second, MARKETING, declaration)

    assert report.counts.merged == 1
    assert _view(kluis, held).purposes == ("customer_service",)
    assert consent.ledger(kluis, ADMIN, held, "privacy_requests", NOW).events == []
