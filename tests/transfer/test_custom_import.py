"""Importing custom values (``--map COLUMN=custom.KEY``) on SQLite and PostgreSQL: validated per
type into the rejects, refused before anything is written for a field the purposes do not cover
(Art. 5(1)(c)), sealed with the person's key in the batch that creates them, searchable through
the blind index, counted by the dry run, filled in (never overwritten) by a merge, and erased
with the person (Art. 17)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from api_helpers import assert_problem, client_for
from conftest import ADMIN, NOW, SALES
from kluis.audit import service as audit
from kluis.contacts import custom_fields as custom
from kluis.contacts import erasure
from kluis.contacts import people as contacts
from kluis.contacts.custom_rules import Choice, CustomField, CustomKind
from kluis.contacts.custom_tables import CustomValue
from kluis.contacts.tables import people
from kluis.errors import InvalidField
from kluis.runtime import Kluis
from kluis.transfer import export, pipeline
from kluis.transfer.job import ImportOptions, ImportReport
from kluis.transfer.rules.columns import ImportRefused
from kluis.transfer.rules.matching import Duplicates
from staff_helpers import signed_in
from transfer.helpers import write_rows

PURPOSES = ("customer_service", "sales_follow_up")
SHOE = CustomField(
    "shoe_size", "Shoe size", "Schoenmaat", CustomKind.NUMBER, "user.demographic.profile", True
)
DIET = CustomField(
    "diet",
    "Diet",
    "Dieet",
    CustomKind.MULTI_CHOICE,
    "user.contact.address",
    choices=(Choice("vegan", "Vegan", "Veganistisch"), Choice("halal", "Halal", "Halal")),
)
SINCE = CustomField(
    "member_since", "Member since", "Lid sinds", CustomKind.DATE, "user.content.private"
)


def _declare(kluis: Kluis) -> None:
    for f in (SHOE, DIET, SINCE):
        custom.declare(kluis, ADMIN, f, NOW)


def _import(kluis: Kluis, path: Path, **options: object) -> ImportReport:
    extra = {
        k: options.pop(k)
        for k in ("rejects_path", "batch_size", "dry_run", "workers")
        if k in options
    }
    opts = ImportOptions(**{"purposes": PURPOSES, **options})  # type: ignore[arg-type]
    return pipeline.run_import(kluis, ADMIN, path, opts, NOW, **extra)  # type: ignore[arg-type]


def _id(kluis: Kluis, email: str) -> str:
    page = contacts.search_people(kluis, ADMIN, "privacy_requests", NOW, text=email)
    assert page.total == 1, email
    return page.items[0].id


def _values(kluis: Kluis) -> int:
    with kluis.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(CustomValue)) or 0)


def _file(tmp_path: Path) -> Path:
    return write_rows(
        tmp_path / "people.csv",
        [
            ["E-mail", "Maat", "custom.diet", "Lid sinds"],
            ["anna@example.com", "42.50", "vegan,halal", "31-12-2020"],
            ["bram@example.com", "groot", "", ""],
            ["carla@example.com", "", "kosher", ""],
            ["daan@example.com", "", "", "2021-02-30"],
            ["eva@example.com", "", "", ""],
        ],
    )


MAP = ("Maat=custom.shoe_size", "Lid sinds=custom.member_since")


@pytest.mark.parametrize("workers", [0, 1])
def test_custom_columns_are_validated_sealed_and_read_under_a_covering_purpose(
    kluis: Kluis, tmp_path: Path, workers: int
) -> None:
    _declare(kluis)
    report = _import(kluis, _file(tmp_path), mapping=MAP, workers=workers, batch_size=2)
    assert (report.counts.created, report.counts.rejected) == (2, 3)
    assert report.counts.custom == 3
    reasons = {r.line: (r.column, r.code, r.reason) for r in report.rejects}
    assert reasons[3] == ("Maat", "invalid_value", "is not a number such as 12.5")
    assert reasons[4][0:2] == ("custom.diet", "invalid_value")
    assert "halal, vegan" in reasons[4][2]
    assert "kosher" not in reasons[4][2]
    assert reasons[5] == ("Lid sinds", "invalid_value", "is not a date YYYY-MM-DD")
    anna = _id(kluis, "anna@example.com")
    assert custom.read_values(kluis, SALES, anna, "sales_follow_up", NOW) == {
        "shoe_size": "42.5",
        "member_since": "2020-12-31",
    }
    assert custom.read_values(kluis, ADMIN, anna, "customer_service", NOW) == {
        "diet": ["halal", "vegan"],
        "member_since": "2020-12-31",
    }
    assert custom.search(kluis, SALES, "sales_follow_up", "shoe_size", "42.5", NOW) == [anna]


def test_a_field_the_purposes_do_not_cover_refuses_the_file_before_any_row(
    kluis: Kluis, tmp_path: Path
) -> None:
    _declare(kluis)
    with pytest.raises(ImportRefused) as refused:
        _import(kluis, _file(tmp_path), mapping=MAP, purposes=("invoicing",))
    assert "'Maat'" in refused.value.detail
    assert "custom.shoe_size" in refused.value.detail
    assert "invoicing" in refused.value.detail
    assert "Art. 5(1)(c)" in refused.value.detail
    with kluis.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(people)) == 0
    with pytest.raises(InvalidField, match="no custom field 'hat'"):
        _import(kluis, _file(tmp_path), mapping=("Maat=custom.hat",))


def test_the_dry_run_counts_custom_values_and_writes_none(kluis: Kluis, tmp_path: Path) -> None:
    _declare(kluis)
    dry = _import(kluis, _file(tmp_path), mapping=MAP, dry_run=True)
    assert (dry.counts.created, dry.counts.rejected, dry.counts.custom) == (2, 3, 3)
    assert _values(kluis) == 0
    real = _import(kluis, _file(tmp_path), mapping=MAP)
    assert real.counts.custom == dry.counts.custom == _values(kluis)


def test_a_merge_fills_in_custom_values_the_person_lacks_and_keeps_held_ones(
    kluis: Kluis, tmp_path: Path
) -> None:
    _declare(kluis)
    first = write_rows(tmp_path / "a.csv", [["E-mail", "Maat"], ["anna@example.com", "41"]])
    _import(kluis, first, mapping=("Maat=custom.shoe_size",))
    second = write_rows(
        tmp_path / "b.csv",
        [["E-mail", "Maat", "custom.diet"], ["anna@example.com", "44", "vegan"]],
    )
    dry = _import(
        kluis, second, mapping=("Maat=custom.shoe_size",), duplicates=Duplicates.MERGE, dry_run=True
    )
    merged = _import(kluis, second, mapping=("Maat=custom.shoe_size",), duplicates=Duplicates.MERGE)
    assert (merged.counts.merged, merged.counts.custom, dry.counts.custom) == (1, 1, 1)
    anna = _id(kluis, "anna@example.com")
    assert custom.read_values(kluis, ADMIN, anna, "customer_service", NOW) == {"diet": ["vegan"]}
    assert custom.read_values(kluis, SALES, anna, "sales_follow_up", NOW) == {"shoe_size": "41"}


def test_imported_values_go_with_the_person(kluis: Kluis, tmp_path: Path) -> None:
    _declare(kluis)
    _import(kluis, _file(tmp_path), mapping=MAP)
    assert _values(kluis) == 3
    erasure.erase_person(kluis, ADMIN, _id(kluis, "anna@example.com"), NOW)
    assert _values(kluis) == 0


def test_an_export_imports_again_with_its_custom_values(
    kluis: Kluis, target: Kluis, tmp_path: Path
) -> None:
    _declare(kluis)
    _import(kluis, _file(tmp_path), mapping=MAP)
    out = tmp_path / "export.csv"
    export.export_people(kluis, ADMIN, out, "customer_service", export.ExportFormat.CSV, NOW)
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert [h for h in header if h.startswith("custom.")] == ["custom.diet", "custom.member_since"]
    for f in (SHOE, DIET, SINCE):
        custom.declare(target, ADMIN, f, NOW)
    again = pipeline.run_import(
        target,
        ADMIN,
        out,
        ImportOptions(purposes=("customer_service",), mapping=("id=ignore",)),
        NOW,
    )
    assert (again.counts.created, again.counts.custom) == (2, 2)
    page = contacts.search_people(target, ADMIN, "privacy_requests", NOW, text="anna@example.com")
    assert custom.read_values(target, ADMIN, page.items[0].id, "customer_service", NOW) == {
        "diet": ["halal", "vegan"],
        "member_since": "2020-12-31",
    }


def test_the_api_upload_and_the_admin_page_map_custom_columns(kluis: Kluis, tmp_path: Path) -> None:
    _declare(kluis)
    client = client_for(kluis, "admin", "api-admin@example.com")
    files = {"file": ("k.csv", b"E-mail,Maat\nanna@example.com,41\n", "text/csv")}
    data = {"purpose": list(PURPOSES), "map": ["Maat=custom.shoe_size"]}
    answer = client.post("/api/v1/imports", files=files, data=data)
    assert answer.status_code == 202, answer.text
    job = client.get(answer.headers["Location"]).json()
    assert (job["status"], job["created"], job["custom"]) == ("done", 1, 1)
    unknown = client.post("/api/v1/imports", files=files, data={**data, "map": ["Maat=custom.hat"]})
    assert_problem(unknown, 422, field="map")
    staff, csrf = signed_in(kluis, "admin")
    upload = staff.post(
        "/app/admin/imports",
        data={"csrf": csrf, "purposes": list(PURPOSES)},
        files={"file": ("k.csv", b"E-mail,Maat\nbram@example.com,40\n", "text/csv")},
    )
    assert upload.status_code == 303, upload.text
    review = staff.get(upload.headers["location"]).text
    assert '<option value="custom.shoe_size"' in review


def test_the_selection_export_has_the_covered_custom_columns(kluis: Kluis, tmp_path: Path) -> None:
    _declare(kluis)
    _import(kluis, _file(tmp_path), mapping=MAP)
    anna = _id(kluis, "anna@example.com")
    text, count = export.export_selection(kluis, SALES, [anna], "sales_follow_up", NOW)
    header, row = text.splitlines()[:2]
    assert count == 1
    assert [h for h in header.split(",") if h.startswith("custom.")] == [
        "custom.shoe_size",
        "custom.member_since",
    ]
    assert row.endswith(",42.5,2020-12-31")
    reads = audit.list_entries(kluis.engine, person_id=anna, action="person.read")
    assert "custom.shoe_size" in reads[-1].details["fields"]
