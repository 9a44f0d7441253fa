"""The breach clock: 72 real hours from detection, whatever the zone and whatever the clocks do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kluis.compliance import rules
from kluis.compliance.rules import BreachRuleError, Finding, Severity

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def test_the_deadline_is_72_hours_later_in_utc() -> None:
    detected = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    assert rules.authority_deadline(detected) == datetime(2026, 3, 17, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("zone", [AMSTERDAM, NEW_YORK, TOKYO, UTC])
def test_the_same_moment_in_any_zone_has_the_same_deadline(zone: ZoneInfo) -> None:
    detected = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    assert rules.authority_deadline(detected.astimezone(zone)) == datetime(
        2026, 6, 4, 12, 0, tzinfo=UTC
    )


def test_spring_forward_does_not_shorten_the_72_hours() -> None:
    # Europe/Amsterdam moves from 02:00 to 03:00 on 29 March 2026: three calendar days from
    # noon on the 27th are only 71 real hours; the deadline is 13:00 local on the 30th.
    detected = datetime(2026, 3, 27, 12, 0, tzinfo=AMSTERDAM)
    deadline = rules.authority_deadline(detected)
    assert deadline - detected.astimezone(UTC) == timedelta(hours=72)
    assert deadline.astimezone(AMSTERDAM) == datetime(2026, 3, 30, 13, 0, tzinfo=AMSTERDAM)
    wall_clock = detected + timedelta(hours=72)  # what naive zone arithmetic gives
    assert wall_clock.astimezone(UTC) != deadline


def test_fall_back_does_not_lengthen_the_72_hours() -> None:
    # Back from 03:00 to 02:00 on 25 October 2026: the deadline is 11:00 local on the 26th.
    detected = datetime(2026, 10, 23, 12, 0, tzinfo=AMSTERDAM)
    deadline = rules.authority_deadline(detected)
    assert deadline.astimezone(AMSTERDAM) == datetime(2026, 10, 26, 11, 0, tzinfo=AMSTERDAM)
    assert deadline - detected.astimezone(UTC) == timedelta(hours=72)


def test_us_dst_change_in_new_york() -> None:
    detected = datetime(2026, 3, 7, 9, 0, tzinfo=NEW_YORK)  # clocks spring forward on the 8th
    deadline = rules.authority_deadline(detected)
    assert deadline.astimezone(NEW_YORK) == datetime(2026, 3, 10, 10, 0, tzinfo=NEW_YORK)


def test_late_is_after_the_deadline_not_at_it() -> None:
    detected = datetime(2026, 3, 27, 12, 0, tzinfo=AMSTERDAM)
    deadline = rules.authority_deadline(detected)
    assert not rules.is_late(detected, deadline)
    assert rules.is_late(detected, deadline + timedelta(seconds=1))
    # written in another zone, the same instant is judged the same
    assert not rules.is_late(detected, deadline.astimezone(TOKYO))


def test_clock_overdue_due_soon_and_late() -> None:
    detected = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    early = rules.clock(detected, None, False, detected + timedelta(hours=1))
    assert (early.overdue, early.due_soon, early.hours_left) == (False, False, 71)
    soon = rules.clock(detected, None, False, detected + timedelta(hours=60))
    assert (soon.overdue, soon.due_soon) == (False, True)
    over = rules.clock(detected, None, False, detected + timedelta(hours=73))
    assert (over.overdue, over.hours_left) == (True, -1)
    exempt = rules.clock(detected, None, True, detected + timedelta(hours=73))
    assert not exempt.overdue
    late = rules.clock(
        detected, detected + timedelta(hours=80), False, detected + timedelta(days=5)
    )
    assert (late.overdue, late.late) == (False, True)


def test_a_late_notification_needs_a_reason() -> None:
    detected = datetime(2026, 3, 27, 12, 0, tzinfo=AMSTERDAM)
    now = detected + timedelta(days=10)
    # three calendar days later on the wall clock is only 71 real hours across the DST change
    rules.check_authority_notice(detected, detected + timedelta(hours=72, minutes=1), now, None)
    at = detected.astimezone(UTC) + timedelta(hours=72, minutes=1)
    with pytest.raises(BreachRuleError) as caught:
        rules.check_authority_notice(detected, at, now, None)
    assert caught.value.field == "late_reason"
    with pytest.raises(BreachRuleError):
        rules.check_authority_notice(detected, at, now, "   ")
    rules.check_authority_notice(detected, at, now, "the processor told us only on day four")
    rules.check_authority_notice(detected, detected + timedelta(hours=71), now, None)


def test_notification_times_must_make_sense() -> None:
    detected = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    with pytest.raises(BreachRuleError, match="before"):
        rules.check_authority_notice(detected, detected - timedelta(hours=1), detected, None)
    with pytest.raises(BreachRuleError, match="future"):
        rules.check_people_notice(detected, detected + timedelta(hours=2), detected)
    with pytest.raises(BreachRuleError, match="time zone"):
        rules.authority_deadline(datetime(2026, 3, 14, 9, 30))
    with pytest.raises(BreachRuleError, match="future"):
        rules.check_detected(detected + timedelta(minutes=1), detected)
    with pytest.raises(BreachRuleError):
        rules.check_window(detected, detected - timedelta(seconds=1))


def test_exemptions_are_the_three_of_article_34_3() -> None:
    assert rules.parse_exemption("unintelligible") is rules.PeopleExemption.UNINTELLIGIBLE
    with pytest.raises(BreachRuleError) as caught:
        rules.parse_exemption("encrypted")
    assert caught.value.field == "exemption"


def test_findings_sort_most_severe_first() -> None:
    low = Finding("b", Severity.LOW, "x", "m", "f")
    high = Finding("z", Severity.HIGH, "x", "m", "f")
    medium = Finding("a", Severity.MEDIUM, "x", "m", "f")
    assert rules.sort_findings([low, medium, high]) == [high, medium, low]
    assert rules.has_high([low, high])
    assert not rules.has_high([low, medium])
