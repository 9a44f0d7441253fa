"""An uploaded import as a job stops between two batches when its worker stops: the import
job is not ``failed``, the upload stays, and the next run carries on after the last committed
batch, then removes the upload."""

from __future__ import annotations

import functools
import threading
from pathlib import Path

import pytest

from conftest import ADMIN, NOW
from kluis.jobs import JobContext, Registry, runner
from kluis.runtime import Kluis
from kluis.slices import jobs
from kluis.transfer import jobs as import_jobs
from kluis.transfer import pipeline, repository
from kluis.transfer.job import ImportOptions

ROWS = 7


def upload(kluis: Kluis) -> Path:
    folder = kluis.settings.data_dir / "uploads" / "import-test"
    folder.mkdir(parents=True)
    path = folder / "upload.csv"
    lines = ["Voornaam,Achternaam,E-mail"] + [
        f"Anne{n},Visser,anne{n}.visser@example.com" for n in range(ROWS)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_stopped_import_resumes_after_its_last_batch(
    kluis: Kluis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        pipeline, "run_import", functools.partial(pipeline.run_import, batch_size=2)
    )
    path = upload(kluis)
    options = ImportOptions(purposes=("customer_service",))
    queued = pipeline.queue_import(kluis, ADMIN, path, options, NOW)
    job = Registry(jobs())[import_jobs.RUN]
    args = import_jobs.arguments(ADMIN, path, kluis.settings.data_dir, options)
    stop = threading.Event()
    stop.set()  # the worker stops while the first batch is written
    stopped = runner.run(job, args, JobContext(kluis, lambda: NOW, stop=stop))
    assert stopped.outcome is runner.Outcome.STOPPED
    halfway = repository.get_job(kluis.engine, queued.id)
    assert (halfway.status, halfway.position, halfway.created) == ("running", 2, 2)
    assert path.exists()
    done = runner.run(job, args, JobContext(kluis, lambda: NOW, attempt=2))
    assert done.outcome is runner.Outcome.DONE
    finished = repository.get_job(kluis.engine, queued.id)
    assert (finished.status, finished.created) == ("done", ROWS)
    assert not path.parent.exists()
