"""``--duplicates merge`` meeting a person whose processing is restricted (Art. 18): apart from
storage their data may not be processed, so a file may neither fill in their fields, add
purposes nor record consent for them. The row is rejected with the reason, the person is left
as they were, and the rest of the file is imported."""

from __future__ import annotations

import csv
from pathlib import Path

from conftest import ADMIN, NOW
from kluis.contacts import collect
from kluis.contacts import flags as contacts_flags
from kluis.contacts import people as contacts
from kluis.runtime import Kluis
from kluis.transfer import pipeline
from kluis.transfer.job import ImportOptions
from kluis.transfer.rules.matching import Duplicates
from transfer.helpers import write


def test_a_restricted_person_is_not_merged(kluis: Kluis, tmp_path: Path) -> None:
    held = collect.create_person(
        kluis,
        ADMIN,
        contacts.NewPerson("customer", ["customer_service"], {"email": "jolien@example.com"}),
        NOW,
    )
    contacts_flags.set_flag(kluis, ADMIN, held, "restriction", True, "letter", NOW)
    path = write(
        tmp_path / "beurs.csv",
        "E-mail,Achternaam,Telefoon\n"
        "jolien@example.com,Verhoef,+31 6 55550003\n"
        "teun@example.com,Brouwer,\n",
    )
    rejects = tmp_path / "rejects.csv"
    options = ImportOptions(purposes=("customer_service",), duplicates=Duplicates.MERGE)

    dry = pipeline.run_import(kluis, ADMIN, path, options, NOW, dry_run=True)
    report = pipeline.run_import(kluis, ADMIN, path, options, NOW, rejects_path=rejects)

    assert (vars(dry.counts), dry.rejects) == (vars(report.counts), report.rejects)

    counts = report.counts
    assert (counts.created, counts.merged, counts.rejected) == (1, 0, 1)
    assert report.rejects[0].line == 2
    assert "restricted processing (Art. 18)" in report.rejects[0].reason
    (view,) = contacts.read_people(kluis, ADMIN, [held], "privacy_requests", NOW)
    assert view.fields == {"email": "jolien@example.com"}
    assert view.purposes == ("customer_service",)
    with rejects.open(encoding="utf-8", newline="") as handle:
        written = list(csv.reader(handle))
    assert written[1][:4] == ["2", "rejected", "restricted", ""]
    assert written[1][4].startswith("the person it matches has restricted processing")
    assert written[1][5:] == ["jolien@example.com", "Verhoef", "+31 6 55550003"]


def test_skip_policy_leaves_a_restricted_person_alone_too(kluis: Kluis, tmp_path: Path) -> None:
    held = collect.create_person(
        kluis,
        ADMIN,
        contacts.NewPerson("customer", ["customer_service"], {"email": "jolien@example.com"}),
        NOW,
    )
    contacts_flags.set_flag(kluis, ADMIN, held, "restriction", True, "letter", NOW)
    path = write(tmp_path / "beurs.csv", "E-mail,Achternaam\njolien@example.com,Verhoef\n")
    options = ImportOptions(purposes=("customer_service",))

    report = pipeline.run_import(kluis, ADMIN, path, options, NOW)

    assert (report.counts.skipped, report.counts.rejected) == (1, 0)
    (view,) = contacts.read_people(kluis, ADMIN, [held], "privacy_requests", NOW)
    assert view.fields == {"email": "jolien@example.com"}
