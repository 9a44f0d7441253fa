"""What a privacy request answers with: the request as staff, the API and the CLI see it, and a
carried-out request with the files to hand over. The API returns these dataclasses as they are
(``RequestView`` keeps the component name ``RequestPublic`` as its title)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import ConfigDict, Field


@dataclass(frozen=True)
class RequestView:
    """A privacy request as the API answers it (component ``RequestPublic``)."""

    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(title="RequestPublic")

    id: int
    type: str
    person_id: str
    channel: str
    verified_by: str | None
    status: str
    language: str
    received_at: datetime
    due_at: datetime
    extended_to: datetime | None
    extension_reason: str | None
    deadline: datetime
    days_left: int
    overdue: bool
    near: bool
    outcome: str | None
    recipients_to_notify: list[str]
    sent: list[dict[str, Any]]
    created_by: str
    updated_at: datetime
    completed_at: datetime | None
    details: str | None = None
    mails: Annotated[
        list[dict[str, Any]],
        Field(
            description="Each mail of the request (sent by a job): what, state (waiting, queued, "
            "sending, sent, failed), attempts, the reason of the last failure, when sent."
        ),
    ] = field(default_factory=list)
    """Each mail of the request and its state (``mails.of_request``); filled by ``get``."""


@dataclass(frozen=True)
class Processed:
    """A carried-out request, and the files to hand over when nothing could go by e-mail."""

    request: RequestView
    files: dict[str, bytes] = field(default_factory=dict)
