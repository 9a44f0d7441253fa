"""Export in every format, the import and export commands, the demo, and the imports API."""

from __future__ import annotations

import csv
import json
import os
import stat
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import vobject
from sqlalchemy import select

from api_helpers import assert_problem, client_for
from cli_helpers import ok, ok_json, refused
from conftest import ADMIN, NOW
from factories import add_person
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.transfer import export, job, pipeline, repository
from kluis.transfer.job import ImportOptions
from kluis.transfer.tables import ImportJob
from transfer.helpers import write, write_rows

PEOPLE = (
    "Voornaam,Achternaam,E-mail,Telefoon,Geboortedatum\n"
    "Fleur,Smit,fleur@example.com,0612340001,1985-02-03\n"
    "Joris,Meijer,joris@example.com,0612340002,1979-12-31\n"
)


def _load(kluis: Kluis, tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", PEOPLE)
    options = ImportOptions(purposes=("customer_service", "age_verification"))
    pipeline.run_import(kluis, ADMIN, path, options, NOW)


def test_export_formats_hold_only_the_purposes_fields(kluis: Kluis, tmp_path: Path) -> None:
    _load(kluis, tmp_path)
    out = tmp_path / "out.csv"
    assert (
        export.export_people(kluis, ADMIN, out, "customer_service", export.ExportFormat.CSV, NOW)
        == 2
    )
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["email"] for r in rows} == {"fleur@example.com", "joris@example.com"}
    assert "birth_date" not in rows[0]  # customer_service may not use it
    assert out.stat().st_mode & 0o077 == 0

    ages = tmp_path / "ages.json"
    export.export_people(kluis, ADMIN, ages, "age_verification", export.ExportFormat.JSON, NOW)
    items = json.loads(ages.read_text(encoding="utf-8"))
    assert sorted(i["birth_date"] for i in items) == ["1979-12-31", "1985-02-03"]
    assert all("email" not in i and "given_name" not in i for i in items)

    cards = tmp_path / "out.vcf"
    export.export_people(
        kluis, ADMIN, cards, "customer_service", export.ExportFormat.VCF, NOW, page=1
    )
    parsed = list(vobject.readComponents(cards.read_text(encoding="utf-8")))
    assert sorted(c.email.value for c in parsed) == ["fleur@example.com", "joris@example.com"]
    assert {c.fn.value for c in parsed} == {"Fleur Smit", "Joris Meijer"}


def test_exported_csv_cells_cannot_start_a_formula(kluis: Kluis, tmp_path: Path) -> None:
    add_person(kluis, ADMIN, NOW, 1, given_name="=HYPERLINK(A2)", family_name="@SUM(A1)")
    out = tmp_path / "out.csv"
    export.export_people(kluis, ADMIN, out, "customer_service", export.ExportFormat.CSV, NOW)
    with out.open(encoding="utf-8") as handle:
        [row] = list(csv.DictReader(handle))
    assert (row["given_name"], row["family_name"]) == ("'=HYPERLINK(A2)", "'@SUM(A1)")
    assert row["phone"].startswith("+31")


def test_exported_csv_imports_again(kluis: Kluis, tmp_path: Path) -> None:
    _load(kluis, tmp_path)
    out = tmp_path / "out.csv"
    export.export_people(kluis, ADMIN, out, "customer_service", export.ExportFormat.CSV, NOW)
    report = pipeline.run_import(
        kluis,
        ADMIN,
        out,
        ImportOptions(purposes=("customer_service",), mapping=("id=ignore",)),
        NOW,
    )
    assert (report.counts.created, report.counts.skipped) == (0, 2)


