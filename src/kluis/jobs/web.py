"""How a request handler hands work to the queue.

An app made around an already open Kluis (``create_app(kluis)``: tests, a program embedding
Kluis) has no worker of its own, so it runs the job at once, in the request's thread, through
the same job function, with the app's clock and mail transport (``app.state.jobs_inline``, a
``Registry``). ``kluis serve`` queues it for its worker thread (SQLite) or the ``kluis worker``
processes (PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from kluis.jobs import queue, runner
from kluis.jobs.registry import JobContext, Registry, Transport, check_arguments
from kluis.runtime import Kluis


def submit(
    state: Any,
    k: Kluis,
    name: str,
    args: Mapping[str, Any],
    *,
    clock: Callable[[], datetime],
    transport: Transport | None = None,
) -> None:
    """Queue job ``name``, or run it now when the app (``state``: ``app.state``) runs jobs
    inline; an inline failure is logged, as a queued one would be."""
    registry: Registry | None = getattr(state, "jobs_inline", None)
    if registry is None:
        queue.enqueue(k, name, args, clock())
        return
    context = JobContext(k, clock, transport)
    runner.run(registry[name], check_arguments(args), context, "inline")
