"""The request page's part: upload one old file, see where the person is (never what), and
every search of the request listed; the upload is size-limited and not kept."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from conftest import ADMIN, NOW, PRIVACY
from discover_files import DECOYS, PLANTED, csv_bytes, xlsx_bytes, zip_bytes
from factories import add_person
from kluis.requests import service as requests
from kluis.runtime import Kluis
from staff_helpers import signed_in


def _request(kluis: Kluis, type: str = "access") -> int:
    person = add_person(
        kluis,
        ADMIN,
        NOW,
        1,
        given_name="Marieke",
        family_name="van Dam",
        email="marieke.vandam@example.com",
        phone="+31623456789",
    )
    return requests.create(kluis, PRIVACY, type, NOW, person_id=person).id


def test_an_uploaded_file_is_searched_and_the_page_lists_the_places(
    kluis: Kluis, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rid = _request(kluis)
    client, csrf = signed_in(kluis, "privacy_officer")
    page = client.get(f"/app/requests/{rid}").text
    assert 'id="old-files"' in page
    assert 'id="old-files-searched"' not in page
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    archive = zip_bytes({"a.csv": csv_bytes(DECOYS), "b.xlsx": xlsx_bytes({"s": [PLANTED]})})
    response = client.post(
        f"/app/requests/{rid}/old-files/search",
        data={"csrf": csrf},
        files={"file": ("../../klanten 2019.zip", archive, "application/zip")},
    )
    assert response.status_code == 303, response.text
    page = client.get(f"/app/requests/{rid}").text
    assert "klanten 2019.zip!a.csv" in page
    assert "klanten 2019.zip!b.xlsx" in page
    assert "blad s, cel B2" in page
    assert "gevonden: 3 plaatsen" in page
    assert "../" not in page.split('id="old-files"')[1]
    for value in ("marieke", "vandam", "van dam", "23456789"):
        assert value not in page.lower()
    big = csv_bytes(DECOYS * 8000 + [PLANTED])
    assert len(big) > 2 * 1024 * 1024
    response = client.post(
        f"/app/requests/{rid}/old-files/search",
        data={"csrf": csrf},
        files={"file": ("big.csv", big, "text/csv")},
    )
    assert response.status_code == 303, response.text
    assert "regel 32002" in client.get(f"/app/requests/{rid}").text
    assert list(spool.iterdir()) == []


def test_no_file_a_file_too_large_and_a_request_of_another_type(kluis: Kluis) -> None:
    rid = _request(kluis)
    kluis.settings.discover_upload_max_bytes = 100
    client, csrf = signed_in(kluis, "privacy_officer")
    url = f"/app/requests/{rid}/old-files/search"
    large = client.post(url, data={"csrf": csrf}, files={"file": ("x.csv", b"x" * 200)})
    assert large.status_code == 422
    assert "het bestand is groter dan het maximum" in large.text
    empty = client.post(url, data={"csrf": csrf}, files={"file": ("", b"")})
    assert empty.status_code == 422
    forged = client.post(url, data={"csrf": "forged"}, files={"file": ("x.csv", b"x")})
    assert forged.status_code == 403
    objection = requests.create(
        kluis, PRIVACY, "objection", NOW, person_id=requests.get(kluis, PRIVACY, rid, NOW).person_id
    )
    assert 'id="old-files"' not in client.get(f"/app/requests/{objection.id}").text
    refused = client.post(
        f"/app/requests/{objection.id}/old-files/search",
        data={"csrf": csrf},
        files={"file": ("x.csv", b"x")},
    )
    assert refused.status_code == 422
