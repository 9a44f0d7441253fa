"""Putting a job in the queue, and how the queue is doing, whichever the data store is.

On SQLite the ``jobs`` table (``store``), worked by the thread inside ``kluis serve``; on
PostgreSQL procrastinate (``pg``), worked by ``kluis worker`` processes. ``queue_reachable`` and
``job_counts`` are what /readyz and /metrics report (issue 16).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import ModuleType
from typing import Any

from kluis.db import utcnow
from kluis.jobs import store
from kluis.jobs.registry import check_arguments
from kluis.runtime import Kluis


def _pg() -> ModuleType:
    # lazy: procrastinate takes ~0.3 s to import and only PostgreSQL needs it
    from kluis.jobs import pg

    return pg


def on_postgres(k: Kluis) -> bool:
    return k.engine.dialect.name == "postgresql"


def prepare(k: Kluis) -> None:
    """Make the queue ready to take jobs: on PostgreSQL, procrastinate's schema applied (once,
    under a lock). ``kluis init`` and ``kluis serve`` call it, so /readyz is true from the start
    and not only after the first worker or job."""
    if on_postgres(k):
        _pg().ensure_schema(k.engine)


def enqueue(k: Kluis, name: str, args: Mapping[str, Any], now: datetime | None = None) -> None:
    """Queue job ``name`` with plain JSON ``args`` (ids, never personal values)."""
    plain = check_arguments(args)
    if on_postgres(k):
        _pg().defer(k.engine, name, plain)
    else:
        store.enqueue(k.engine, name, plain, now or utcnow())


def queue_reachable(k: Kluis) -> bool:
    """Whether jobs can be queued: the data store answers (and, on PostgreSQL, holds
    procrastinate's tables)."""
    if on_postgres(k):
        return bool(_pg().reachable(k.engine))
    try:
        store.counts(k.engine, utcnow())
    except Exception:
        return False
    return True


def live_workers(k: Kluis) -> int | None:
    """``kluis worker`` processes alive on PostgreSQL; None on SQLite, where the server works
    the queue itself."""
    if not on_postgres(k):
        return None
    found: int = _pg().live_workers(k.engine)
    return found


def job_counts(k: Kluis, now: datetime | None = None) -> dict[str, int]:
    """Jobs ``queued``, ``running`` and ``failed`` (no names, no arguments)."""
    if on_postgres(k):
        counts: dict[str, int] = _pg().counts(k.engine)
        return counts
    return store.counts(k.engine, now or utcnow())
