"""``kluis worker``: run background jobs until SIGTERM (issue 16). Listed by ``kluis.slices``.

On PostgreSQL it is a procrastinate worker (``kluis.jobs.worker``); start as many as you like,
on any machines sharing the data directory. On SQLite it works the embedded ``jobs`` table, as
the thread inside ``kluis serve`` does (useful to drain the queue from cron with
``--until-empty``). SIGTERM or Ctrl-C: the current job stops after its current message or batch
and goes back to the queue; the worker exits within ``jobs.rules.STOP_WITHIN`` seconds.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from types import FrameType
from typing import Annotated

import typer

from kluis import console
from kluis.jobs import Registry, worker
from kluis.jobs.embedded import EmbeddedWorker
from kluis.ops.logs import configure
from kluis.settings import Settings
from kluis.slices import jobs

commands = console.Commands()
log = logging.getLogger("kluis.worker")


def _exit_now_if_a_job_hangs() -> None:
    """A job still in procrastinate's thread after the grace (a mail server that does not
    answer) would hold the interpreter's exit: leave without it. Its message stays ``sending``
    and is marked ``interrupted`` at the resume, never sent twice."""
    lingering = [
        t
        for t in threading.enumerate()
        if t is not threading.current_thread() and not t.daemon and t.is_alive()
    ]
    if lingering:
        logging.getLogger(__name__).warning("a job did not stop in time; exiting without it")
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


@commands.command("worker")
def work(
    until_empty: Annotated[
        bool, typer.Option(help="Stop once no job is due (SQLite only), instead of waiting.")
    ] = False,
) -> None:
    """Run background jobs (campaign sends, imports, the schedule) until SIGTERM: on PostgreSQL,
    as many as you like on any machines; on SQLite `kluis serve` runs them itself."""
    configure(Settings())
    registry = Registry(jobs())
    with console.opened() as kluis:
        if kluis.engine.dialect.name == "postgresql":
            if until_empty:
                raise typer.BadParameter("--until-empty is for SQLite", param_hint="--until-empty")
            log.info("Kluis worker: procrastinate on PostgreSQL")
            worker.run(kluis, registry)
            _exit_now_if_a_job_hangs()
            return
        embedded = EmbeddedWorker(kluis, registry)

        def stop(_sig: int, _frame: FrameType | None) -> None:
            embedded.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("Kluis worker: the jobs table (SQLite)")
        if until_empty:
            embedded.drain()
        else:
            embedded.run()
