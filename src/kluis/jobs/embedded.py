"""The embedded worker: the queue of ``jobs`` rows worked by one thread inside ``kluis serve``
(SQLite, one machine), and by ``kluis worker`` when the data store is SQLite.

The thread claims a due job (or one whose worker's lease lapsed: that worker died), runs it while
a heartbeat renews the lease, and settles it. Periodic jobs are queued once per time slot
(``rules.periodic_key``, unique in the table). ``stop()`` sets the stop flag the jobs check
between messages and batches (``JobContext.pause``) and waits at most ``rules.STOP_WITHIN``
seconds: a stopped job goes back to the queue and resumes at the next start.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from kluis.db import utcnow
from kluis.jobs import rules, runner, store
from kluis.jobs.registry import JobContext, Registry, Transport
from kluis.jobs.runner import Outcome
from kluis.jobs.store import Claimed
from kluis.runtime import Kluis

log = logging.getLogger(__name__)

KEEP_DONE = timedelta(days=7)
SCHEDULE_EVERY = timedelta(minutes=1)


class EmbeddedWorker:
    """One thread working the ``jobs`` table until ``stop()``."""

    def __init__(
        self,
        kluis: Kluis,
        registry: Registry,
        *,
        clock: Callable[[], datetime] = utcnow,
        transport: Transport | None = None,
        poll: float = 1.0,
    ) -> None:
        self.kluis = kluis
        self.registry = registry
        self.clock = clock
        self.transport = transport
        self.poll = poll
        self.name = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._scheduled_at: datetime | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="kluis-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = rules.STOP_WITHIN) -> bool:
        """Ask the running job to stop at its next message or batch and wait for the thread;
        False when it did not end within ``timeout`` (a mail server that hangs): the daemon
        thread then ends with the process, and its unfinished message is never sent twice
        (a message marked ``sending`` is ``interrupted`` at the resume)."""
        self.stopping.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def run(self) -> None:
        log.info("job worker %s started", self.name)
        while not self.stopping.is_set():
            try:
                self._schedule()
                claimed = store.claim(self.kluis.engine, self.name, self.clock())
            except Exception:
                log.exception("job worker: the queue could not be read; trying again")
                claimed = None
            if claimed is None:
                self.stopping.wait(self.poll)
                continue
            try:
                self._work(claimed)
            except Exception:  # settling failed: the lease lapses and the job runs again
                log.exception("job worker: job #%s could not be settled", claimed.id)
                self.stopping.wait(self.poll)
        log.info("job worker %s stopped", self.name)

    def drain(self) -> int:
        """Run every due job in this thread until none is left (tests, ``kluis worker
        --until-empty``); how many ran."""
        ran = 0
        self._schedule()
        while not self.stopping.is_set():
            claimed = store.claim(self.kluis.engine, self.name, self.clock())
            if claimed is None:
                break
            self._work(claimed)
            ran += 1
        return ran

    def _schedule(self) -> None:
        now = self.clock()
        if self._scheduled_at is not None and now - self._scheduled_at < SCHEDULE_EVERY:
            return
        self._scheduled_at = now
        for job, hours in self.registry.periodic(self.kluis.settings):
            key = rules.periodic_key(job.name, now, hours)
            if store.enqueue(self.kluis.engine, job.name, {}, now, periodic_key=key):
                log.info("periodic job %s queued (%s)", job.name, key)
        store.prune(self.kluis.engine, now - KEEP_DONE)

    def _work(self, claimed: Claimed) -> None:
        engine = self.kluis.engine
        try:
            job = self.registry[claimed.name]
        except KeyError:
            log.error("job #%s names no known job (%s); failed", claimed.id, claimed.name)
            store.settle(engine, claimed.id, self.name, self.clock(), "failed", failed=True)
            return
        if rules.gives_up(claimed.failures, job.max_attempts):
            log.error(
                "job %s #%s: its worker died %s times; failed",
                job.name,
                claimed.id,
                claimed.failures,
            )
            store.settle(engine, claimed.id, self.name, self.clock(), "failed")
            return
        context = JobContext(self.kluis, self.clock, self.transport, self.stopping, claimed.attempt)
        with self._heartbeat(claimed.id):
            result = runner.run(job, claimed.args, context, claimed.id)
        now = self.clock()
        if result.outcome is Outcome.DONE:
            store.settle(engine, claimed.id, self.name, now, "done")
        elif result.outcome is Outcome.STOPPED:
            store.settle(engine, claimed.id, self.name, now, "queued")
        elif result.outcome is Outcome.RETRY:
            after = now + timedelta(seconds=result.seconds)
            store.settle(engine, claimed.id, self.name, now, "queued", run_after=after)
        elif rules.gives_up(claimed.failures + 1, job.max_attempts):
            store.settle(
                engine, claimed.id, self.name, now, "failed", failed=True, error=result.error
            )
        else:
            after = now + rules.backoff(claimed.failures + 1)
            store.settle(
                engine,
                claimed.id,
                self.name,
                now,
                "queued",
                run_after=after,
                failed=True,
                error=result.error,
            )

    @contextmanager
    def _heartbeat(self, job_id: int) -> Iterator[None]:
        done = threading.Event()

        def beat() -> None:
            while not done.wait(rules.HEARTBEAT.total_seconds()):
                try:
                    store.renew(self.kluis.engine, job_id, self.name, self.clock())
                except Exception:
                    log.exception("job worker: heartbeat of job #%s failed", job_id)

        thread = threading.Thread(target=beat, name="kluis-jobs-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()
