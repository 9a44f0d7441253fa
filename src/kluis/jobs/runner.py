"""Running one job, the same way whichever queue handed it over (the embedded table, procrastinate
or, in an app made around an open Kluis, at once): the outcome, and one log line with the job's
name, id and time, never its arguments' values beyond ids."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kluis.jobs.registry import Job, JobContext, Retry, Stopped

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    DONE = "done"
    STOPPED = "stopped"
    """Gave up between two messages or batches because the worker stops: queue again at once."""
    RETRY = "retry"
    """Cannot run yet: queue again after ``Result.seconds``."""
    FAILED = "failed"
    """Raised: queue again after a back-off, or give up after ``Job.max_attempts``."""


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    seconds: float = 0.0
    error: str | None = None
    """The exception's class name only: its message could quote a person's value."""


def run(job: Job, args: dict[str, Any], context: JobContext, job_id: object = "-") -> Result:
    started = time.monotonic()
    try:
        job.run(context, **args)
    except Stopped:
        log.info("job %s #%s stopped (the worker stops); it resumes", job.name, job_id)
        return Result(Outcome.STOPPED)
    except Retry as retry:
        log.info("job %s #%s waits %.0f s: %s", job.name, job_id, retry.seconds, retry)
        return Result(Outcome.RETRY, retry.seconds)
    except Exception as exc:
        log.exception("job %s #%s failed (attempt %s)", job.name, job_id, context.attempt)
        return Result(Outcome.FAILED, error=type(exc).__name__)
    log.info("job %s #%s done in %.1f s", job.name, job_id, time.monotonic() - started)
    return Result(Outcome.DONE)
