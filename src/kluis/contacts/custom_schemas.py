"""API shapes of custom fields: a declaration, and a person's values under a purpose."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["text", "number", "date", "choice", "multi_choice", "boolean"]
Value = str | int | float | bool | list[str] | None


class ChoiceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=40)
    label_en: str = Field(min_length=1, max_length=100)
    label_nl: str = Field(min_length=1, max_length=100)


class FieldCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=2, max_length=40)
    label_en: str = Field(min_length=1, max_length=100)
    label_nl: str = Field(min_length=1, max_length=100)
    kind: Kind = "text"
    category: str = Field(
        min_length=1, max_length=120, description="A fideslang data category under user."
    )
    searchable: bool = False
    choices: list[ChoiceBody] = Field(default_factory=list, max_length=50)
    art9_condition: str | None = Field(
        default=None,
        min_length=1,
        max_length=1,
        description="For a special category (Art. 9(1)): the letter of Art. 9(2), a-j.",
    )


class FieldPublic(BaseModel):
    key: str
    label_en: str
    label_nl: str
    kind: str
    category: str
    searchable: bool
    choices: list[ChoiceBody]
    special_category: bool = Field(description="An Art. 9(1) category: shown with a warning.")
    art9_condition: str | None


class FieldRemoved(BaseModel):
    key: str
    values_erased: int


class CustomValues(BaseModel):
    """A person's custom values by field key; on a PUT, null or empty clears one."""

    model_config = ConfigDict(extra="forbid")
    custom: dict[str, Value] = Field(max_length=200)


class CustomSearch(BaseModel):
    """The value searched for: in the body, never in the address, which proxies and access
    logs keep (as for ``POST /contacts/search``)."""

    value: str = Field(min_length=1, max_length=1000)


class CustomFound(BaseModel):
    ids: list[str]
