"""JSON API of the access and portability package (GDPR Art. 15, 20): a person's package as
JSON, CSV, HTML or vCard, and importing a person from another Kluis' portable package. Thin:
each route calls one service function."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Response, status
from pydantic import BaseModel, Field

from kluis.api import PROBLEMS, KluisDep, NowDep
from kluis.auth.deps import ActorDep
from kluis.requests import export


class SkippedCustom(BaseModel):
    key: str
    reason: str = Field(description="Why the value was left out (never the value itself).")


class PortableImported(BaseModel):
    id: str
    skipped_custom: list[SkippedCustom] = Field(
        description="Custom values of the package not imported: no field with that key and "
        "type here, a value not valid for it, or no purpose of the person's covering it."
    )


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


@router.post(
    "/import-portable", status_code=status.HTTP_201_CREATED, response_model=PortableImported
)
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
) -> PortableImported:
    """Import a person from another Kluis (Art. 20(2)): their fields, relationship, language,
    consent history at its original times with evidence checked against its SHA-256, and
    objections and restrictions, and the custom values whose field exists here with the same
    key and type (the others are listed in `skipped_custom`). A refusal names the package field
    at fault (`evidence.0.sha256`) and leaves no person behind. Admin or privacy officer; 201
    with the new `id`."""
    done = export.import_person(kluis, actor, package, now, purposes=purposes)
    response.headers["Location"] = f"/api/v1/contacts/{done.person_id}"
    return PortableImported(
        id=done.person_id,
        skipped_custom=[SkippedCustom(key=s.key, reason=s.reason) for s in done.skipped],
    )
