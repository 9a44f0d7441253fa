"""Audit events of test sends and of the staff numbers they go to: a campaign sent to the staff
member themselves, rendered for a chosen person (or sample values). They name the campaign, the
channel, the staff user and the person by id; never the text, the address or the number
(Art. 5(2), 5(1)(f))."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class CampaignTestSent(AuditEvent):
    """A campaign went to the staff member ``user_id`` as a test, rendered for ``person_id``
    under ``purpose`` (both None with sample values). Not a message to the person."""

    action: ClassVar[str] = "campaign.test_sent"
    campaign_id: int
    channel: str
    user_id: int
    person_id: str | None
    purpose: str | None


@dataclass(frozen=True)
class StaffPhoneChanged(AuditEvent):
    """A staff user set (``removed`` False) or removed the number their test texts go to."""

    action: ClassVar[str] = "user.test_phone_changed"
    user_id: int
    removed: bool
