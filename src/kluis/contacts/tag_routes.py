"""The JSON API of tags: the declarations (``/api/v1/tags``, admins change them) and the tags of
a person (read and changed under a purpose, Art. 5(1)(b)) or of a company. Refusals are
problem+json (RFC 9457) through the app's handler of ``KluisError``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, Field

from kluis.api import MAX_ID, PROBLEMS, KluisDep, NowDep, PurposeQuery
from kluis.auth.deps import ActorDep
from kluis.contacts import tags
from kluis.contacts.tag_rules import TagView

router = APIRouter(tags=["tags"], responses=PROBLEMS)

TagKey = Annotated[str, Path(max_length=40)]
CompanyId = Annotated[int, Path(ge=1, le=MAX_ID)]


class TagPublic(BaseModel):
    key: str
    label_nl: str
    label_en: str
    personal: bool = Field(description="The link of a person to it is personal data.")
    colour: str


class TagCreate(BaseModel):
    key: str = Field(max_length=40)
    label_nl: str = Field(max_length=80)
    label_en: str = Field(max_length=80)
    personal: bool = False
    colour: str | None = Field(default=None, max_length=7)


class TagChange(BaseModel):
    label_nl: str = Field(max_length=80)
    label_en: str = Field(max_length=80)
    personal: bool
    colour: str | None = Field(default=None, max_length=7)


class TagLink(BaseModel):
    tag: str = Field(max_length=40)


def _public(view: TagView) -> TagPublic:
    return TagPublic(
        key=view.key,
        label_nl=view.label_nl,
        label_en=view.label_en,
        personal=view.personal,
        colour=view.colour,
    )


@router.get("/tags", response_model=list[TagPublic])
def list_tags(kluis: KluisDep, actor: ActorDep) -> list[TagPublic]:
    """Every tag, by key."""
    return [_public(t) for t in tags.list_tags(kluis.engine)]


@router.post("/tags", response_model=TagPublic, status_code=status.HTTP_201_CREATED)
def create_tag(kluis: KluisDep, actor: ActorDep, now: NowDep, body: TagCreate) -> TagPublic:
    """Declare a tag (admins). ``personal`` makes the link of a person to it personal data."""
    return _public(
        tags.create_tag(
            kluis, actor, body.key, body.label_nl, body.label_en, now,
            personal=body.personal, colour=body.colour,
        )
    )  # fmt: skip


@router.put("/tags/{key}", response_model=TagPublic)
def change_tag(
    key: TagKey, kluis: KluisDep, actor: ActorDep, now: NowDep, body: TagChange
) -> TagPublic:
    """Change a tag's names, colour or personal mark (admins)."""
    return _public(
        tags.change_tag(
            kluis, actor, key, body.label_nl, body.label_en, now,
            personal=body.personal, colour=body.colour,
        )
    )  # fmt: skip


@router.delete("/tags/{key}", status_code=status.HTTP_204_NO_CONTENT)
def remove_tag(key: TagKey, kluis: KluisDep, actor: ActorDep, now: NowDep) -> Response:
    """Remove a tag and every link to it (admins)."""
    tags.remove_tag(kluis, actor, key, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/contacts/{person_id}/tags", response_model=list[TagPublic])
def person_tags(
    person_id: str, kluis: KluisDep, actor: ActorDep, now: NowDep, purpose: PurposeQuery
) -> list[TagPublic]:
    """A person's tags, under ``purpose`` (personal tags included: the read names a purpose)."""
    return [_public(t) for t in tags.read_person_tags(kluis, actor, person_id, purpose, now)]


@router.post("/contacts/{person_id}/tags", status_code=status.HTTP_204_NO_CONTENT)
def tag_person(
    person_id: str,
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    purpose: PurposeQuery,
    body: TagLink,
) -> Response:
    """Put a tag on a person, under ``purpose``."""
    tags.tag_people(kluis, actor, [person_id], body.tag, purpose, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/contacts/{person_id}/tags/{key}", status_code=status.HTTP_204_NO_CONTENT)
def untag_person(
    person_id: str,
    key: TagKey,
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    purpose: PurposeQuery,
) -> Response:
    """Take a tag off a person, under ``purpose``."""
    tags.tag_people(kluis, actor, [person_id], key, purpose, now, remove=True)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/companies/{company_id}/tags", response_model=list[TagPublic])
def company_tags(company_id: CompanyId, kluis: KluisDep, actor: ActorDep) -> list[TagPublic]:
    """A company's tags (business data)."""
    with kluis.engine.connect() as conn:
        return [_public(t) for t in tags.tags_of_company(conn, company_id)]


@router.post("/companies/{company_id}/tags", status_code=status.HTTP_204_NO_CONTENT)
def tag_company(
    company_id: CompanyId, kluis: KluisDep, actor: ActorDep, now: NowDep, body: TagLink
) -> Response:
    """Put a tag on a company."""
    tags.tag_company(kluis, actor, company_id, body.tag, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/companies/{company_id}/tags/{key}", status_code=status.HTTP_204_NO_CONTENT)
def untag_company(
    company_id: CompanyId, key: TagKey, kluis: KluisDep, actor: ActorDep, now: NowDep
) -> Response:
    """Take a tag off a company."""
    tags.tag_company(kluis, actor, company_id, key, now, remove=True)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
