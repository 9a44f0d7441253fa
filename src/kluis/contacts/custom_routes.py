"""JSON API of custom fields: ``/api/v1/fields`` (declarations: admins and the privacy officer)
and ``/api/v1/contacts/{id}/custom`` (a person's values under a purpose, read and rectified as
the built-in fields are, Art. 15-16)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from kluis.api import PROBLEMS, KluisDep, NowDep, PurposeQuery
from kluis.auth.deps import ActorDep
from kluis.contacts import custom_fields as service
from kluis.contacts.custom_cli import public
from kluis.contacts.custom_rules import Choice, CustomField, CustomKind
from kluis.contacts.custom_schemas import (
    CustomFound,
    CustomSearch,
    CustomValues,
    FieldCreate,
    FieldPublic,
    FieldRemoved,
)

router = APIRouter(tags=["custom fields"], responses=PROBLEMS)

Key = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]
PersonId = Annotated[str, Path(max_length=36, pattern=r"^[^\x00]*$")]


@router.get("/fields")
def list_fields(k: KluisDep, actor: ActorDep) -> list[FieldPublic]:
    """The declared custom fields of people (not personal data)."""
    return [FieldPublic.model_validate(public(f)) for f in service.fields(k)]


@router.post("/fields", status_code=status.HTTP_201_CREATED)
def add_field(body: FieldCreate, k: KluisDep, actor: ActorDep, now: NowDep) -> FieldPublic:
    """Declare a custom field; a special category needs its Art. 9(2) condition."""
    field = CustomField(
        key=body.key,
        label_en=body.label_en,
        label_nl=body.label_nl,
        kind=CustomKind(body.kind),
        category=body.category,
        searchable=body.searchable,
        choices=tuple(Choice(c.key, c.label_en, c.label_nl) for c in body.choices),
        art9_condition=body.art9_condition,
    )
    return FieldPublic.model_validate(public(service.declare(k, actor, field, now)))


@router.delete("/fields/{key}")
def remove_field(key: Key, k: KluisDep, actor: ActorDep, now: NowDep) -> FieldRemoved:
    """Remove a field and erase every value of it (registered, so a restore keeps them gone)."""
    return FieldRemoved(key=key, values_erased=service.remove(k, actor, key, now))


@router.get("/contacts/{person_id}/custom")
def read_custom(
    person_id: PersonId, purpose: PurposeQuery, k: KluisDep, actor: ActorDep, now: NowDep
) -> CustomValues:
    """The person's custom values the purpose may use (its categories cover the field's)."""
    return CustomValues(custom=dict(service.read_values(k, actor, person_id, purpose, now)))


@router.put("/contacts/{person_id}/custom")
def change_custom(
    person_id: PersonId,
    body: CustomValues,
    purpose: PurposeQuery,
    k: KluisDep,
    actor: ActorDep,
    now: NowDep,
) -> CustomValues:
    """Fill in or rectify custom values (only fields the purpose covers, Art. 5(1)(c))."""
    service.set_values(k, actor, person_id, purpose, body.custom, now)
    return CustomValues(custom=dict(service.read_values(k, actor, person_id, purpose, now)))


@router.post("/fields/{key}/people/search")
def find_people(
    key: Key,
    purpose: PurposeQuery,
    body: CustomSearch,
    k: KluisDep,
    actor: ActorDep,
    now: NowDep,
) -> CustomFound:
    """The people whose searchable field equals ``value`` exactly (through its blind index).
    The value is personal data: it travels in the body, not the address."""
    return CustomFound(ids=service.search(k, actor, purpose, key, body.value, now))
