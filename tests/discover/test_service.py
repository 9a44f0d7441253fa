"""Searching old files for a request's person through the services, on SQLite and PostgreSQL:
before the erasure from the record, after it from the sealed capture, which ends on time."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from api_helpers import client_for
from conftest import ADMIN, MARKETING, NOW, PRIVACY
from discover_files import DECOYS, PLANTED, csv_bytes, mbox_bytes, xlsx_bytes
from factories import add_person
from kluis.audit.tables import AuditRow
from kluis.discover import capture, open_hooks, service
from kluis.discover.tables import DiscoverCapture, DiscoverScan
from kluis.errors import InvalidField, PermissionDenied
from kluis.requests import old_files
from kluis.requests import service as requests
from kluis.requests.tables import PrivacyRequest
from kluis.runtime import Kluis

VALUES = ("marieke", "vandam", "van dam", "23456789")


def _person(kluis: Kluis) -> str:
    return add_person(
        kluis,
        ADMIN,
        NOW,
        1,
        given_name="Marieke",
        family_name="van Dam",
        email="marieke.vandam@example.com",
        phone="+31 6 23456789",
    )


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "old"
    (folder / "2019").mkdir(parents=True)
    (folder / "2019" / "klanten.csv").write_bytes(csv_bytes([*DECOYS, PLANTED]))
    (folder / "2019" / "decoys.csv").write_bytes(csv_bytes(DECOYS))
    (folder / "mail.mbox").write_bytes(mbox_bytes([DECOYS[0], PLANTED]))
    (folder / "k.xlsx").write_bytes(xlsx_bytes({"a": DECOYS, "b": [PLANTED]}))
    return folder


def _no_values(kluis: Kluis) -> None:
    """Neither the stored reports nor the audit log hold a value looked for."""
    with kluis.engine.connect() as conn:
        stored = json.dumps([list(r.files) for r in conn.execute(select(DiscoverScan))])
        details = json.dumps([r.details for r in conn.execute(select(AuditRow))])
    for value in VALUES:
        assert value not in stored.lower()
        assert value not in details.lower()


def test_an_access_request_finds_the_person_in_each_file_and_nobody_in_the_decoys(
    kluis: Kluis, tmp_path: Path
) -> None:
    person = _person(kluis)
    made = requests.create(kluis, PRIVACY, "access", NOW, person_id=person, verified_by="in_person")
    folder = _folder(tmp_path)
    report = service.scan_paths(kluis, PRIVACY, old_files.target(kluis, made.id), [folder], NOW)
    found = {Path(f.name).name: sorted({h["kind"] for h in f.hits}) for f in report.files}
    assert found == {
        "decoys.csv": [],
        "klanten.csv": ["email", "name", "phone"],
        "k.xlsx": ["email", "name", "phone"],
        "mail.mbox": ["email", "name", "phone"],
    }
    assert [r.id for r in service.reports(kluis, PRIVACY, made.id)] == [report.id]
    with kluis.engine.connect() as conn:
        event = conn.execute(select(AuditRow).where(AuditRow.action == "discover.scanned")).one()
    assert event.person_id == person
    assert event.details["files"] == 4
    assert event.details["files_found"] == 3
    assert event.details["identifiers"] == "person"
    assert event.details["paths"] == [str(folder)]
    _no_values(kluis)


def test_after_the_erasure_the_capture_still_finds_them_and_the_certificate_lists_the_files(
    kluis: Kluis, tmp_path: Path
) -> None:
    person = _person(kluis)
    made = requests.create(
        kluis, PRIVACY, "erasure", NOW, person_id=person, verified_by="in_person"
    )
    folder = _folder(tmp_path)
    target = old_files.target(kluis, made.id)
    service.scan_paths(kluis, PRIVACY, target, [folder / "2019"], NOW)
    done = requests.process(kluis, PRIVACY, made.id, NOW, mail=False)
    assert kluis.vault.erased([person]) == {person}
    certificate = json.loads(done.files[f"erasure-certificate-{made.id}.json"])
    assert [Path(n).name for n in certificate["old_files"]["files_searched"]] == [
        "decoys.csv",
        "klanten.csv",
    ]
    assert [Path(n).name for n in certificate["old_files"]["files_found"]] == ["klanten.csv"]

    later = NOW + timedelta(days=3)
    after = service.scan_paths(
        kluis, PRIVACY, target, [folder / "mail.mbox"], later, redacting=True
    )
    assert [sorted({h["kind"] for h in f.hits}) for f in after.files] == [
        ["email", "name", "phone"]
    ]
    copy = after.files[0].copy
    assert copy is not None
    assert b"marieke.vandam@example.com" not in Path(copy).read_bytes()
    assert b"marieke.vandam@example.com" in (folder / "mail.mbox").read_bytes()
    _no_values(kluis)

    expired = NOW + timedelta(days=kluis.settings.discover_capture_days, seconds=1)
    with pytest.raises(InvalidField, match="nothing left to search"):
        service.scan_paths(kluis, PRIVACY, target, [folder], expired)
    with kluis.engine.connect() as conn:
        key_id = conn.execute(select(DiscoverCapture.key_id)).scalar_one()
    open_hooks.on_open(kluis, expired)
    assert kluis.vault.erased([key_id]) == {key_id}
    assert kluis.vault.ciphers([key_id]) == {}
    with kluis.engine.connect() as conn:
        assert conn.execute(select(DiscoverCapture)).all() == []
        actions = [r.action for r in conn.execute(select(AuditRow).order_by(AuditRow.seq))]
    assert actions.count("discover.captured") == 1
    assert actions[-1] == "discover.capture_destroyed"


def test_forgetting_the_capture_ends_searches_at_once(kluis: Kluis, tmp_path: Path) -> None:
    made = requests.create(
        kluis, PRIVACY, "erasure", NOW, person_id=_person(kluis), verified_by="in_person"
    )
    requests.process(kluis, PRIVACY, made.id, NOW, mail=False)
    assert capture.forget(kluis, PRIVACY, made.id, NOW, "forgotten")
    assert not capture.forget(kluis, PRIVACY, made.id, NOW, "forgotten")
    with pytest.raises(InvalidField):
        service.scan_paths(
            kluis, PRIVACY, old_files.target(kluis, made.id), [_folder(tmp_path)], NOW
        )


def test_only_handlers_search_and_only_for_access_and_erasure(kluis: Kluis, tmp_path: Path) -> None:
    person = _person(kluis)
    access = requests.create(kluis, PRIVACY, "access", NOW, person_id=person)
    with pytest.raises(PermissionDenied):
        service.scan_paths(kluis, MARKETING, old_files.target(kluis, access.id), [tmp_path], NOW)
    objection = requests.create(kluis, PRIVACY, "objection", NOW, person_id=person)
    with pytest.raises(InvalidField, match="objection request"):
        service.scan_paths(kluis, PRIVACY, old_files.target(kluis, objection.id), [tmp_path], NOW)
    with pytest.raises(InvalidField, match="no such file"):
        service.scan_paths(
            kluis, PRIVACY, old_files.target(kluis, access.id), [tmp_path / "nope"], NOW
        )


def test_the_reports_and_the_capture_go_with_their_request(kluis: Kluis, tmp_path: Path) -> None:
    made = requests.create(
        kluis, PRIVACY, "erasure", NOW, person_id=_person(kluis), verified_by="in_person"
    )
    service.scan_paths(kluis, PRIVACY, old_files.target(kluis, made.id), [_folder(tmp_path)], NOW)
    requests.process(kluis, PRIVACY, made.id, NOW, mail=False)
    with kluis.engine.begin() as conn:
        conn.execute(delete(PrivacyRequest).where(PrivacyRequest.id == made.id))
    with kluis.engine.connect() as conn:
        assert conn.execute(select(DiscoverScan)).all() == []
        assert conn.execute(select(DiscoverCapture)).all() == []


def test_the_api_lists_the_searches_without_values(kluis: Kluis, tmp_path: Path) -> None:
    made = requests.create(kluis, PRIVACY, "access", NOW, person_id=_person(kluis))
    service.scan_paths(kluis, PRIVACY, old_files.target(kluis, made.id), [_folder(tmp_path)], NOW)
    client = client_for(kluis, "privacy_officer")
    answer = client.get(f"/api/v1/requests/{made.id}/old-files")
    assert answer.status_code == 200
    [search] = answer.json()
    assert search["source"] == "command"
    assert {Path(f["name"]).name: f["hit_count"] for f in search["files"]} == {
        "decoys.csv": 0,
        "klanten.csv": 3,
        "k.xlsx": 3,
        "mail.mbox": 3,
    }
    for value in VALUES:
        assert value not in answer.text.lower()
    assert client.get("/api/v1/requests/999/old-files").status_code == 404
    assert (
        client_for(kluis, "marketing").get(f"/api/v1/requests/{made.id}/old-files").status_code
        == 403
    )
