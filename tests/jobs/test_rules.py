"""The job queue's pure rules: back-off, periodic slots, procrastinate's schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kluis.jobs import rules

AT = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def test_backoff_grows_and_is_capped_at_an_hour() -> None:
    waits = [rules.backoff(n) for n in range(1, 8)]
    assert waits[:3] == [timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=8)]
    assert waits == sorted(waits)
    assert max(waits) == timedelta(hours=1)


def test_a_job_gives_up_after_its_attempts() -> None:
    assert not rules.gives_up(4, 5)
    assert rules.gives_up(5, 5)


def test_every_process_computes_the_same_slot() -> None:
    assert rules.slot(AT, 24) == datetime(2026, 3, 14, tzinfo=UTC)
    assert rules.slot(AT, 6) == datetime(2026, 3, 14, 6, tzinfo=UTC)
    assert rules.slot(AT + timedelta(hours=2, minutes=29), 6) == rules.slot(AT, 6)
    assert (
        rules.periodic_key("retention.scheduled", AT, 24) == "retention.scheduled@2026-03-14T00:00Z"
    )
    assert rules.periodic_key("x", AT, 24) != rules.periodic_key("x", AT + timedelta(days=1), 24)


def test_cron_for_the_schedule_hours() -> None:
    assert rules.cron_for(1) == "0 * * * *"
    assert rules.cron_for(6) == "0 */6 * * *"
    assert rules.cron_for(24) == "0 0 * * *"
    assert rules.cron_for(48) == "0 0 */2 * *"
    assert rules.cron_for(5) == "0 * * * *"
