"""Importing people: Dutch and English files, BOM, both delimiters, bad rows, duplicates, the
consent declaration, suppression, resuming, a thousand rows read back exactly."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import ADMIN, NOW
from kluis.consent import catalogue, decisions
from kluis.consent import ledger as consent
from kluis.consent.catalogue import ConsentRefused
from kluis.contacts import collect, erasure
from kluis.contacts import people as contacts
from kluis.errors import InvalidField
from kluis.runtime import Kluis
from kluis.transfer import pipeline, writer
from kluis.transfer.job import ImportOptions, ImportReport
from kluis.transfer.rules.columns import ConsentDeclaration, ImportRefused
from kluis.transfer.rules.matching import Duplicates
from transfer.helpers import everyone, write, write_rows

CS = ("customer_service",)


def _import(kluis: Kluis, path: Path, **options: object) -> ImportReport:
    extra = {
        k: options.pop(k)
        for k in ("rejects_path", "batch_size", "dry_run", "workers")
        if k in options
    }
    opts = ImportOptions(**{"purposes": CS, **options})  # type: ignore[arg-type]
    return pipeline.run_import(kluis, ADMIN, path, opts, NOW, **extra)  # type: ignore[arg-type]


def _find(kluis: Kluis, email: str, purpose: str = "privacy_requests") -> contacts.PersonView:
    page = contacts.search_people(kluis, ADMIN, purpose, NOW, text=email)
    assert page.total == 1, email
    return page.items[0]


def test_dutch_headers_bom_and_semicolons(kluis: Kluis, tmp_path: Path) -> None:
    path = write(
        tmp_path / "klanten.csv",
        "Voornaam;Tussenvoegsel;Achternaam;E-mailadres;Telefoon;Relatie;Taal\r\n"
        "Fenna;van der;Brouwer;fenna@example.com;06 12345678;klant;nl\r\n"
        "Élodie;;Dupont;elodie@example.com;+32 470 12 34 56;prospect;en\r\n",
        bom=True,
    )
    report = _import(kluis, path)
    assert (report.counts.created, report.counts.rejected) == (2, 0)
    fenna = _find(kluis, "fenna@example.com")
    assert fenna.fields == {
        "given_name": "Fenna",
        "family_name": "van der Brouwer",
        "email": "fenna@example.com",
        "phone": "+31612345678",
    }
    assert (fenna.relationship, fenna.language, fenna.purposes) == ("customer", "nl", CS)
    elodie = _find(kluis, "elodie@example.com")
    assert (elodie.relationship, elodie.language) == ("prospect", "en")
    assert elodie.fields["given_name"] == "Élodie"


def test_english_headers_and_commas(kluis: Kluis, tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "people.csv",
        [
            ["First name", "Last name", "Email address", "Phone number", "Job title", "Notes"],
            [
                "Grace",
                "Taylor",
                "grace@example.com",
                "+44 20 7946 0958",
                "Buyer",
                "line one\nline two",
            ],
        ],
    )
    report = _import(kluis, path, relationship="customer", language="en")
    assert report.counts.created == 1
    grace = _find(kluis, "grace@example.com")
    assert grace.fields["notes"] == "line one\nline two"
    assert grace.fields["job_title"] == "Buyer"
    assert (grace.relationship, grace.language) == ("customer", "en")


def test_bad_rows_are_reported_and_never_half_imported(kluis: Kluis, tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "bad.csv",
        [
            ["Voornaam", "E-mail", "Telefoon"],
            ["Goed", "goed@example.com", "0612345678"],
            ["Fout", "geheim-adres@@example", "0612345679"],
            ["Ook fout", "ookfout@example.com", "abc-geheim"],
        ],
    )
    rejects = tmp_path / "rejects.csv"
    report = _import(kluis, path, rejects_path=rejects)
    assert (report.counts.created, report.counts.rejected) == (1, 2)
    assert [(r.line, r.column) for r in report.rejects] == [(3, "E-mail"), (4, "Telefoon")]
    assert all("geheim" not in r.reason for r in report.rejects)
    page = contacts.search_people(kluis, ADMIN, "privacy_requests", NOW)
    assert page.total == 1  # neither bad row left anything behind
    with rejects.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [
        "line",
        "outcome",
        "code",
        "column",
        "reason",
        "Voornaam",
        "E-mail",
        "Telefoon",
    ]
    assert [r[:4] for r in rows[1:]] == [
        ["3", "rejected", "invalid_value", "E-mail"],
        ["4", "rejected", "invalid_value", "Telefoon"],
    ]
    assert rows[1][5:] == ["Fout", "geheim-adres@@example", "0612345679"]
    assert rejects.stat().st_mode & 0o077 == 0


def test_the_rejects_file_cannot_start_a_formula(kluis: Kluis, tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "bad.csv",
        [["Voornaam", "E-mail"], ["=HYPERLINK(B2)", "geen-adres"]],
    )
    rejects = tmp_path / "rejects.csv"
    _import(kluis, path, rejects_path=rejects)
    with rejects.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][5:] == ["'=HYPERLINK(B2)", "geen-adres"]


def test_refused_up_front(kluis: Kluis, tmp_path: Path) -> None:
    unknown = write(tmp_path / "u.csv", "Voornaam,Schoenmaat\nJan,44\n")
    with pytest.raises(ImportRefused):
        _import(kluis, unknown)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Voornaam\nRené\n".encode("latin-1"))
    with pytest.raises(ImportRefused) as caught:
        _import(kluis, latin)
    assert "UTF-8" in caught.value.detail
    birth = write(tmp_path / "b.csv", "E-mail,Geboortedatum\na@example.com,1980-01-01\n")
    with pytest.raises(ImportRefused) as caught:
        _import(kluis, birth)  # customer_service does not use birth dates
    assert "Art. 5(1)(c)" in caught.value.detail
    assert contacts.search_people(kluis, ADMIN, "privacy_requests", NOW).total == 0


def test_duplicates_skip_and_merge(kluis: Kluis, tmp_path: Path) -> None:
    held = collect.create_person(
        kluis,
        ADMIN,
        contacts.NewPerson(
            "customer", ["customer_service"], {"given_name": "Sem", "email": "sem@example.com"}
        ),
        NOW,
    )
    path = write(
        tmp_path / "d.csv",
        "Voornaam,Achternaam,E-mail,Telefoon\n"
        "Andere,Naam,SEM@example.com,0612345670\n"  # held already (e-mail, case folded)
        "Noor,Bos,noor@example.com,0612345671\n"
        "Noor,Bos,NOOR@example.com,06 1234 5671\n",  # the row above again
    )
    skip = _import(kluis, path)
    assert (skip.counts.created, skip.counts.skipped) == (1, 2)
    assert [(s.line, s.code, s.column) for s in skip.skips] == [
        (2, "duplicate", "E-mail"),
        (4, "duplicate", "E-mail"),
    ]
    sem = _find(kluis, "sem@example.com")
    assert sem.fields == {"given_name": "Sem", "email": "sem@example.com"}

    merge = _import(kluis, path, duplicates=Duplicates.MERGE, purposes=("sales_follow_up",))
    assert (merge.counts.created, merge.counts.merged) == (0, 3)
    assert merge.skips == []
    sem = _find(kluis, "sem@example.com")
    assert sem.id == held
    # filled in, never overwritten; the import's purpose added
    assert sem.fields == {
        "given_name": "Sem",
        "family_name": "Naam",
        "email": "sem@example.com",
        "phone": "+31612345670",
    }
    assert sem.purposes == ("customer_service", "sales_follow_up")
    noor = _find(kluis, "noor@example.com")
    assert noor.purposes == ("customer_service", "sales_follow_up")
    assert (
        contacts.search_people(kluis, ADMIN, "privacy_requests", NOW, text="0612345670").total == 1
    )


@pytest.mark.parametrize("duplicates", [Duplicates.SKIP, Duplicates.MERGE], ids=str)
def test_a_match_whose_other_address_differs_is_ambiguous(
    kluis: Kluis, tmp_path: Path, duplicates: Duplicates
) -> None:
    """A row found by its phone number whose e-mail address is not the person's (or the other way
    round) may be another person sharing a phone: it is neither skipped nor merged, but rejected
    as ambiguous, naming the line; a match on a field the person lacks is an ordinary duplicate."""
    collect.create_person(
        kluis,
        ADMIN,
        contacts.NewPerson(
            "customer", ["customer_service"], {"email": "ouder@example.com", "phone": "0612345600"}
        ),
        NOW,
    )
    collect.create_person(
        kluis,
        ADMIN,
        contacts.NewPerson("customer", ["customer_service"], {"email": "zonder@example.com"}),
        NOW,
    )
    path = write(
        tmp_path / "gezin.csv",
        "Voornaam,E-mail,Telefoon\n"
        "Kind,kind@example.com,06 1234 5600\n"  # the parent's phone, another address
        "Ouder,ouder@example.com,06 9999 0000\n"  # the parent's address, another phone
        "Zonder,zonder@example.com,06 1234 5601\n",  # a phone the person did not have
    )
    dry = _import(kluis, path, duplicates=duplicates, dry_run=True)
    report = _import(kluis, path, duplicates=duplicates)
    assert vars(dry.counts) == vars(report.counts)
    assert [(r.line, r.code) for r in report.rejects] == [(2, "ambiguous"), (3, "ambiguous")]
    assert "e-mail address" in report.rejects[0].reason
    assert report.counts.rejected == 2
    if duplicates is Duplicates.SKIP:
        assert [(s.line, s.code) for s in report.skips] == [(4, "duplicate")]
    else:
        assert report.counts.merged == 1
    assert contacts.search_people(kluis, ADMIN, "privacy_requests", NOW).total == 2


def _notice(kluis: Kluis) -> int:
    return catalogue.add_notice(
        kluis,
        ADMIN,
        "nl",
        "Ja, ik wil de nieuwsbrief per e-mail ontvangen.",
        NOW,
        covers=[("email", "newsletter")],
    ).id


def test_consent_only_with_a_declaration(kluis: Kluis, tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.csv",
        "Voornaam,E-mail,Nieuwsbrief\nAnouk,anouk@example.com,ja\nBram,bram@example.com,nee\n",
    )
    mk = ("email_marketing",)
    with pytest.raises(ImportRefused) as caught:
        _import(kluis, path, purposes=mk)
    assert caught.value.field == "consent"
    with pytest.raises(InvalidField):
        _import(
            kluis,
            path,
            purposes=mk,
            consent=ConsentDeclaration("newsletter", "email", "paper_form", 999_999),
        )
    notice = _notice(kluis)
    with pytest.raises(ConsentRefused):
        _import(
            kluis,
            path,
            purposes=mk,
            consent=ConsentDeclaration("newsletter", "email", "guessed", notice),
        )
    declared = ConsentDeclaration("newsletter", "email", "paper_form", notice)
    report = _import(kluis, path, purposes=mk, consent=declared)
    assert (report.counts.created, report.counts.consents) == (2, 1)
    anouk = _find(kluis, "anouk@example.com", "email_marketing")
    bram = _find(kluis, "bram@example.com", "email_marketing")
    ledger = consent.ledger(kluis, ADMIN, anouk.id, "privacy_requests", NOW)
    assert [(e.action, e.method, e.notice_id) for e in ledger.events] == [
        ("granted", "paper_form", notice)
    ]
    assert ledger.events[0].captured_by == f"import:{report.job_id}"
    assert decisions.decide(
        kluis, ADMIN, anouk.id, "email", "commercial", "newsletter", NOW
    ).allowed
    assert consent.ledger(kluis, ADMIN, bram.id, "privacy_requests", NOW).events == []


def test_suppressed_people_get_no_marketing(kluis: Kluis, tmp_path: Path) -> None:
    gone = collect.create_person(
        kluis,
        ADMIN,
        contacts.NewPerson("customer", ["customer_service"], {"email": "weg@example.com"}),
        NOW,
    )
    erasure.erase_person(kluis, ADMIN, gone, NOW)
    if not kluis.vault.suppressed([kluis.vault.blind_index("email", "weg@example.com")]):
        pytest.skip("erasure does not fill the suppression list here")
    path = write(
        tmp_path / "s.csv", "E-mail,Interesses\nweg@example.com,fietsen\nnieuw@example.com,koffie\n"
    )
    only = _import(kluis, path, purposes=("email_marketing",))
    assert (only.counts.created, only.counts.rejected, only.counts.suppressed) == (1, 1, 1)
    assert "suppression" in only.rejects[0].reason
    both = _import(kluis, path, purposes=("email_marketing", "sales_follow_up"))
    assert (both.counts.created, both.counts.suppressed) == (1, 1)
    back = _find(kluis, "weg@example.com")
    assert back.purposes == ("sales_follow_up",)


@pytest.mark.parametrize("workers", [0, 1], ids=["in-process", "worker"])
def test_thousand_rows_read_back_exactly(kluis: Kluis, tmp_path: Path, workers: int) -> None:
    rows = [["Voornaam", "Achternaam", "E-mail", "Telefoon", "Postadres", "Interesses", "Notities"]]
    expected = {}
    for n in range(1000):
        record = {
            "given_name": f"Ïsa{n}",
            "family_name": f"de Vries-{n}",
            "email": f"isa.{n}@example.com",
            "phone": f"+31 6 {30000000 + n}",
            "address": f"Dorpsstraat {n}\n1234 AB Ergens",
            "interests": ["fietsen", f"tag{n % 7}"],
            "notes": f"notitie «{n}» ✓",
        }
        expected[record["email"]] = {**record, "phone": f"+316{30000000 + n}"}
        rows.append(
            [
                *(str(v) for v in list(record.values())[:5]),
                ",".join(record["interests"]),
                record["notes"],
            ]
        )
    path = write_rows(tmp_path / "k.csv", rows, delimiter=";")
    report = _import(
        kluis,
        path,
        purposes=("customer_service", "sales_follow_up"),
        batch_size=300,
        workers=workers,
    )
    assert (report.counts.created, report.counts.rejected, report.position) == (1000, 0, 1000)
    people = everyone(kluis, tmp_path)
    got = {p["email"]: {k: p[k] for k in expected["isa.0@example.com"]} for p in people}
    assert got == expected


def test_a_second_run_changes_nothing(kluis: Kluis, tmp_path: Path) -> None:
    path = write(tmp_path / "r.csv", "E-mail\na@example.com\nb@example.com\n")
    first = _import(kluis, path)
    again = _import(kluis, path)
    assert again.already_done
    assert again.job_id == first.job_id
    assert again.counts == first.counts
    assert contacts.search_people(kluis, ADMIN, "privacy_requests", NOW).total == 2


def test_dry_run_writes_nothing(kluis: Kluis, tmp_path: Path) -> None:
    path = write(tmp_path / "dry.csv", "E-mail\na@example.com\nnot-an-address\na@example.com\n")
    report = _import(kluis, path, dry_run=True)
    assert (report.counts.created, report.counts.rejected, report.counts.skipped) == (1, 1, 1)
    assert report.job_id is None
    assert contacts.search_people(kluis, ADMIN, "privacy_requests", NOW).total == 0


@pytest.mark.parametrize("duplicates", [Duplicates.SKIP, Duplicates.MERGE], ids=str)
@pytest.mark.parametrize("workers", [0, 1], ids=["in-process", "worker"])
def test_dry_run_counts_what_the_import_then_does(
    kluis: Kluis, tmp_path: Path, workers: int, duplicates: Duplicates
) -> None:
    """Repeats within a batch, across batches, by e-mail and by phone, and bad rows: the dry
    run (which remembers addresses on disk, in the data directory) predicts the real counts."""
    rows = [["E-mail", "Telefoon", "Voornaam"]]
    rows += [[f"p{n}@example.com", f"+31 6 {30000000 + n}", f"P{n}"] for n in range(40)]
    rows += [["p3@example.com", "", "again"], ["", "+31 6 30000007", "by phone"]]
    rows += [["p41@example.com", "", "new"], ["not-an-address", "", "bad"]]
    rows += [["p41@example.com", "+31 6 30000009", "both"], ["p12@example.com", "", "late"]]
    # merged, p41 gets this phone; the row after then finds them by it
    rows += [["p41@example.com", "+31 6 30000099", "fills"], ["", "+31 6 30000099", "found"]]
    path = write_rows(tmp_path / "herhaald.csv", rows)

    dry = _import(kluis, path, dry_run=True, batch_size=7, workers=workers, duplicates=duplicates)
    real = _import(kluis, path, batch_size=7, workers=workers, duplicates=duplicates)

    assert vars(dry.counts) == vars(real.counts)
    counts = real.counts
    if duplicates is Duplicates.MERGE:
        assert (counts.created, counts.merged, counts.rejected) == (41, 5, 2)
    else:  # skipped, p41 does not get the phone, so the last row is a new person
        assert (counts.created, counts.skipped, counts.rejected) == (42, 4, 2)
    assert not [p for p in kluis.settings.data_dir.iterdir() if p.name.startswith("kluis-seen")]


def test_resume_after_a_failed_batch_gives_the_same_people(
    kluis: Kluis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [["E-mail", "Voornaam"]] + [[f"p{n}@example.com", f"P{n}"] for n in range(50)]
    rows += [["p3@example.com", "again"]]
    path = write_rows(tmp_path / "resume.csv", rows)
    real = writer.BatchWriter._insert
    calls = 0

    def failing(self: writer.BatchWriter, *args: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("power cut")
        real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(writer.BatchWriter, "_insert", failing)
    with pytest.raises(RuntimeError):
        _import(kluis, path, batch_size=10)
    monkeypatch.setattr(writer.BatchWriter, "_insert", real)
    report = _import(kluis, path, batch_size=10)
    assert report.resumed_from == 20
    assert (report.counts.created, report.counts.skipped) == (50, 1)
    assert contacts.search_people(kluis, ADMIN, "privacy_requests", NOW).total == 50


def test_vcard(kluis: Kluis, tmp_path: Path) -> None:
    path = write(
        tmp_path / "adresboek.vcf",
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Visser;Lotte;;;\r\nFN:Lotte Visser\r\n"
        "EMAIL;TYPE=INTERNET:lotte@example.com\r\nTEL;TYPE=CELL:+31 6 11112222\r\n"
        "BDAY:1990-04-01\r\nNOTE:Kent ons van de beurs\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Bad;Card;;;\r\nFN:Bad Card\r\nEMAIL:nope\r\nEND:VCARD\r\n",
    )
    report = _import(kluis, path, purposes=("customer_service",))
    assert report.format == "vcf"
    assert (report.counts.created, report.counts.rejected) == (1, 1)
    assert (report.rejects[0].line, report.rejects[0].column) == (10, "email")
    lotte = _find(kluis, "lotte@example.com")
    # the birthday is not read: customer_service does not use it
    assert lotte.fields == {
        "given_name": "Lotte",
        "family_name": "Visser",
        "email": "lotte@example.com",
        "phone": "+31611112222",
        "notes": "Kent ons van de beurs",
    }


def test_job_records_no_personal_data(kluis: Kluis, tmp_path: Path) -> None:
    from kluis.transfer.tables import ImportJob

    path = write(tmp_path / "j.csv", "E-mail\ngeheim@example.com\nfout-geheim\n")
    _import(kluis, path)
    with kluis.engine.connect() as conn:
        row = conn.execute(select(ImportJob.__table__)).one()
    assert "geheim" not in repr(tuple(row))
