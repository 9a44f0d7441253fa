"""Pure rules of tasks: validation, the due buckets of "My tasks", the daily reminder's moment.

Days are the organisation's days (``KLUIS_TIME_ZONE``), not UTC's: a task due "today" in
Amsterdam is due until midnight there. Every rule takes ``now`` (DESIGN.md invariant 7).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from kluis.errors import InvalidField

TITLE_MAX = 200
NOTES_MAX = 4000


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class Bucket(StrEnum):
    """Where an open task stands on "My tasks", in page order."""

    OVERDUE = "overdue"
    TODAY = "today"
    THIS_WEEK = "this_week"
    LATER = "later"


BUCKETS = tuple(Bucket)

_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
"""Zero-width and bidirectional controls: they make a title read as another (as in names)."""

_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def local_now(now: datetime, zone: str) -> datetime:
    return now.astimezone(ZoneInfo(zone))


def today(now: datetime, zone: str) -> date:
    """The organisation's date at ``now``."""
    return local_now(now, zone).date()


def bucket(due_on: date, due_time: time | None, now: datetime, zone: str) -> Bucket:
    """Overdue: a past day, or today past its time; today; this week: the rest of the ISO week
    (Monday to Sunday) after today; later."""
    local = local_now(now, zone)
    day = local.date()
    if due_on < day:
        return Bucket.OVERDUE
    if due_on == day:
        if due_time is not None and local.time().replace(tzinfo=None) >= due_time:
            return Bucket.OVERDUE
        return Bucket.TODAY
    sunday = day + timedelta(days=6 - day.weekday())
    return Bucket.THIS_WEEK if due_on <= sunday else Bucket.LATER


def sort_key(due_on: date, due_time: time | None, priority: str) -> tuple[date, time, int]:
    """Earliest first; a task without a time comes at the end of its day; high before low."""
    rank = {Priority.HIGH.value: 0, Priority.NORMAL.value: 1, Priority.LOW.value: 2}
    return due_on, due_time or time(23, 59, 59), rank.get(priority, 1)


def clean_title(value: str) -> str:
    """The title to keep: invisible controls removed, spaces collapsed; refused when empty or
    longer than ``TITLE_MAX``. Errors name the field, never the value."""
    text = " ".join(_INVISIBLE.sub("", unicodedata.normalize("NFC", value)).split())
    if not text:
        raise InvalidField("title is empty; say what is to be done", field="title")
    if len(text) > TITLE_MAX:
        raise InvalidField(
            f"title is longer than {TITLE_MAX} characters; put the rest in the notes",
            field="title",
        )
    return text


def clean_notes(value: str | None) -> str | None:
    if value is None:
        return None
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", value)).strip()
    if len(text) > NOTES_MAX:
        raise InvalidField(f"notes are longer than {NOTES_MAX} characters", field="notes")
    return text or None


def parse_priority(value: str | None) -> Priority:
    try:
        return Priority((value or "normal").strip().lower())
    except ValueError:
        raise InvalidField("priority must be low, normal or high", field="priority") from None


def parse_due_on(value: str | date | None) -> date:
    if isinstance(value, date):
        return value
    if not value or not value.strip():
        raise InvalidField("due date is missing; give a day as YYYY-MM-DD", field="due_on")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidField("due date is not a day in the form YYYY-MM-DD", field="due_on") from None


def parse_due_time(value: str | time | None) -> time | None:
    if value is None or isinstance(value, time):
        return value
    text = value.strip()
    if not text:
        return None
    found = _TIME.match(text[:5] if len(text) == 8 and text.endswith(":00") else text)
    if found is None:
        raise InvalidField("due time is not a time of day in the form HH:MM", field="due_time")
    return time(int(found.group(1)), int(found.group(2)))


def check_link(person_id: str | None, purpose_key: str | None) -> None:
    """A task about a person is worked under a purpose (Art. 5(1)(b)); one about nobody has
    none, since a purpose binds processing of someone's data."""
    if person_id and not purpose_key:
        raise InvalidField(
            "a task about a person needs the purpose it is worked under", field="purpose"
        )
    if purpose_key and not person_id:
        raise InvalidField("a purpose is given only with the person it is about", field="purpose")


def about_activity(
    person_id: str | None, purpose_key: str | None, activity_person: str, activity_purpose: str
) -> tuple[str, str]:
    """The person and purpose of a task about an activity: the activity's own. An activity is
    about a person, logged under a purpose, so a task about it is about that person under that
    purpose (its title sealed with their key, gone with them or the purpose, Art. 5(1)(b),
    17); a person or purpose given as well must be the same ones."""
    if person_id and person_id != activity_person:
        raise InvalidField(
            "the activity is about another person than the task", field="activity_id"
        )
    if purpose_key and purpose_key != activity_purpose:
        raise InvalidField(
            "the activity was logged under another purpose than the task's", field="activity_id"
        )
    return activity_person, activity_purpose


@dataclass(frozen=True)
class Summary:
    """What the daily reminder says: counts, never a person's title."""

    overdue: int
    today: int

    @property
    def empty(self) -> bool:
        return self.overdue == 0 and self.today == 0


def summarise(buckets: list[Bucket]) -> Summary:
    return Summary(
        overdue=sum(1 for b in buckets if b is Bucket.OVERDUE),
        today=sum(1 for b in buckets if b is Bucket.TODAY),
    )


def reminder_day(now: datetime, zone: str, hour: int) -> date | None:
    """The organisation's day whose reminder may go at ``now``: from ``hour`` o'clock there;
    None before it (a mail at 00:05 is read as yesterday's)."""
    local = local_now(now, zone)
    return local.date() if local.hour >= hour else None
