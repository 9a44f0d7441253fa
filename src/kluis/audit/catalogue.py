"""Every audit event class, for the documentation test (``docs/audit-events.md``)."""

from __future__ import annotations

from kluis.audit import (
    activity_events,
    business_field_events,
    call_events,
    channel_events,
    channel_test_events,
    connected_events,
    consent_events,
    deal_events,
    discover_events,
    field_events,
    owner_events,
    people_events,
    post_events,
    request_events,
    request_mail_events,
    system_events,
    tag_events,
    task_events,
    user_events,
)
from kluis.audit.events import AuditEvent

AREAS = (
    people_events,
    consent_events,
    request_events,
    system_events,
    discover_events,
    deal_events,
    activity_events,
    owner_events,
    user_events,
    task_events,
    channel_events,
    connected_events,
    post_events,
    field_events,
    tag_events,
    call_events,
    request_mail_events,
    business_field_events,
    channel_test_events,
)
"""The modules of events, one per area; a new one is listed here."""


def all_events() -> list[type[AuditEvent]]:
    """Every concrete event class, for the documentation test."""
    found: list[type[AuditEvent]] = []
    pending = list(AuditEvent.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.action)
