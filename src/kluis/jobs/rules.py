"""Pure decisions of the job queue: when a failed job runs again, which time slot a periodic
job is in, how often procrastinate's schedule fires. No I/O; ``now`` is passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

LEASE = timedelta(seconds=60)
"""How long a claimed job stays the worker's without a heartbeat; a dead worker's job is taken
again after this."""
HEARTBEAT = timedelta(seconds=15)
STOP_WITHIN = 10.0
"""Seconds a worker or server may take to stop after SIGTERM (issue 16)."""
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def backoff(failures: int) -> timedelta:
    """Wait before the next attempt after ``failures`` failures: 30 s, 2 min, 8 min, ... capped
    at one hour, so a mail server that is down is not hammered."""
    return timedelta(seconds=min(30 * 4 ** max(failures - 1, 0), 3600))


def gives_up(failures: int, max_attempts: int) -> bool:
    return failures >= max_attempts


def slot(now: datetime, hours: int) -> datetime:
    """The start of the ``hours``-long slot ``now`` falls in, counted from a fixed epoch, so
    every process computes the same slot and the run of a slot is queued once."""
    period = timedelta(hours=hours)
    return EPOCH + ((now - EPOCH) // period) * period


def periodic_key(name: str, now: datetime, hours: int) -> str:
    return f"{name}@{slot(now, hours).strftime('%Y-%m-%dT%H:%MZ')}"


def cron_for(hours: int) -> str:
    """procrastinate's schedule for every ``hours`` hours: at the hour marks when ``hours``
    divides a day, at midnight every ``hours // 24`` days from 24 hours, else hourly
    (the job itself is idempotent, and a sweep run more often than asked does no harm)."""
    if hours < 24 and 24 % hours == 0:
        return "0 * * * *" if hours == 1 else f"0 */{hours} * * *"
    if hours >= 24:
        days = hours // 24
        return "0 0 * * *" if days == 1 else f"0 0 */{days} * *"
    return "0 * * * *"
