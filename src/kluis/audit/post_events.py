"""Audit events of post mailings: a file of a mailing (CSV, labels, letters) was made and
handed to a staff user. Who is the entry's actor; the event says which campaign, which file and
how many people are in it, never a name or an address (GDPR Art. 5(2), 30)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class MailingDownloaded(AuditEvent):
    """A post mailing's file was downloaded: ``file`` is csv, labels or letters."""

    action: ClassVar[str] = "post.downloaded"
    campaign_id: int
    file: str
    people: int


@dataclass(frozen=True)
class PostFileRequested(AuditEvent):
    """A file of a mailing was asked for, to be made as a job (``post_jobs``)."""

    action: ClassVar[str] = "post.file_requested"
    campaign_id: int
    file: str
    file_id: int


@dataclass(frozen=True)
class PostFileRemoved(AuditEvent):
    """A made file was deleted: ``why`` is ``downloaded``, ``expired`` or ``erasure`` (one of
    its people is being erased)."""

    action: ClassVar[str] = "post.file_removed"
    campaign_id: int
    file: str
    file_id: int
    why: str
