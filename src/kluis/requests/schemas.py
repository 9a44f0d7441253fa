"""API shapes of privacy requests."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kluis.requests.views import RequestView

RequestTypeName = Literal[
    "access", "portability", "rectification", "restriction", "objection", "erasure"
]
VerificationName = Literal["email_link", "known_address", "id_document", "in_person", "account"]
NO_NUL = r"^[^\x00]*$"


class RequestCreate(BaseModel):
    """Name the person by ``person_id`` or by the ``email`` the request came from."""

    model_config = ConfigDict(extra="forbid")

    type: RequestTypeName
    person_id: str | None = Field(default=None, max_length=36, pattern=NO_NUL)
    email: str | None = Field(default=None, max_length=320, pattern=NO_NUL)
    verified_by: VerificationName | None = Field(
        default=None,
        description="How the requester was shown to be the person (Art. 12(6)); without it "
        "the request is `received` and must be verified before it is carried out.",
    )
    details: str | None = Field(
        default=None,
        max_length=4000,
        pattern=NO_NUL,
        description="What the person asked, in their words; stored encrypted with their key.",
    )


class RequestVerify(BaseModel):
    model_config = ConfigDict(extra="forbid")

    verified_by: VerificationName


class RequestExtend(BaseModel):
    model_config = ConfigDict(extra="forbid")

    months: int = Field(ge=1, le=2)
    reason: str = Field(min_length=1, max_length=2000, pattern=NO_NUL)
    mail: bool = True


class RequestRefuse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000, pattern=NO_NUL)
    mail: bool = True


class RequestProcess(BaseModel):
    model_config = ConfigDict(extra="forbid")

    changes: dict[str, Any] | None = Field(
        default=None,
        description="For a rectification: the fields to correct and their new values "
        "(`null` clears a field); a custom field is named `custom.KEY`.",
    )
    mail: bool = Field(
        default=True,
        description="Send the person what they are due by e-mail; when false (or they have no "
        "address) it is returned in `files` to hand over.",
    )


class RequestLift(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mail: bool = True


class ProcessedPublic(BaseModel):
    request: RequestView
    files: dict[str, str] = Field(
        description="File name to content (text, or base64 for binary) of what was not sent "
        "by e-mail and must be handed over."
    )
