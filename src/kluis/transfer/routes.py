"""JSON API of bulk imports: upload a file, get a job at once, follow its status.

The upload is spooled to a private file (``transfer.uploads``: mode 0600, in a directory of its
own under the data directory's ``uploads``, mode 0700) and deleted when the job ends; the import
runs after the answer, as a job (``transfer.jobs``) of the job queue. An upload whose job never
ended (its queue emptied by hand, say) stays behind; the next upload removes those older than a
day (the file is personal data and of no use by then: posting the same file again resumes the
job).
Posting the same file with the same options again finds the same job: a finished one is
answered as it is, an interrupted one carries on where it stopped.
"""

from __future__ import annotations

import dataclasses
import shutil
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, Response, UploadFile, status

from kluis.api import MAX_ID, PROBLEMS, KluisDep, NowDep, get_now
from kluis.auth.deps import ActorDep
from kluis.jobs import web as jobs
from kluis.transfer import jobs as import_jobs
from kluis.transfer import pipeline, repository, uploads
from kluis.transfer.job import ImportOptions, job_state
from kluis.transfer.rules.columns import ConsentDeclaration, declaration
from kluis.transfer.rules.matching import Duplicates
from kluis.transfer.schemas import ImportJobPublic
from kluis.transfer.uploads import LEFTOVER_SECONDS, UPLOADS, remove_leftovers

router = APIRouter(prefix="/imports", tags=["imports"], responses=PROBLEMS)

__all__ = ["LEFTOVER_SECONDS", "UPLOADS", "remove_leftovers", "router"]


def _public(job: repository.JobView, now: datetime) -> ImportJobPublic:
    """The job as shown at ``now``: a running job without progress for a while is ``stalled``
    (``job.job_state``), since a killed import cannot say so itself."""
    state = job_state(job.status, job.updated_at, now)
    data = dataclasses.asdict(job) | {
        "status": state.status,
        "hint": state.hint,
        "records": job.position - job.blank,
    }
    return ImportJobPublic(**{k: v for k, v in data.items() if k in ImportJobPublic.model_fields})


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=ImportJobPublic)
def create_import(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    response: Response,
    request: Request,
    file: Annotated[UploadFile, File(description="A CSV (UTF-8, ; or ,) or vCard file.")],
    purpose: Annotated[list[str], Form(description="Purposes the data is collected for.")],
    relationship: Annotated[str, Form()] = "other",
    language: Annotated[str, Form()] = "nl",
    map: Annotated[
        list[str] | None,
        Form(description="COLUMN=FIELD, COLUMN=custom.KEY (a custom field) or COLUMN=ignore."),
    ] = None,
    consent_topic: Annotated[str | None, Form()] = None,
    consent_channel: Annotated[str | None, Form()] = None,
    consent_method: Annotated[str | None, Form()] = None,
    consent_notice: Annotated[int | None, Form()] = None,
    duplicates: Annotated[Duplicates, Form()] = Duplicates.SKIP,
) -> ImportJobPublic:
    """Upload a file to import. The file and options are checked at once (unknown columns and
    consent columns without a declaration are refused, 422); the rows are imported after the
    answer. Follow the job at `GET /api/v1/imports/{id}`."""
    consent: ConsentDeclaration | None = declaration(
        consent_topic, consent_channel, consent_method, consent_notice
    )
    options = ImportOptions(
        purposes=tuple(purpose),
        relationship=relationship,
        language=language,
        mapping=tuple(map or ()),
        consent=consent,
        duplicates=duplicates,
    )
    folder = uploads.upload_folder(kluis, now)
    path = uploads.save(folder, file.filename, file.file)
    try:
        job = pipeline.queue_import(kluis, actor, path, options, now)
    except Exception:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if job.status == "done":
        shutil.rmtree(folder, ignore_errors=True)
        response.status_code = status.HTTP_200_OK
    else:
        jobs.submit(
            request.app.state,
            kluis,
            import_jobs.RUN,
            import_jobs.arguments(actor, path, kluis.settings.data_dir, options),
            clock=request.app.dependency_overrides.get(get_now, get_now),
        )
    response.headers["Location"] = f"/api/v1/imports/{job.id}"
    return _public(job, now)


@router.get("/{job_id}", response_model=ImportJobPublic)
def get_import(
    kluis: KluisDep, actor: ActorDep, now: NowDep, job_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> ImportJobPublic:
    """An import job's status and counts (`records` read = `created + merged + skipped +
    rejected`), and the first rejected and skipped rows (line, column, reason, code).
    A running job without progress for more than 10 minutes is `stalled`: its process was
    stopped, and posting the same file with the same options carries on where it stopped
    (`hint` says so)."""
    return _public(repository.get_job(kluis.engine, job_id), now)
