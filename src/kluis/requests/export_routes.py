"""JSON API of the access and portability package (GDPR Art. 15, 20): a person's package as
JSON, CSV, HTML or vCard, and importing a person from another Kluis' portable package. Thin:
each route calls one service function."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response, status

from kluis.api import PROBLEMS, KluisDep, NowDep
from kluis.auth.deps import ActorDep
from kluis.contacts.schemas import PersonCreated
from kluis.requests import export

router = APIRouter(prefix="/contacts", tags=["contacts"], responses=PROBLEMS)

_TEXT = {"schema": {"type": "string"}}
_EXPORT_CONTENT = {
    "application/json": {"schema": {"type": "object"}},
    "text/csv": _TEXT,
    "text/html": _TEXT,
    "text/vcard": _TEXT,
}


@router.get(
    "/{person_id}/export",
    response_class=Response,
    responses={
        200: {
            "description": "The package as an attachment: the JSON of `docs/export-format.md`, "
            "CSV rows `section,item,field,value`, an HTML page in the person's language, or "
            "a vCard 4.0.",
            "content": _EXPORT_CONTENT,
        }
    },
)
def export_contact(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    person_id: str,
    format: Annotated[
        Literal["json", "csv", "html", "vcf"],
        Query(description="json, csv, html (in the person's language) or vcf (vCard 4.0)."),
    ] = "json",
    portable: Annotated[
        bool,
        Query(description="Include the content of the evidence files (base64), for import."),
    ] = False,
) -> Response:
    """Everything held about a person (Art. 15; with `portable`, Art. 20): every personal
    field, purposes with lawful basis, recipients and retention, the source, the consent
    ledger with evidence, the permission state, the messages with their decisions and the audit
    entries. Admin or privacy officer (the `privacy_requests` purpose); audited."""
    package = export.access_package(kluis, actor, person_id, now, portable=portable, format=format)
    body, media_type = export.render(package, format)
    name = f"kluis-{package['person']['id']}.{format}"
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/import-portable", status_code=status.HTTP_201_CREATED, response_model=PersonCreated)
def import_portable(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    response: Response,
    package: Annotated[
        dict[str, Any],
        Body(
            description="A portable package (`kluis.access/2`, or `/1`) exported by another Kluis."
        ),
    ],
    purposes: Annotated[
        list[str] | None,
        Query(
            description="Keep the person for these purposes; default: the package's purposes "
            "that exist here."
        ),
    ] = None,
) -> PersonCreated:
    """Import a person from another Kluis (Art. 20(2)): their fields, relationship, language,
    consent history at its original times with evidence checked against its SHA-256, and
    objections and restrictions. A refusal names the package field at fault (`evidence.0.sha256`)
    and leaves no person behind. Admin or privacy officer; 201 with the new `id`."""
    person_id = export.import_portable(kluis, actor, package, now, purposes=purposes)
    response.headers["Location"] = f"/api/v1/contacts/{person_id}"
    return PersonCreated(id=person_id)
