"""Pure rules of the compliance slice: the breach clock and the shape of a finding.

Art. 33(1): the controller notifies the supervisory authority "without undue delay and, where
feasible, not later than 72 hours after having become aware of it", and gives the reasons for any
delay. 72 hours are 72 real hours: the deadline is computed in UTC, so a daylight-saving change
inside the window neither adds nor removes an hour (adding ``timedelta(hours=72)`` to a datetime
in a zone with DST would move the wall clock by three days instead, which is one hour off when
the clocks change in between).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

AUTHORITY_DEADLINE = timedelta(hours=72)
"""Art. 33(1): notify the supervisory authority within 72 hours of becoming aware."""

SOON = timedelta(hours=24)
"""An unnotified breach this close to its deadline is a finding before it is overdue."""


class PeopleExemption(StrEnum):
    """Why the people need not be told (Art. 34(3)); each must be documented (Art. 33(5))."""

    UNINTELLIGIBLE = "unintelligible"
    """(a) the data was unintelligible to anyone not authorised, e.g. encrypted: with per-person
    AES-256-GCM keys held in a separate keyring that was not compromised, a copy of the data
    store is ciphertext only."""
    MITIGATED = "mitigated"
    """(b) measures taken afterwards ensure the high risk is no longer likely to materialise."""
    DISPROPORTIONATE = "disproportionate_effort"
    """(c) telling each person would take disproportionate effort; a public communication was
    made instead."""


class BreachRuleError(ValueError):
    """A breach change the rules refuse; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise BreachRuleError(f"{name} needs a time zone (e.g. 2026-03-14T09:30+01:00)", name)
    return value.astimezone(UTC)


def authority_deadline(detected_at: datetime) -> datetime:
    """72 real hours after detection, in UTC."""
    return _aware(detected_at, "detected_at") + AUTHORITY_DEADLINE


def hours_left(detected_at: datetime, now: datetime) -> float:
    """Hours until the deadline (negative once it passed)."""
    return (authority_deadline(detected_at) - _aware(now, "now")).total_seconds() / 3600


def is_late(detected_at: datetime, notified_at: datetime) -> bool:
    """Notified after the 72 hours: Art. 33(1) then asks for the reasons for the delay."""
    return _aware(notified_at, "at") > authority_deadline(detected_at)


@dataclass(frozen=True)
class Clock:
    """Where a breach stands against the 72 hours at ``now``."""

    deadline: datetime
    hours_left: float
    overdue: bool
    """Not notified, no documented reason why not, and the 72 hours have passed."""
    due_soon: bool
    late: bool
    """Notified, but after the deadline."""


def clock(
    detected_at: datetime,
    authority_notified_at: datetime | None,
    authority_not_required: bool,
    now: datetime,
) -> Clock:
    deadline = authority_deadline(detected_at)
    left = hours_left(detected_at, now)
    open_ = authority_notified_at is None and not authority_not_required
    return Clock(
        deadline=deadline,
        hours_left=left,
        overdue=open_ and left < 0,
        due_soon=open_ and 0 <= left <= SOON.total_seconds() / 3600,
        late=authority_notified_at is not None and is_late(detected_at, authority_notified_at),
    )


def check_detected(detected_at: datetime, now: datetime) -> None:
    if _aware(detected_at, "detected_at") > _aware(now, "now"):
        raise BreachRuleError(
            "detected_at lies in the future; give the moment it was found", "detected_at"
        )


def check_window(start: datetime | None, end: datetime | None) -> None:
    if start is not None:
        _aware(start, "window_start")
    if end is not None:
        _aware(end, "window_end")
    if start is not None and end is not None and end < start:
        raise BreachRuleError("window_end lies before window_start", "window_end")


def check_authority_notice(
    detected_at: datetime, at: datetime, now: datetime, late_reason: str | None
) -> None:
    """A notification to the authority: not before detection, not in the future, and with the
    reasons for the delay when it came after the 72 hours (Art. 33(1))."""
    at_utc = _aware(at, "at")
    if at_utc < _aware(detected_at, "detected_at"):
        raise BreachRuleError("the notification cannot come before the breach was detected", "at")
    if at_utc > _aware(now, "now"):
        raise BreachRuleError("the notification time lies in the future", "at")
    if is_late(detected_at, at) and not (late_reason and late_reason.strip()):
        deadline = authority_deadline(detected_at).strftime("%Y-%m-%d %H:%M UTC")
        raise BreachRuleError(
            f"this notification came after the 72-hour deadline ({deadline}); Art. 33(1) "
            "requires the reasons for the delay: give late_reason",
            "late_reason",
        )


def check_people_notice(detected_at: datetime, at: datetime, now: datetime) -> None:
    at_utc = _aware(at, "at")
    if at_utc < _aware(detected_at, "detected_at"):
        raise BreachRuleError("the people cannot be told before the breach was detected", "at")
    if at_utc > _aware(now, "now"):
        raise BreachRuleError("the notification time lies in the future", "at")


def parse_exemption(value: str) -> PeopleExemption:
    try:
        return PeopleExemption(value)
    except ValueError:
        choices = ", ".join(e.value for e in PeopleExemption)
        raise BreachRuleError(
            f"exemption is not one of {choices} (Art. 34(3)(a)-(c))", "exemption"
        ) from None


# Findings ---------------------------------------------------------------------------------------


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


SEVERITY_ORDER = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


@dataclass(frozen=True)
class Finding:
    """One concrete thing to fix: what, under which rule, how bad, and how to fix it."""

    code: str
    severity: Severity
    article: str
    message: str
    fix: str
    subject: str | None = None
    """What it is about: a purpose key, ``breach:3``, ``request:7``, ``user:2``; none for
    findings about the whole system."""
    count: int | None = None
    details: dict[str, object] = field(default_factory=dict)
    said: str = ""
    """``message`` as a msgid for a page, with ``said_values`` (a moment as a datetime, which
    the page says as a date): a staff page says it in the reader's language (Art. 12(1))."""
    said_values: dict[str, object] = field(default_factory=dict)


PAGE_ONLY = ("said", "said_values")
"""The fields the API and ``kluis check --json`` leave out: they keep ``message``."""


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.code, f.subject or ""))


def has_high(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.HIGH for f in findings)


REQUEST_SOON = timedelta(days=7)
"""A privacy request this close to its deadline (Art. 12(3)) is flagged before it is late."""

STAFF_IDLE = timedelta(days=90)
"""A broad-role account unused this long should be reviewed (Art. 32(1)(b), least privilege)."""


def request_deadline(due_at: datetime, extended_to: datetime | None) -> datetime:
    return extended_to if extended_to is not None else due_at
