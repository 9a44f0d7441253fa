"""The admin's import pages (``/app/admin/imports``): upload a CSV or vCard file for purposes,
see its columns with the field each will feed and change that mapping (``--map COLUMN=FIELD``
of ``kluis contacts import``), see a dry run's summary, then run the import as a job and follow
it on a status page that a reload brings up to date (no JavaScript). Thin: the pipeline,
``transfer.review`` and ``transfer.uploads`` do the work; the import is audited and refused as
for the command and the API (purposes the user's role holds, Art. 5(1)(b), 6; columns no
purpose uses, Art. 5(1)(c)).

The upload waits in the data directory (``transfer.uploads``: mode 0600, its directory 0700,
named for the user who uploaded it) from the upload to the end of the import, and is removed
then, or when the admin cancels, or a day later when nobody went on. Its size is limited by
``KLUIS_IMPORT_MAX_BYTES``. The list of rejected lines to download holds line, column, code
and reason, never a value from the file.
"""

from __future__ import annotations

import dataclasses
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from kluis import errors
from kluis.actors import holds_purpose
from kluis.api import MAX_ID, KluisDep, NowDep, get_now
from kluis.auth.sessions import Session
from kluis.auth.shell import SessionDep, checked_form
from kluis.consent import catalogue as consent_catalogue
from kluis.consent.rules import Channel, Method
from kluis.contacts import custom_fields
from kluis.contacts.fields import BY_NAME
from kluis.csvout import Writer
from kluis.errors import InvalidField, KluisError
from kluis.jobs import web as jobs
from kluis.locale import N_
from kluis.locale.formats import say_moment
from kluis.purposes import service as purposes
from kluis.runtime import Kluis
from kluis.transfer import jobs as import_jobs
from kluis.transfer import pipeline, repository, review, uploads
from kluis.transfer.job import ImportOptions
from kluis.transfer.rules import reasons
from kluis.transfer.rules.columns import MAP_TARGETS, declaration
from kluis.transfer.rules.matching import Duplicates
from kluis.transfer.rules.notes import SAID
from kluis.ui import staff
from kluis.ui.staff import HEADERS, PREFIX


def _admin(session: SessionDep) -> None:
    """Every page here answers 403 to other roles, before anything is read or shown."""
    review.may_use_pages(session.actor)


router = APIRouter(
    prefix=f"{PREFIX}/admin/imports",
    route_class=staff.StaffRoute,
    default_response_class=HTMLResponse,
    dependencies=[Depends(_admin)],
)
REFUSAL = N_("only an admin may use the import pages")
HOME = f"{PREFIX}/admin/imports"

JobId = Annotated[int, Path(ge=1, le=MAX_ID)]
Token = Annotated[str, Path(max_length=80)]


