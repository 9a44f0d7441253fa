"""What a job is: a name, a function of JSON arguments, and, for periodic jobs, how often.

A job function takes a ``JobContext`` (the open Kluis, the clock, the mail transport, the stop
flag) and keyword arguments that are plain JSON (ids, names, numbers): a job may wait in a queue
table for hours and run on another machine, so it carries no objects, and never personal values
(they would sit in the queue table in plain text, against invariant 1). It opens nothing itself.
Every job is idempotent and resumable: run twice, or run again after its process died halfway, it
finishes the work once (a campaign's claim and per-message status, an import's committed
position, the sweep's verdicts).

The slices name their jobs in ``kluis.slices`` (``jobs=("module:attribute", ...)``); this package
knows names and arguments only, so it stands low and every slice can enqueue.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kluis.runtime import Kluis
from kluis.settings import Settings

Transport = Callable[[], AbstractContextManager[Any]]
"""A mail transport factory (``messaging.service.TransportFactory``); None means SMTP."""


class Stopped(BaseException):
    """The worker was asked to stop (SIGTERM): the job gave up between two messages or batches,
    with nothing half done, and goes back to the queue to resume. A ``BaseException``, like
    ``KeyboardInterrupt``, so that a service's ``except Exception`` (which marks an import
    ``failed``) lets it through: a stop is not a failure."""


class Retry(Exception):
    """The job cannot run yet (a campaign another sender still holds): try again after
    ``seconds``, not counting as a failed attempt."""

    def __init__(self, seconds: float, why: str) -> None:
        super().__init__(why)
        self.seconds = seconds


@dataclass
class JobContext:
    """What a running job gets: it opens nothing itself."""

    kluis: Kluis
    clock: Callable[[], datetime]
    transport: Transport | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    attempt: int = 1
    """1 on the first run; a job run again after a crash or a stop sees 2, 3, ..."""

    def check(self) -> None:
        """Raise ``Stopped`` if the worker stops (between two batches of an import)."""
        if self.stop.is_set():
            raise Stopped

    def pause(self, seconds: float) -> None:
        """Wait ``seconds`` (a campaign's rate) unless asked to stop: then raise ``Stopped``, so
        a sender stops between two messages within the wait, not after the campaign."""
        if self.stop.wait(max(seconds, 0.0)):
            raise Stopped


JobFunction = Callable[..., None]


@dataclass(frozen=True)
class Job:
    """A job a slice offers: ``name`` is what the queue stores, ``run(context, **args)`` does
    it. ``every`` makes it periodic: the hours between runs for these settings (0 or None:
    not scheduled)."""

    name: str
    run: JobFunction
    every: Callable[[Settings], int | None] | None = None
    max_attempts: int = 5
    """Failures (exceptions other than ``Stopped`` and ``Retry``) before the job is ``failed``."""


def check_arguments(args: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments as the queue will store them; refuses what JSON cannot carry, so a job
    never depends on an object that exists only in the process that enqueued it."""
    plain: dict[str, Any] = json.loads(json.dumps(dict(args)))
    return plain


class Registry:
    """The jobs by name, as the slices list them."""

    def __init__(self, jobs: Iterable[Job]) -> None:
        self.jobs: dict[str, Job] = {}
        for job in jobs:
            if job.name in self.jobs:
                raise ValueError(f"two jobs are named {job.name}")
            self.jobs[job.name] = job

    def __getitem__(self, name: str) -> Job:
        return self.jobs[name]

    def periodic(self, settings: Settings) -> list[tuple[Job, int]]:
        """The jobs to schedule with these settings, with their hours."""
        found = []
        for job in self.jobs.values():
            hours = job.every(settings) if job.every is not None else None
            if hours:
                found.append((job, hours))
        return found
