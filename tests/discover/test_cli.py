"""``kluis discover`` end to end through Typer's CliRunner, on SQLite and PostgreSQL. The CLI
reads the clock itself, so the person and request are made at today's moment."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from cli_helpers import ok, ok_json, refused
from conftest import ADMIN, PRIVACY
from discover_files import DECOYS, PLANTED, csv_bytes, pdf_bytes, xlsx_bytes, zip_bytes
from factories import add_person
from kluis.db import utcnow
from kluis.requests import service as requests
from kluis.requests.tables import PrivacyRequest
from kluis.runtime import Kluis
from kluis.settings import Settings


def _request(kluis: Kluis, type: str = "access", person: str | None = None) -> int:
    person = person or add_person(
        kluis,
        ADMIN,
        utcnow(),
        1,
        given_name="Marieke",
        family_name="van Dam",
        email="marieke.vandam@example.com",
        phone="+31623456789",
    )
    made = requests.create(kluis, PRIVACY, type, utcnow(), person_id=person)
    return made.id


def test_the_command_prints_files_and_places_never_values(
    kluis: Kluis, kluis_env: Settings, tmp_path: Path
) -> None:
    rid = _request(kluis)
    tmp_path = tmp_path / "old"
    tmp_path.mkdir()
    (tmp_path / "export.csv").write_bytes(csv_bytes([*DECOYS, PLANTED]))
    (tmp_path / "backup.zip").write_bytes(
        zip_bytes(
            {"k.xlsx": xlsx_bytes({"x": DECOYS, "y": [PLANTED]}), "f.pdf": pdf_bytes([["-"]])}
        )
    )
    out = ok("discover", str(tmp_path), "--request", str(rid)).stdout
    assert "export.csv: FOUND email at line 6; phone at line 6; name at line 6" in out
    assert "backup.zip!k.xlsx: FOUND" in out
    assert "backup.zip!f.pdf: not found" in out
    assert "3 files searched, the person found in 2" in out
    for value in ("marieke", "vandam", "van dam", "23456789"):
        assert value not in out.lower().replace(str(tmp_path).lower(), "")

    report = ok_json("discover", str(tmp_path / "export.csv"), "--request", str(rid), "--redact")
    [item] = report["files"]
    assert item["hit_count"] == 3
    copy = Path(item["copy"])
    assert copy == tmp_path / "export.redacted.csv"
    assert b";marieke.vandam@example.com;" not in copy.read_bytes()
    assert copy.read_bytes().count(b"\r\n") == len(DECOYS) + 1


def test_refusals(kluis: Kluis, kluis_env: Settings, tmp_path: Path) -> None:
    rid = _request(kluis, "objection")
    assert "objection request" in refused(
        "discover", str(tmp_path), "--request", str(rid), field="request"
    )
    with kluis.engine.connect() as conn:
        person = conn.execute(select(PrivacyRequest.person_id)).scalar_one()
    access = _request(kluis, person=person)
    refused("discover", "--request", str(access), field="paths")
    refused("discover", str(tmp_path / "gone"), "--request", str(access), field="paths")
    assert ok_json("discover", "--request", str(access), "--forget") == {
        "request": access,
        "forgotten": False,
    }