def _start_page(
    k: Kluis,
    request: Request,
    session: Session,
    now: Any,
    *,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    held = [p for p in purposes.list_purposes(k.engine) if holds_purpose(session.role, p.roles)]
    return staff.render(
        k,
        request,
        "staff/admin_imports.html",
        session,
        staff.gettext(session.language, "Imports"),
        status=status,
        import_purposes=held,
        jobs=[
            {"shown": j, "started": say_moment(j.job.started_at, session.language)}
            for j in review.recent_jobs(k, now)
        ],
        duplicates=[d.value for d in Duplicates],
        topics=consent_catalogue.list_topics(k),
        channels=[c.value for c in Channel],
        methods=[m.value for m in Method],
        notices=consent_catalogue.list_notices(k),
        max_megabytes=k.settings.import_max_bytes // (1024 * 1024),
        error=error,
    )


@router.get("")
def imports_page(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> HTMLResponse:
    return _start_page(k, request, session, now)


@router.post("")
async def upload(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    limit = k.settings.import_max_bytes
    try:
        if int(request.headers.get("content-length") or 0) > limit + 64 * 1024:
            raise uploads.too_large(limit)
        form = await checked_form(request, session)
        try:
            file = form.get("file")
            if not isinstance(file, UploadFile) or not file.filename:
                raise InvalidField(
                    "choose a file to import", field="file", msgid=N_("Choose a file to import.")
                )
            notice = staff.text(form, "consent_notice")
            options = ImportOptions(
                purposes=tuple(str(p) for p in form.getlist("purposes")),
                relationship=staff.text(form, "relationship") or "other",
                language=staff.text(form, "language") or "nl",
                duplicates=Duplicates(staff.text(form, "duplicates") or Duplicates.SKIP.value),
                consent=declaration(
                    staff.text(form, "consent_topic") or None,
                    staff.text(form, "consent_channel") or None,
                    staff.text(form, "consent_method") or None,
                    int(notice) if notice else None,
                ),
            )
            folder = uploads.upload_folder(k, now, uploads.owned_prefix(session.user_id))
            path = uploads.save(folder, file.filename, file.file, limit)
            review.write_options(path, options)
        finally:
            await form.close()  # the spooled copy Starlette made goes at once
    except (KluisError, ValueError) as exc:
        message = (
            staff.error_text(session.language, exc)
            if isinstance(exc, KluisError)
            else staff.gettext(session.language, staff.NOT_VALID)
        )
        status = exc.status if isinstance(exc, KluisError) else 422
        return _start_page(k, request, session, now, status=status, error=message)
    return staff.redirect(f"{HOME}/review/{folder.name}")


@router.get("/review/{token}")
def review_page(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep, token: Token
) -> HTMLResponse:
    path = uploads.owned_upload(k, token, session.user_id)
    options = review.read_options(path)
    try:
        seen = review.review(k, session.actor, path, options, now)
    except KluisError as exc:
        uploads.discard(path)
        return _start_page(
            k,
            request,
            session,
            now,
            status=exc.status,
            error=staff.error_text(session.language, exc),
        )
    return staff.render(
        k,
        request,
        "staff/admin_import_review.html",
        session,
        staff.gettext(session.language, "Check the import"),
        token=token,
        options=options,
        review=seen,
        targets=_target_labels(k, session.language),
        refusal=None if seen.refusal is None else staff.error_text(session.language, seen.refusal),
        unmapped=any(c.target is None for c in seen.columns),
        said=SAID,
        reason_said=reasons.said,
    )


TARGET_WORDS = {
    "relationship": N_("Relationship"),
    "language": N_("Language"),
    "family_name_prefix": N_("Family name prefix"),
    "consent": N_("Consent (declared for the whole file)"),
    "ignore": N_("left out"),
}


def _target_labels(k: Kluis, language: str) -> dict[str, str]:
    """Each target a column may feed, as the reader calls it (the fields' own labels, a custom
    field's with its key, since two labels may read alike)."""
    labels = {}
    for target in MAP_TARGETS:
        field = BY_NAME.get(target)
        if field is not None:
            labels[target] = field.label_nl if language == "nl" else field.label_en
        else:
            labels[target] = staff.gettext(language, TARGET_WORDS[target])
    for custom in custom_fields.fields(k):
        labels[custom.name] = f"{custom.label(language)} ({custom.name})"
    return labels


@router.post("/review/{token}/mapping")
async def change_mapping(
    request: Request, k: KluisDep, session: SessionDep, token: Token
) -> Response:
    form = await checked_form(request, session)
    path = uploads.owned_upload(k, token, session.user_id)
    options = review.read_options(path)
    pairs = []
    for name, value in form.multi_items():
        if name.startswith("map:") and isinstance(value, str) and value:
            pairs.append(f"{name[4:]}={value}")
    review.write_options(path, dataclasses.replace(options, mapping=tuple(pairs)))
    return staff.redirect(f"{HOME}/review/{token}")


@router.post("/review/{token}/run")
async def run(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep, token: Token
) -> Response:
    await checked_form(request, session)
    path = uploads.owned_upload(k, token, session.user_id)
    options = review.read_options(path)
    try:
        job = pipeline.queue_import(k, session.actor, path, options, now)
    except KluisError:
        return staff.redirect(f"{HOME}/review/{token}")
    if job.status == "done":
        uploads.discard(path)
    else:
        jobs.submit(
            request.app.state,
            k,
            import_jobs.RUN,
            import_jobs.arguments(session.actor, path, k.settings.data_dir, options),
            clock=request.app.dependency_overrides.get(get_now, get_now),
        )
    return staff.redirect(f"{HOME}/{job.id}")


@router.post("/review/{token}/cancel")
async def cancel(request: Request, k: KluisDep, session: SessionDep, token: Token) -> Response:
    await checked_form(request, session)
    uploads.discard(uploads.owned_upload(k, token, session.user_id))
    return staff.redirect(HOME)


@router.get("/{job_id}")
def job_page(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep, job_id: JobId
) -> HTMLResponse:
    shown = review.one_job(k, job_id, now)
    return staff.render(
        k,
        request,
        "staff/admin_import_job.html",
        session,
        staff.gettext(session.language, "Import %(id)s", id=job_id),
        shown=shown,
        said=SAID,
        reason_said=reasons.said,
        error=_error(shown.job, session.language),
        started=say_moment(shown.job.started_at, session.language),
        finished=say_moment(shown.job.finished_at, session.language)
        if shown.job.finished_at
        else "",
    )


@router.get("/{job_id}/rejects.csv")
def rejects_file(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep, job_id: JobId
) -> Response:
    job = review.one_job(k, job_id, now).job
    out = io.StringIO()
    writer = Writer(out)
    writer.writerow(["line", "outcome", "code", "column", "reason"])
    notes = [("rejected", r) for r in job.rejects] + [("skipped", s) for s in job.skips]
    for outcome, note in sorted(notes, key=lambda n: int(n[1]["line"])):
        writer.writerow(
            [note["line"], outcome, note.get("code", ""), note["column"], note["reason"]]
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            **HEADERS,
            "Content-Disposition": f'attachment; filename="import-{job_id}-rejects.csv"',
        },
    )


def _error(job: repository.JobView, language: str) -> str | None:
    """Why the job failed in the reader's language; None for a text kept before jobs stored
    their refusal (``d0024_words``) that the catalogue does not hold: the page shows it as
    English."""
    if job.error_said is not None:
        return staff.error_text(language, errors.restored(job.error_said))
    if job.error is None:
        return None
    said = staff.gettext(language, job.error)
    return said if language == "en" or said != job.error else None
