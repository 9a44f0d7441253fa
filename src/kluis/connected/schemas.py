"""API shapes of connected systems."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SystemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    kind: Literal["processor", "recipient"] = "processor"
    reach: Literal["webhook", "email", "manual"] = "manual"
    purposes: list[str] = Field(default_factory=list, max_length=100)
    webhook_url: str | None = Field(default=None, max_length=500)
    contact_email: str | None = Field(default=None, max_length=254)
    instructions: str | None = Field(default=None, max_length=4000)
    send_values: bool = False


class SystemPublic(BaseModel):
    id: int
    name: str
    kind: str
    reach: str
    webhook_url: str | None
    contact_email: str | None
    instructions: str | None
    send_values: bool
    purposes: list[str]
    secrets: int = Field(description="How many secrets sign now (2 during a rotation).")


class SystemAdded(BaseModel):
    system: SystemPublic
    secret: str | None = Field(description="The webhook secret, shown this once.")


class SecretPublic(BaseModel):
    secret: str = Field(description="The new webhook secret, shown this once.")


class PurposesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    purposes: list[str] = Field(max_length=100)


class IdentityCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=200)


class NoticePublic(BaseModel):
    id: int
    system: str
    reach: str
    kind: str
    fields: list[str]
    state: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    confirmed_at: datetime | None
    confirmed_by: str | None
