"""The import's worker process (``workers=1``): what goes wrong there reaches the importing
process as the same error, the job is marked failed, and running the import again finishes it
with the same people as an import that never failed."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import ADMIN, NOW
from kluis.contacts.tables import PersonIndex
from kluis.contacts.writer import index_entries
from kluis.errors import InvalidField
from kluis.runtime import Kluis
from kluis.transfer import pipeline, repository, worker
from kluis.transfer.job import ImportOptions
from transfer.helpers import write_rows

OPTIONS = ImportOptions(purposes=("customer_service",))


def _file(tmp: Path) -> Path:
    rows = [["E-mail", "Voornaam"]] + [[f"w{n}@example.com", f"Wout{n}"] for n in range(30)]
    return write_rows(tmp / "werk.csv", rows)


def _failing_on_batch(
    monkeypatch: pytest.MonkeyPatch, batch: int, failure: BaseException | None
) -> None:
    """Make the worker fail on its ``batch``-th batch: raise ``failure``, or die when None."""
    real = worker.Preparer.prepare
    calls = 0

    def prepare(self: worker.Preparer, chunk: Sequence[tuple[int, list[str]]]) -> object:
        nonlocal calls
        calls += 1
        if calls == batch:
            if failure is None:
                os._exit(3)  # the worker dies without a word
            raise failure
        return real(self, chunk)

    monkeypatch.setattr(worker.Preparer, "prepare", prepare)


def _emails(kluis: Kluis) -> list[str]:
    from kluis.contacts import people as contacts

    page = contacts.search_people(kluis, ADMIN, "privacy_requests", NOW, limit=100)
    return sorted(p.fields["email"] for p in page.items)


def test_an_error_in_the_worker_reaches_the_importer_and_the_rerun_finishes(
    kluis: Kluis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(tmp_path)
    _failing_on_batch(monkeypatch, 3, InvalidField("the disk said no", field="file"))

    with pytest.raises(InvalidField, match="the disk said no"):
        pipeline.run_import(kluis, ADMIN, path, OPTIONS, NOW, batch_size=5, workers=1)

    (job,) = repository.list_jobs(kluis.engine)
    assert (job.status, job.error) == ("failed", "the disk said no")
    assert 0 < job.position < 30
    monkeypatch.undo()
    report = pipeline.run_import(kluis, ADMIN, path, OPTIONS, NOW, batch_size=5, workers=1)
    assert (report.status, report.counts.created, report.resumed_from) == ("done", 30, 10)
    assert _emails(kluis) == sorted(f"w{n}@example.com" for n in range(30))


def test_a_worker_that_dies_stops_the_import(
    kluis: Kluis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _file(tmp_path)
    _failing_on_batch(monkeypatch, 2, None)

    with pytest.raises(RuntimeError, match="worker process stopped unexpectedly"):
        pipeline.run_import(kluis, ADMIN, path, OPTIONS, NOW, batch_size=5, workers=1)

    (job,) = repository.list_jobs(kluis.engine)
    # the first batch is written only if it left the worker before it died
    assert job.status == "failed"
    assert job.position in (0, 5)
    monkeypatch.undo()
    report = pipeline.run_import(kluis, ADMIN, path, OPTIONS, NOW, batch_size=5, workers=1)
    assert (report.counts.created, report.resumed_from) == (30, job.position)


def test_an_error_that_cannot_travel_arrives_by_its_name_alone(
    kluis: Kluis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Local(Exception):  # defined in a function: pickle cannot send it
        pass

    path = _file(tmp_path)
    _failing_on_batch(monkeypatch, 1, Local("no such thing"))

    with pytest.raises(RuntimeError, match=r"worker process failed: Local$") as raised:
        pipeline.run_import(kluis, ADMIN, path, OPTIONS, NOW, batch_size=5, workers=1)
    assert "no such thing" not in str(raised.value)  # its text may quote a cell: not passed on


@pytest.mark.parametrize("workers", [0, 1])
def test_remembered_name_digests_are_the_vaults_own(
    kluis: Kluis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """The worker remembers name tokens' digests (at most ``NAME_MEMO``, here 3, so it also
    forgets and makes them again): the blind index it writes is exactly the vault's."""
    monkeypatch.setattr(worker, "NAME_MEMO", 3)
    given = ["Anouk", "Bram", "Daan", "Eva", "Fleur"]
    family = ["de Vries", "Jansen", "van den Berg", "Bakker"]
    rows = [["E-mail", "Voornaam", "Achternaam"]]
    stored: list[dict[str, str]] = []
    for n in range(23):
        rows.append([f"naam{n}@example.com", given[n % 5], family[n % 4]])
        stored.append(
            {
                "email": f"naam{n}@example.com",
                "given_name": given[n % 5],
                "family_name": family[n % 4],
            }
        )
    path = write_rows(tmp_path / "namen.csv", rows)
    report = pipeline.run_import(kluis, ADMIN, path, OPTIONS, NOW, batch_size=4, workers=workers)
    assert report.counts.created == 23
    expected = {e for values in stored for e in index_entries(values, kluis.vault.blind_index)}
    with kluis.engine.connect() as conn:
        written = {
            (name, bytes(digest))
            for name, digest in conn.execute(select(PersonIndex.field, PersonIndex.digest))
        }
    assert written == expected
