"""The daily task reminder as a periodic job: every hour while a mail server is configured;
each run sends what today still owes (``reminders.send_daily`` keeps it to once a user a day),
so a worker that was down at the reminder hour catches up at the next."""

from __future__ import annotations

import logging

from kluis.jobs import Job, JobContext
from kluis.settings import Settings
from kluis.tasks import reminders

log = logging.getLogger(__name__)


def _hourly(settings: Settings) -> int | None:
    return 1 if settings.smtp_url else None


def _remind(context: JobContext) -> None:
    report = reminders.send_daily(
        context.kluis,
        context.clock(),
        context.transport,  # type: ignore[arg-type]
    )
    if report.day is not None and (report.sent or report.failed):
        log.info(
            "task reminders for %s: %s sent, %s failed", report.day, report.sent, report.failed
        )


daily_reminders = Job("tasks.reminders", _remind, every=_hourly, max_attempts=2)