def test_cli_import_and_export(kluis_env: Settings, tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", PEOPLE)
    report = ok_json(
        "contacts",
        "import",
        str(path),
        "--purpose",
        "customer_service",
        "--map",
        "Geboortedatum=ignore",
    )
    assert report["created"] == 2
    text = ok(
        "contacts",
        "import",
        str(path),
        "--purpose",
        "customer_service",
        "--map",
        "Geboortedatum=ignore",
    ).stdout
    assert "imported with these options before" in text
    detail = refused("contacts", "import", str(path), "--purpose", "customer_service", field="map")
    assert "Geboortedatum" in detail
    detail = refused(
        "contacts",
        "import",
        str(path),
        "--purpose",
        "customer_service",
        "--consent-topic",
        "newsletter",
        field="consent_channel",
    )
    assert "--consent-channel" in detail
    out = tmp_path / "out.json"
    exported = ok_json(
        "contacts", "export", str(out), "--purpose", "customer_service", "--format", "json"
    )
    assert exported["people"] == 2
    refused(
        "contacts",
        "export",
        str(out),
        "--purpose",
        "customer_service",
        "--format",
        "xls",
        field="format",
    )


def test_demo(kluis_env: Settings) -> None:
    summary = ok_json("demo", "--people", "40")
    assert summary["people"] == 40
    assert summary["consents"] > 0


def test_imports_api(kluis: Kluis) -> None:
    client = client_for(kluis, "admin")
    files = {"file": ("klanten.csv", PEOPLE.encode(), "text/csv")}
    data = {"purpose": ["customer_service", "age_verification"]}
    answer = client.post("/api/v1/imports", files=files, data=data)
    assert answer.status_code == 202, answer.text
    job = client.get(answer.headers["Location"]).json()
    assert (job["status"], job["created"]) == ("done", 2)
    again = client.post("/api/v1/imports", files=files, data=data)
    assert again.status_code == 200
    assert again.json()["id"] == job["id"]
    refusal = client.post(
        "/api/v1/imports",
        files={"file": ("c.csv", b"E-mail,Opt-in\na@example.com,ja\n", "text/csv")},
        data={"purpose": ["email_marketing"]},
    )
    assert_problem(refusal, 422, "urn:kluis:problem:import-refused", "consent")
    assert_problem(client.get("/api/v1/imports/999"), 404)
    marketing = client_for(kluis, "marketing")
    assert_problem(
        marketing.post("/api/v1/imports", files=files, data={"purpose": ["customer_service"]}),
        403,
    )


def test_an_import_killed_midway_shows_as_stalled_until_run_again(
    kluis: Kluis, tmp_path: Path
) -> None:
    rows = [["E-mail"], *([f"stil{n}@example.com"] for n in range(5))]
    path = write_rows(tmp_path / "stil.csv", rows)
    options = ImportOptions(purposes=("customer_service",))

    def killed(done: int, total: int) -> None:
        raise KeyboardInterrupt  # like a kill: nothing below gets to mark the job failed

    with pytest.raises(KeyboardInterrupt):
        pipeline.run_import(
            kluis, ADMIN, path, options, NOW, progress=killed, batch_size=2, workers=0
        )
    job_id = repository.list_jobs(kluis.engine)[0].id

    def shown(now: datetime) -> dict[str, object]:
        answer = client_for(kluis, "admin", now=now).get(f"/api/v1/imports/{job_id}")
        assert answer.status_code == 200, answer.text
        job: dict[str, object] = answer.json()
        return job

    quiet = shown(NOW + job.STALE_AFTER)
    assert (quiet["status"], quiet["position"], quiet["hint"]) == ("running", 2, None)
    stalled = shown(NOW + job.STALE_AFTER + timedelta(seconds=1))
    assert (stalled["status"], stalled["position"]) == ("stalled", 2)
    assert "run the same import again" in str(stalled["hint"])
    with kluis.engine.connect() as conn:  # only the display changed
        stored = conn.execute(select(ImportJob.status).where(ImportJob.id == job_id)).scalar()
    assert stored == "running"

    later = NOW + timedelta(hours=1)
    report = pipeline.run_import(kluis, ADMIN, path, options, later, batch_size=2)
    assert (report.job_id, report.resumed_from, report.counts.created) == (job_id, 2, 5)
    done = shown(later + timedelta(days=1))
    assert (done["status"], done["hint"]) == ("done", None)


def test_uploads_are_private_and_leftovers_are_removed(kluis: Kluis) -> None:
    """Uploads wait in the data directory, readable by the owner only, and are gone when the job
    ends; one left by a server stopped mid-import is removed by a later upload after a day."""
    from kluis.transfer.routes import LEFTOVER_SECONDS, UPLOADS

    root = kluis.settings.data_dir / UPLOADS
    root.mkdir(mode=0o700)
    old, recent = root / "import-old", root / "import-recent"
    for folder in (old, recent):
        folder.mkdir(mode=0o700)
        (folder / "upload.csv").write_text(PEOPLE, encoding="utf-8")
    # ages against the request's time (NOW), not the clock: a day and a minute, and an hour
    for folder, age in ((old, LEFTOVER_SECONDS + 60), (recent, 3600)):
        os.utime(folder, (NOW.timestamp() - age, NOW.timestamp() - age))
    client = client_for(kluis, "admin")
    files = {"file": ("klanten.csv", PEOPLE.encode(), "text/csv")}

    data = {"purpose": ["customer_service", "age_verification"]}
    answer = client.post("/api/v1/imports", files=files, data=data)

    assert answer.status_code == 202, answer.text
    assert client.get(answer.headers["Location"]).json()["created"] == 2
    assert sorted(p.name for p in root.iterdir()) == ["import-recent"]
    assert stat.S_IMODE(root.stat().st_mode) == 0o700


BROKEN = (
    "Voornaam,E-mail,Notities\n"
    "Fleur,fleur@example.com,kort\n"
    f"Lang,lang@example.com,{'x' * 140_000}\n"
    "Fleur,FLEUR@example.com,weer\n"
    '"Joris,joris@example.com,open\n'
)


def test_cli_summary_lists_rejected_and_skipped_lines(kluis_env: Settings, tmp_path: Path) -> None:
    """A cell past the CSV reader's limit gave a traceback; now it is one rejected record, and
    the summary names every line that was not imported and why."""
    path = write(tmp_path / "kapot.csv", BROKEN)
    text = ok("contacts", "import", str(path), "--purpose", "customer_service").stdout
    assert "4 records; 1 created, 0 merged, 1 duplicates skipped, 2 rejected" in text
    assert "line 3 csv_cell_too_long" in text
    assert "line 5 csv_unterminated_quote" in text
    assert "line 4 [E-mail] duplicate" in text
    assert "example.com" not in text


def test_imports_api_reports_records_and_skipped_lines(kluis: Kluis) -> None:
    client = client_for(kluis, "admin")
    files = {"file": ("kapot.csv", BROKEN.encode(), "text/csv")}
    answer = client.post("/api/v1/imports", files=files, data={"purpose": ["customer_service"]})
    assert answer.status_code == 202, answer.text
    job = client.get(answer.headers["Location"]).json()
    assert (job["status"], job["error"]) == ("done", None)
    assert (job["records"], job["created"], job["skipped"], job["rejected"]) == (4, 1, 1, 2)
    assert [(r["line"], r["code"]) for r in job["rejects"]] == [
        (3, "csv_cell_too_long"),
        (5, "csv_unterminated_quote"),
    ]
    assert [(s["line"], s["code"], s["column"]) for s in job["skips"]] == [
        (4, "duplicate", "E-mail")
    ]
