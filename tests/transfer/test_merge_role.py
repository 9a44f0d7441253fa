"""``--duplicates merge`` meeting a person the importing role cannot read: merging would add the
file's purpose to them, and the role could then read them (purpose limitation, Art. 5(1)(b)).
Such a row is rejected ("held under another purpose", the matched id never shown), the person is
left as they were, and the dry run says so too."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ADMIN, MARKETING, NOW, SALES
from kluis.actors import Actor
from kluis.contacts import collect
from kluis.contacts import people as contacts
from kluis.errors import PurposeRefused
from kluis.runtime import Kluis
from kluis.transfer import pipeline
from kluis.transfer.job import ImportOptions, ImportReport
from kluis.transfer.rules.matching import Duplicates
from transfer.helpers import write


def _held(kluis: Kluis, email: str, purposes: list[str], **fields: str) -> str:
    return collect.create_person(
        kluis, ADMIN, contacts.NewPerson("customer", purposes, {"email": email, **fields}), NOW
    )


def _merge(
    kluis: Kluis, actor: Actor, path: Path, purpose: str, *, dry_run: bool = False
) -> ImportReport:
    options = ImportOptions(purposes=(purpose,), duplicates=Duplicates.MERGE)
    return pipeline.run_import(kluis, actor, path, options, NOW, dry_run=dry_run)


def test_marketing_cannot_merge_into_a_person_held_for_other_purposes(
    kluis: Kluis, tmp_path: Path
) -> None:
    hidden = _held(kluis, "verborgen@example.com", ["customer_service", "age_verification"])
    known = _held(kluis, "bekend@example.com", ["email_marketing"])
    path = write(
        tmp_path / "lijst.csv",
        "E-mail,Voornaam\nverborgen@example.com,Vera\nbekend@example.com,Bas\n",
    )

    dry = _merge(kluis, MARKETING, path, "email_marketing", dry_run=True)
    real = _merge(kluis, MARKETING, path, "email_marketing")

    assert vars(dry.counts) == vars(real.counts)
    assert (real.counts.merged, real.counts.rejected, real.counts.created) == (1, 1, 0)
    (reject,) = real.rejects
    assert (reject.line, reject.code) == (2, "held_for_other_purposes")
    assert "held under another purpose" in reject.reason
    assert hidden not in reject.reason
    assert [(r.line, r.code) for r in dry.rejects] == [(2, "held_for_other_purposes")]
    (view,) = contacts.read_people(kluis, ADMIN, [hidden], "privacy_requests", NOW)
    assert view.purposes == ("age_verification", "customer_service")
    assert "given_name" not in view.fields
    with pytest.raises(PurposeRefused):
        contacts.read_person(kluis, MARKETING, hidden, "email_marketing", NOW)
    (bas,) = contacts.read_people(kluis, ADMIN, [known], "privacy_requests", NOW)
    assert bas.fields["given_name"] == "Bas"


def test_a_person_held_for_a_purpose_of_the_role_is_merged(kluis: Kluis, tmp_path: Path) -> None:
    """Sales holds customer_service and sales_follow_up: a customer_service person is theirs to
    read already, so a sales_follow_up file merges into them."""
    held = _held(kluis, "klant@example.com", ["customer_service"])
    path = write(tmp_path / "klant.csv", "E-mail,Achternaam\nklant@example.com,Kok\n")
    report = _merge(kluis, SALES, path, "sales_follow_up")
    assert (report.counts.merged, report.counts.rejected) == (1, 0)
    (view,) = contacts.read_people(kluis, ADMIN, [held], "privacy_requests", NOW)
    assert view.purposes == ("customer_service", "sales_follow_up")
