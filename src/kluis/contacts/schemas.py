"""API shapes of people and companies.

The personal-field parts of ``PersonCreate`` and ``PersonUpdate`` are generated from
``PERSONAL_FIELDS``, so the API can never accept a personal field the vault does not encrypt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from kluis.api import kept
from kluis.contacts.fields import PERSONAL_FIELDS, FieldKind, PersonalField
from kluis.contacts.rules import Relationship

Language = Literal["nl", "en"]


def _field_type(declared: PersonalField) -> Any:
    return list[str] | None if declared.kind is FieldKind.TAGS else str | None


def _personal_fields() -> dict[str, Any]:
    return {
        f.name: (
            _field_type(f),
            Field(default=None, description=f"{f.label_en} ({f.category}); personal data"),
        )
        for f in PERSONAL_FIELDS
    }


class _PersonBase(BaseModel):
    model_config = ConfigDict(extra="forbid")


PersonCreate: type[BaseModel] = create_model(
    "PersonCreate",
    __base__=_PersonBase,
    relationship=(Relationship, Field(description="How the person relates to the business.")),
    purposes=(
        list[str],
        Field(min_length=1, description="Purposes the data is collected for (catalogue keys)."),
    ),
    language=(Language, Field(default="nl", description="Preferred language.")),
    company_id=(int | None, None),
    owner=(
        int | None,
        Field(
            default=None,
            ge=1,
            le=2**31 - 1,
            description="The staff user (id) who looks after them; default: the one collecting.",
        ),
    ),
    **_personal_fields(),
)


class _PersonChange(_PersonBase):
    """A change names at least one field (the route refuses an empty one)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})


PersonUpdate: type[BaseModel] = create_model(
    "PersonUpdate",
    __base__=_PersonChange,
    relationship=(Relationship | None, kept()),
    language=(Language | None, kept()),
    company_id=(int | None, None),
    purposes=(list[str] | None, Field(default=None, description="The full new list of purposes.")),
    owner=(
        int | None,
        Field(default=None, ge=1, le=2**31 - 1, description="The staff user (id); null: nobody."),
    ),
    **_personal_fields(),
)


class PersonCreated(BaseModel):
    id: str


class PersonPublic(BaseModel):
    """A person as the named purpose may see them: ``fields`` holds only what it may use."""

    id: str
    purpose: str
    relationship: str
    language: str
    company_id: int | None
    purposes: list[str]
    created_at: datetime
    updated_at: datetime
    fields: dict[str, str | list[str]]
    owner: int | None = Field(description="The staff user (id) who looks after them.")
    last_interaction_at: datetime | None
    custom: dict[str, str | bool | list[str]] = Field(
        default_factory=dict,
        description="Custom field values by key, only of the fields whose data category the "
        "purpose covers (docs/custom-fields.md); audited as reads.",
    )


class PersonSearch(BaseModel):
    """A search of people, sent as a POST body so the search text never lands in an address, a
    proxy's log or the browser history (GDPR Art. 5(1)(f), Art. 32)."""

    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(
        default=None,
        max_length=500,
        description="An e-mail address, a phone number, or whole words of a name.",
    )
    relationship: Relationship | None = None
    company_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=2**31 - 1)


class PersonPage(BaseModel):
    items: list[PersonPublic]
    total: int
    limit: int
    offset: int


class CompanyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    registration_number: str | None = None
    vat_number: str | None = None
    website: str | None = None
    city: str | None = None
    country: str | None = Field(default=None, description="ISO 3166 alpha-2, e.g. NL")
    owner: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="Staff user (id); default: the one adding."
    )
    custom: dict[str, Any] | None = Field(
        default=None,
        description="Plain custom fields of companies by key (`kluis fields add --entity "
        "company`); an empty value clears one.",
    )


class CompanyUpdate(BaseModel):
    """Fields left out stay as they are; ``null`` clears one, except ``name``: a company keeps a
    name, so the schema offers no ``null`` for it (the service refuses one, naming the field)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = kept()
    registration_number: str | None = None
    vat_number: str | None = None
    website: str | None = None
    city: str | None = None
    country: str | None = None
    owner: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="Staff user (id); null: nobody."
    )
    custom: dict[str, Any] | None = Field(
        default=None,
        description="Plain custom fields of companies by key (`kluis fields add --entity "
        "company`); an empty value clears one.",
    )


class CompanyPublic(BaseModel):
    id: int
    name: str
    registration_number: str | None
    vat_number: str | None
    website: str | None
    city: str | None
    country: str | None
    created_at: datetime
    updated_at: datetime
    owner: int | None
    custom: dict[str, str | bool | list[str]] = Field(
        default_factory=dict, description="Values of the companies' plain custom fields by key."
    )


class CompanyPage(BaseModel):
    items: list[CompanyPublic]
    total: int
    limit: int
    offset: int
