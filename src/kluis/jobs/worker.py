"""A procrastinate worker running Kluis' jobs (``kluis worker`` on PostgreSQL).

Each ``Job`` becomes a procrastinate task of the same name on the ``kluis`` queue; a periodic
one is also a procrastinate periodic task (``rules.cron_for``), which every worker's deferrer
offers and procrastinate queues once per tick across all of them. Sync job functions run in
procrastinate's thread, one job at a time per worker.

What a crash or a signal does:

- SIGTERM or SIGINT sets the stop flag the job checks between messages and batches; the job
  gives up (``Stopped``) and is queued again at once for any worker, and the worker exits within
  ``rules.STOP_WITHIN`` seconds (procrastinate's ``shutdown_graceful_timeout`` backs it up).
- kill -9 leaves the job ``doing`` with a worker whose heartbeat stops. Every worker looks for
  such stalled jobs every ``STALLED_EVERY`` seconds (procrastinate's ``get_stalled_jobs``,
  heartbeat older than ``STALLED_AFTER``) and queues them again; the job resumes where its
  committed work stopped.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
from typing import Any

import procrastinate
from procrastinate import exceptions, retry
from procrastinate.jobs import Job as QueuedJob

from kluis.db import utcnow
from kluis.jobs import pg, rules, runner
from kluis.jobs.registry import Job, JobContext, Registry
from kluis.jobs.runner import Outcome, Result
from kluis.runtime import Kluis

log = logging.getLogger(__name__)

STALLED_AFTER = 30.0
STALLED_EVERY = 10.0


class _Again(Exception):
    def __init__(self, result: Result) -> None:
        super().__init__(result.outcome.value)
        self.result = result


class _Quiet(logging.Filter):
    """procrastinate logs the exception of every retried job with its traceback; a stop or a
    wait is no error (the job logged its own line), so its traceback is left out."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], _Again):
            record.exc_info = None
            record.exc_text = None
        return True


class _Strategy(retry.BaseRetryStrategy):
    """Stopped: again at once; Retry: after its wait; a failure: after ``rules.backoff``, up
    to the job's ``max_attempts`` runs."""

    def __init__(self, max_attempts: int) -> None:
        self.max_attempts = max_attempts

    def get_retry_decision(
        self, *, exception: BaseException, job: QueuedJob
    ) -> retry.RetryDecision | None:
        if not isinstance(exception, _Again):
            return None
        result = exception.result
        if result.outcome is Outcome.STOPPED:
            return retry.RetryDecision(retry_in={"seconds": 0})
        if result.outcome is Outcome.RETRY:
            return retry.RetryDecision(retry_in={"seconds": int(result.seconds)})
        if rules.gives_up(job.attempts + 1, self.max_attempts):
            return None
        wait = rules.backoff(job.attempts + 1)
        return retry.RetryDecision(retry_in={"seconds": int(wait.total_seconds())})


def conninfo(k: Kluis) -> str:
    """libpq's connection string for Kluis' data store (procrastinate speaks psycopg)."""
    return k.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def build(k: Kluis, registry: Registry, stop: threading.Event) -> procrastinate.App:
    """A procrastinate app with one task per job, run against the open ``k``."""
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(k), min_size=1, max_size=3)
    )
    for job in registry.jobs.values():
        _register(app, k, registry, job, stop)
    return app


def _register(
    app: procrastinate.App, k: Kluis, registry: Registry, job: Job, stop: threading.Event
) -> None:
    def run(context: procrastinate.JobContext, /, **args: Any) -> None:
        args.pop("timestamp", None)  # a periodic run's tick; the job reads the clock
        queued = context.job
        job_context = JobContext(k, utcnow, None, stop, (queued.attempts or 0) + 1)
        result = runner.run(job, args, job_context, queued.id)
        if result.outcome is not Outcome.DONE:
            raise _Again(result)

    task = app.task(
        name=job.name,
        queue=pg.QUEUE,
        pass_context=True,
        retry=_Strategy(job.max_attempts),
    )(run)
    for periodic, hours in registry.periodic(k.settings):
        if periodic is job:
            app.periodic(cron=rules.cron_for(hours), periodic_id=job.name)(task)  # type: ignore[arg-type]


async def _retry_stalled(app: procrastinate.App) -> None:
    """Queue again the jobs of workers that died (kill -9, a lost machine)."""
    while True:
        try:
            for stalled in await app.job_manager.get_stalled_jobs(
                seconds_since_heartbeat=STALLED_AFTER
            ):
                try:
                    await app.job_manager.retry_job(stalled)
                    log.warning(
                        "job %s #%s: its worker died; queued again", stalled.task_name, stalled.id
                    )
                except exceptions.ConnectorException:
                    pass  # another worker queued it first
        except Exception:
            log.exception("looking for stalled jobs failed; trying again")
        await asyncio.sleep(STALLED_EVERY)


async def _main(k: Kluis, registry: Registry, stop: threading.Event) -> None:
    pg.ensure_schema(k.engine)
    app = build(k, registry, stop)
    loop = asyncio.get_running_loop()
    async with app.open_async():
        working = asyncio.create_task(
            app.run_worker_async(
                queues=[pg.QUEUE],
                name=socket.gethostname(),
                install_signal_handlers=False,
                shutdown_graceful_timeout=rules.STOP_WITHIN - 2,
            )
        )

        def on_signal() -> None:
            log.info("worker stopping: the current job stops after its current message")
            stop.set()
            working.cancel()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_signal)
        stalled = asyncio.create_task(_retry_stalled(app))
        try:
            await working
        except asyncio.CancelledError:
            pass
        finally:
            stalled.cancel()


def run(k: Kluis, registry: Registry, stop: threading.Event | None = None) -> None:
    """Work the queue until SIGTERM or SIGINT."""
    logging.getLogger("procrastinate.worker").addFilter(_Quiet())
    asyncio.run(_main(k, registry, stop or threading.Event()))
