"""JSON API of people and companies; thin: each route calls one service function."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel

from kluis.actors import Actor
from kluis.api import MAX_ID, PROBLEMS, KluisDep, NowDep, PurposeQuery
from kluis.auth.deps import ActorDep
from kluis.contacts import (
    collect,
    custom_fields,
    erasure,
    list_rules,
    listing,
    owners,
    people,
    rectify,
    tags,
)
from kluis.contacts import companies as company_service
from kluis.contacts.rules import Relationship
from kluis.contacts.schemas import (
    CompanyCreate,
    CompanyPage,
    CompanyPublic,
    CompanyUpdate,
    PersonCreate,
    PersonCreated,
    PersonPage,
    PersonPublic,
    PersonSearch,
    PersonUpdate,
)
from kluis.errors import InvalidField
from kluis.runtime import Kluis

if TYPE_CHECKING:
    PersonCreateBody = BaseModel
    PersonUpdateBody = BaseModel
else:
    PersonCreateBody = PersonCreate
    PersonUpdateBody = PersonUpdate

router = APIRouter(prefix="/contacts", tags=["contacts"], responses=PROBLEMS)
companies = APIRouter(prefix="/companies", tags=["companies"], responses=PROBLEMS)

CompanyId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _public(
    view: people.PersonView, custom: dict[str, custom_fields.CustomValueOut] | None = None
) -> PersonPublic:
    data = dataclasses.asdict(view)
    data["owner"] = data.pop("owner_id")
    return PersonPublic(**{**data, "purposes": list(view.purposes), "custom": custom or {}})


def _answer(
    kluis: Kluis,
    actor: Actor,
    now: datetime,
    purpose: str,
    views: list[people.PersonView],
) -> list[PersonPublic]:
    """People as the API returns them: with the custom values their purpose covers, read (and
    audited, ``via`` ``api``) for the whole answer at once."""
    found = custom_fields.read_many(kluis, actor, purpose, [v.id for v in views], now, "api")
    return [_public(v, found.get(v.id)) for v in views]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PersonCreated)
def create_contact(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    response: Response,
    body: PersonCreateBody,
) -> PersonCreated:
    """Collect a person for one or more purposes. Every personal field given must be used by one
    of those purposes; a person whose e-mail address is already held is refused (409)."""
    data = body.model_dump()
    fields = {name: data.pop(name) for name in list(data) if name not in _CREATE_PLAIN}
    person_id = collect.create_person(
        kluis,
        actor,
        people.NewPerson(
            relationship=data["relationship"],
            purposes=data["purposes"],
            language=data["language"],
            company_id=data["company_id"],
            owner_id=data["owner"],
            fields=fields,
        ),
        now,
    )
    response.headers["Location"] = f"/api/v1/contacts/{person_id}"
    return PersonCreated(id=person_id)


_CREATE_PLAIN = ("relationship", "purposes", "language", "company_id", "owner")

SortQuery = Annotated[
    str,
    Query(
        pattern="^-?(collected|name|interaction)$",
        description="collected (default), name or interaction; a leading - reverses. Names are "
        "sealed, so ordering by name works on at most 5000 people: filter first.",
    ),
]


@router.get("", response_model=PersonPage)
def list_contacts(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    purpose: PurposeQuery,
    relationship: Relationship | None = None,
    company_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    owner: Annotated[
        str | None,
        Query(
            pattern="^(mine|none|[0-9]{1,10})$",
            description="mine, none (nobody's) or a staff user's id.",
        ),
    ] = None,
    also_purpose: Annotated[
        str | None,
        Query(max_length=60, description="Only people also collected for this purpose."),
    ] = None,
    inactive_days: Annotated[
        int | None,
        Query(ge=0, le=36_500, description="No interaction for at least this many days."),
    ] = None,
    sort: SortQuery = "collected",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    q: Annotated[str | None, Query(include_in_schema=False)] = None,
    tag: Annotated[
        str | None, Query(max_length=40, description="Only people with this tag.")
    ] = None,
) -> PersonPage:
    """List the people collected for ``purpose``, filtered and ordered. To search, POST to
    ``/contacts/search``."""
    if q is not None:
        raise InvalidField(
            "search text is not taken in the address (it would be logged); "
            "POST it to /api/v1/contacts/search",
            field="q",
        )
    filters = listing.ListFilters(
        owner=list_rules.parse_owner(owner, actor.user_id),
        relationship=relationship.value if relationship is not None else None,
        also_purpose=also_purpose,
        company_id=company_id,
        inactive_days=inactive_days,
        order=list_rules.parse_order(sort),
        tag=tag,
    )
    page = listing.list_people(kluis, actor, purpose, now, filters, limit=limit, offset=offset)
    return PersonPage(
        items=_answer(kluis, actor, now, purpose, page.items),
        total=page.total,
        limit=limit,
        offset=offset,
    )


@router.post("/search", response_model=PersonPage)
def search_contacts(
    kluis: KluisDep, actor: ActorDep, now: NowDep, purpose: PurposeQuery, body: PersonSearch
) -> PersonPage:
    """Search the people collected for ``purpose`` by ``q`` (an e-mail address, a phone number or
    whole words of a name). The text travels in the body so that no address or log holds it."""
    return _search(kluis, actor, now, purpose, body)


def _search(
    kluis: Kluis, actor: Actor, now: datetime, purpose: str, search: PersonSearch
) -> PersonPage:
    page = people.search_people(
        kluis,
        actor,
        purpose,
        now,
        text=search.q,
        relationship=search.relationship,
        company_id=search.company_id,
        limit=search.limit,
        offset=search.offset,
    )
    return PersonPage(
        items=_answer(kluis, actor, now, purpose, page.items),
        total=page.total,
        limit=search.limit,
        offset=search.offset,
    )


@router.get("/{person_id}", response_model=PersonPublic)
def get_contact(
    kluis: KluisDep, actor: ActorDep, now: NowDep, person_id: str, purpose: PurposeQuery
) -> PersonPublic:
    """One person, with only the fields ``purpose`` may use."""
    return _answer(
        kluis, actor, now, purpose, [people.read_person(kluis, actor, person_id, purpose, now)]
    )[0]


@router.patch("/{person_id}", response_model=PersonPublic)
def update_contact(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    person_id: str,
    purpose: PurposeQuery,
    body: PersonUpdateBody,
) -> PersonPublic:
    """Rectify a person (Art. 16): only fields ``purpose`` may use; ``null`` clears a field."""
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise InvalidField("send at least one field to change", field="body")
    if "owner" in changes:
        owners.assign_people(kluis, actor, [person_id], changes.pop("owner"), purpose, now)
        if not changes:
            view = people.read_person(kluis, actor, person_id, purpose, now)
            return _answer(kluis, actor, now, purpose, [view])[0]
    view = rectify.update_person(kluis, actor, person_id, purpose, changes, now)
    return _answer(kluis, actor, now, purpose, [view])[0]


@router.delete("/{person_id}", status_code=status.HTTP_204_NO_CONTENT)
def erase_contact(kluis: KluisDep, actor: ActorDep, now: NowDep, person_id: str) -> Response:
    """Erase a person (Art. 17): their key is destroyed, their rows deleted and their id put in
    the erasure register. Cannot be undone; every copy of their data becomes unreadable."""
    erasure.erase_person(kluis, actor, person_id, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _company(view: company_service.CompanyView) -> CompanyPublic:
    data = dataclasses.asdict(view)
    data["owner"] = data.pop("owner_id")
    return CompanyPublic(**data)


@companies.post("", status_code=status.HTTP_201_CREATED, response_model=CompanyPublic)
def create_company(
    kluis: KluisDep, actor: ActorDep, now: NowDep, body: CompanyCreate
) -> CompanyPublic:
    """Add a company (not personal data); its owner is ``owner``, else the user adding it."""
    values = body.model_dump()
    owner = values.pop("owner")
    return _company(company_service.create_company(kluis, actor, values, now, owner_id=owner))


@companies.get("", response_model=CompanyPage)
def list_companies(
    kluis: KluisDep,
    actor: ActorDep,
    name: str | None = None,
    owner: Annotated[
        str | None,
        Query(
            pattern="^(mine|none|[0-9]{1,10})$",
            description="mine, none (nobody's) or a staff user's id.",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    tag: Annotated[
        str | None, Query(max_length=40, description="Only companies with this tag.")
    ] = None,
) -> CompanyPage:
    """Companies in order of name, optionally those whose name contains ``name`` and those of
    one owner."""
    items, total = company_service.list_companies(
        kluis,
        name=name,
        limit=limit,
        offset=offset,
        owner=list_rules.parse_owner(owner, actor.user_id),
        tag_id=tags.tag_id(kluis, tag),
    )
    return CompanyPage(items=[_company(c) for c in items], total=total, limit=limit, offset=offset)


@companies.get("/{company_id}", response_model=CompanyPublic)
def get_company(kluis: KluisDep, actor: ActorDep, company_id: CompanyId) -> CompanyPublic:
    return _company(company_service.get_company(kluis, company_id))


@companies.patch("/{company_id}", response_model=CompanyPublic)
def update_company(
    kluis: KluisDep, actor: ActorDep, now: NowDep, company_id: CompanyId, body: CompanyUpdate
) -> CompanyPublic:
    changes = body.model_dump(exclude_unset=True)
    if "owner" in changes:
        owners.assign_company(kluis, actor, company_id, changes.pop("owner"), now)
    return _company(company_service.update_company(kluis, actor, company_id, changes, now))
