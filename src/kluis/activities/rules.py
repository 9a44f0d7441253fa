"""Pure decisions about activities: which purpose one may be logged under, whether it is past or
scheduled, and what a valid one looks like. No I/O; ``now`` is passed in (invariant 7).

Every refusal names the field and says what to do, and never repeats the refused value (a
subject or body is the person's data and must not reach a log through an error)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from kluis.actors import Role, holds_purpose
from kluis.errors import InvalidField, PurposeRefused

SUBJECT_MAX = 200
BODY_MAX = 20_000
DURATION_MAX = 24 * 60
"""Minutes: an activity longer than a day is a typing mistake (log each day)."""
FAR = timedelta(days=5 * 366)
"""How far ahead of ``now`` an activity may be scheduled."""
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""Before this an activity's moment is a typing mistake (an imported history may be old)."""

_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


class ActivityType(StrEnum):
    CALL = "call"
    MEETING = "meeting"
    EMAIL_IN = "email_in"
    EMAIL_OUT = "email_out"
    NOTE = "note"
    VISIT = "visit"


TYPES = tuple(t.value for t in ActivityType)
RECORDED_TYPES = frozenset({ActivityType.CALL.value, ActivityType.MEETING.value})
"""The kinds of moment that can carry a recording (a call; a meeting held by phone or video)."""


def why_not_log(
    role: Role,
    purpose_key: str,
    purpose_roles: Collection[str],
    collected_for: Collection[str],
) -> str | None:
    """None when an author of ``role`` may log an activity about a person collected for
    ``collected_for`` under ``purpose_key``; otherwise why not. Both must hold: the role holds
    the purpose (what staff may see is what their purposes may use) and the person's data was
    collected for it (purpose limitation, Art. 5(1)(b))."""
    if not holds_purpose(role, tuple(purpose_roles)):
        return (
            f"role {role.value} does not hold purpose {purpose_key!r}; log the activity under "
            "one of your own purposes"
        )
    if purpose_key not in collected_for:
        return (
            f"the person was not collected for purpose {purpose_key!r}; log the activity under a "
            "purpose they were collected for, or add the purpose first (Art. 5(1)(b), 6(4))"
        )
    return None


def check_purpose(
    role: Role, purpose_key: str, purpose_roles: Collection[str], collected_for: Collection[str]
) -> None:
    reason = why_not_log(role, purpose_key, purpose_roles, collected_for)
    if reason is not None:
        raise PurposeRefused(reason, field="purpose")


def is_scheduled(occurred_at: datetime, now: datetime) -> bool:
    """A moment after ``now`` is planned, not an interaction: it does not move the person's
    last interaction (the retention anchor) until it is logged as having happened."""
    return occurred_at > now


def moves_last_interaction(occurred_at: datetime, now: datetime, current: datetime) -> bool:
    """Whether logging a past moment at ``occurred_at`` moves ``last_interaction_at`` (only
    forward: a call logged late for last year does not make older data younger)."""
    return not is_scheduled(occurred_at, now) and occurred_at > current


@dataclass(frozen=True)
class Draft:
    """An activity as given, before it is sealed and stored."""

    type: str
    subject: str
    body: str | None = None
    occurred_at: datetime | None = None
    duration_minutes: int | None = None
    company_id: int | None = None
    consent_event_id: int | None = None
    deal_id: int | None = None


@dataclass(frozen=True)
class Checked:
    type: str
    subject: str
    body: str | None
    occurred_at: datetime
    duration_minutes: int | None
    scheduled: bool


def _text(value: str | None, field: str, limit: int, *, required: bool) -> str | None:
    cleaned = None if value is None else _INVISIBLE.sub("", value).strip()
    if not cleaned:
        if required:
            raise InvalidField(f"{field} is empty; give a short {field}", field=field)
        return None
    if len(cleaned) > limit:
        raise InvalidField(f"{field} is longer than {limit} characters; shorten it", field=field)
    return cleaned


def check(draft: Draft, now: datetime) -> Checked:
    """The draft made valid (text trimmed, invisible characters removed, time in UTC, past or
    scheduled decided), or InvalidField naming the field and the fix."""
    if draft.type not in TYPES:
        raise InvalidField(f"type must be one of {', '.join(TYPES)}", field="type")
    subject = _text(draft.subject, "subject", SUBJECT_MAX, required=True)
    assert subject is not None
    body = _text(draft.body, "body", BODY_MAX, required=False)
    at = now if draft.occurred_at is None else draft.occurred_at
    if at.tzinfo is None:
        raise InvalidField(
            "occurred_at has no time zone; give it in UTC (2026-03-14T09:30:00Z)",
            field="occurred_at",
        )
    at = at.astimezone(UTC)
    if at - now > FAR:
        raise InvalidField(
            "occurred_at is more than five years ahead; check the year", field="occurred_at"
        )
    if at < EARLIEST:
        raise InvalidField("occurred_at is before 1970; check the year", field="occurred_at")
    duration = draft.duration_minutes
    if duration is not None and not 0 <= duration <= DURATION_MAX:
        raise InvalidField(
            f"duration must be between 0 and {DURATION_MAX} minutes", field="duration"
        )
    return Checked(draft.type, subject, body, at, duration, is_scheduled(at, now))


def check_recording(activity_type: str) -> None:
    if activity_type not in RECORDED_TYPES:
        raise InvalidField(
            "only a call or a meeting can carry a recording; log it as a call", field="recording"
        )
