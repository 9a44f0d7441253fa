"""An API-uploaded import as a job (issue 16): ``pipeline.run_import`` as it is, stopping between
batches when the worker stops.

The upload lies in the data directory (``uploads/import-*/``, mode 0600), which every process of
one Kluis shares (it holds the master key and the erasure register file too), so a worker on
another machine reads it. Each batch commits with the import job's position, so a run stopped or
killed anywhere resumes after the last committed batch; the upload is removed when the import
ends, done or failed, and kept while it can still resume.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from kluis.actors import Actor, parse_role
from kluis.errors import KluisError
from kluis.jobs import Job, JobContext
from kluis.transfer import pipeline
from kluis.transfer.job import ImportOptions
from kluis.transfer.rules.columns import ConsentDeclaration
from kluis.transfer.rules.matching import Duplicates

RUN = "imports.run"


def arguments(actor: Actor, upload: Path, data_dir: Path, options: ImportOptions) -> dict[str, Any]:
    """The job's JSON arguments: who imports, the upload relative to the data directory, and
    the options (``canonical``: names and ids, no personal data)."""
    return {
        "actor_ref": actor.ref,
        "actor_role": actor.role.value,
        "actor_user_id": actor.user_id,
        "upload": str(upload.relative_to(data_dir)),
        "options": options.canonical(),
    }


def options_from(canonical: dict[str, Any]) -> ImportOptions:
    consent = canonical["consent"]
    return ImportOptions(
        purposes=tuple(canonical["purposes"]),
        relationship=canonical["relationship"],
        language=canonical["language"],
        mapping=tuple(canonical["mapping"]),
        consent=None
        if consent is None
        else ConsentDeclaration(
            consent["topic"], consent["channel"], consent["method"], consent["notice"]
        ),
        duplicates=Duplicates(canonical["duplicates"]),
    )


def _run(
    context: JobContext,
    actor_ref: str,
    actor_role: str,
    actor_user_id: int | None,
    upload: str,
    options: dict[str, Any],
) -> None:
    k = context.kluis
    path = k.settings.data_dir / upload
    if not path.exists():  # a run before this one finished the import and removed it
        return
    actor = Actor(actor_ref, parse_role(actor_role), actor_user_id)
    try:
        pipeline.run_import(
            k,
            actor,
            path,
            options_from(options),
            context.clock(),
            workers=0,
            progress=lambda _done, _total: context.check(),
        )
    except KluisError:  # refused: the import job's row says why; nothing to run again
        pass
    except Exception:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    shutil.rmtree(path.parent, ignore_errors=True)


run_import = Job(RUN, _run, max_attempts=1)
