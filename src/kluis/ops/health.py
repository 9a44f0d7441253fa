"""Readiness: may this process take requests? Each check is a named ``(kluis) -> bool``.

A load balancer or orchestrator asks ``/readyz`` without signing in, so the answer says no more
than ``ready`` or ``not ready`` and the names of the checks that failed: never an address, a
driver message or a revision (OWASP Logging and Error Handling: no internals to an anonymous
caller). Why a check failed goes to the log, by its exception's type only.

The checks read without taking SQLite's write lock (``db.READ_ONLY``): a long import or
campaign batch must not make the only process look unready.

``CHECKS`` is the list the probe runs; the job queue's check is ``kluis.jobs.queue.queue_reachable``
(on PostgreSQL: procrastinate's tables answer).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, select, text

from kluis import db
from kluis.jobs.queue import queue_reachable
from kluis.runtime import Kluis
from kluis.vault.tables import PersonKey

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    name: str
    passes: Callable[[Kluis], bool]


def _reachable(engine: Engine) -> bool:
    with engine.connect().execution_options(**db.READ_ONLY) as conn:
        return conn.execute(text("SELECT 1")).scalar() == 1


def data_store(k: Kluis) -> bool:
    return _reachable(k.engine)


def keyring_store(k: Kluis) -> bool:
    return _reachable(k.vault.engine)


def _current(engine: Engine, store: str) -> bool:
    heads = db.heads(store)
    with engine.connect().execution_options(**db.READ_ONLY) as conn:
        stored = db.stored_revisions(conn)
    # heads() gives none for scripts it cannot read (a merge): then any recorded revision passes
    return bool(stored) and (stored == heads or not heads)


def migrations(k: Kluis) -> bool:
    """Both stores at the newest revision of their migrations: a process of a newer release
    started before the one-off upgrade ran (docs/operations.md, Upgrading) is not ready."""
    return _current(k.engine, "data") and _current(k.vault.engine, "keyring")


def master_key(k: Kluis) -> bool:
    """The master key is loaded and opens the keyring: one wrapped person key unwraps (AES key
    wrap checks its integrity, RFC 3394), so a wrong master key is caught before any request."""
    with k.vault.engine.connect().execution_options(**db.READ_ONLY) as conn:
        person_id = conn.execute(
            select(PersonKey.person_id).order_by(PersonKey.person_id).limit(1)
        ).scalar()
    if person_id is None:
        return True
    k.vault.cipher(person_id)
    return True


CHECKS: list[Check] = [
    Check("data_store", data_store),
    Check("keyring_store", keyring_store),
    Check("migrations", migrations),
    Check("master_key", master_key),
    Check("job_queue", queue_reachable),
]


def failing(k: Kluis, checks: Sequence[Check] | None = None) -> list[str]:
    """The names of the checks that fail (an exception is a failure), in order."""
    failed: list[str] = []
    for check in CHECKS if checks is None else checks:
        try:
            ok = check.passes(k)
        except Exception as exc:
            log.warning("readiness check %s failed: %s", check.name, type(exc).__name__)
            ok = False
        if not ok:
            failed.append(check.name)
    return failed
