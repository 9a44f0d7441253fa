"""The pure rules of tasks: buckets in the organisation's time zone, validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from kluis.errors import InvalidField
from kluis.tasks import rules
from kluis.tasks.rules import Bucket

ZONE = "Europe/Amsterdam"
# Wednesday 2026-03-11, 23:30 in Amsterdam (22:30 UTC): still Wednesday there
LATE_WEDNESDAY = datetime(2026, 3, 11, 22, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("due_on", "due_time", "expected"),
    [
        (date(2026, 3, 10), None, Bucket.OVERDUE),
        (date(2026, 3, 11), None, Bucket.TODAY),
        (date(2026, 3, 11), time(23, 0), Bucket.OVERDUE),
        (date(2026, 3, 11), time(23, 45), Bucket.TODAY),
        (date(2026, 3, 12), None, Bucket.THIS_WEEK),
        (date(2026, 3, 15), time(9, 0), Bucket.THIS_WEEK),
        (date(2026, 3, 16), None, Bucket.LATER),
    ],
)
def test_buckets_follow_the_organisations_day(
    due_on: date, due_time: time | None, expected: Bucket
) -> None:
    assert rules.bucket(due_on, due_time, LATE_WEDNESDAY, ZONE) is expected


def test_in_utc_the_same_moment_is_already_thursday() -> None:
    assert (
        rules.bucket(date(2026, 3, 11), None, datetime(2026, 3, 12, 0, 30, tzinfo=UTC), "UTC")
        is Bucket.OVERDUE
    )
    assert rules.today(LATE_WEDNESDAY, ZONE) == date(2026, 3, 11)


def test_on_sunday_this_week_is_empty() -> None:
    sunday = datetime(2026, 3, 15, 10, 0, tzinfo=UTC)
    assert rules.bucket(date(2026, 3, 16), None, sunday, ZONE) is Bucket.LATER


@pytest.mark.parametrize(
    ("value", "field"),
    [("", "title"), ("\u200b  ", "title"), ("x" * 201, "title")],
)
def test_titles_are_refused_naming_the_field_never_the_value(value: str, field: str) -> None:
    with pytest.raises(InvalidField) as refused:
        rules.clean_title(value)
    assert refused.value.field == field
    if value.strip("\u200b "):
        assert value not in refused.value.detail


def test_a_title_loses_invisible_controls_and_extra_spaces() -> None:
    assert rules.clean_title("  Call\u202e   back ") == "Call back"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: rules.parse_priority("urgent"), "priority"),
        (lambda: rules.parse_due_on(""), "due_on"),
        (lambda: rules.parse_due_on("14-03-2026"), "due_on"),
        (lambda: rules.parse_due_time("25:00"), "due_time"),
        (lambda: rules.clean_notes("x" * 4001), "notes"),
        (lambda: rules.check_link("p", None), "purpose"),
        (lambda: rules.check_link(None, "sales"), "purpose"),
    ],
)
def test_validation_names_the_field(call: object, field: str) -> None:
    with pytest.raises(InvalidField) as refused:
        call()  # type: ignore[operator]
    assert refused.value.field == field


def test_parsing() -> None:
    assert rules.parse_priority(None) is rules.Priority.NORMAL
    assert rules.parse_priority(" HIGH ") is rules.Priority.HIGH
    assert rules.parse_due_time("9:05") == time(9, 5)
    assert rules.parse_due_time("09:05:00") == time(9, 5)
    assert rules.parse_due_time("") is None
    assert rules.clean_notes("  ") is None


def test_sort_puts_timed_and_high_first_within_a_day() -> None:
    day = date(2026, 3, 11)
    keys = sorted(
        [("low", None), ("high", None), ("normal", time(9, 0))],
        key=lambda t: rules.sort_key(day, t[1], t[0]),
    )
    assert [k[0] for k in keys] == ["normal", "high", "low"]


def test_summary_and_reminder_day() -> None:
    summary = rules.summarise([Bucket.OVERDUE, Bucket.TODAY, Bucket.TODAY, Bucket.LATER])
    assert (summary.overdue, summary.today, summary.empty) == (1, 2, False)
    assert rules.summarise([Bucket.LATER]).empty
    # 06:30 UTC is 07:30 in Amsterdam in March
    assert rules.reminder_day(datetime(2026, 3, 11, 6, 30, tzinfo=UTC), ZONE, 7) == date(
        2026, 3, 11
    )
    assert rules.reminder_day(datetime(2026, 3, 11, 5, 30, tzinfo=UTC), ZONE, 7) is None
