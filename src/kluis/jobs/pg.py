"""The job queue on PostgreSQL: procrastinate (a maintained PostgreSQL task queue).

Web processes defer jobs with procrastinate's own ``defer_jobs`` query on Kluis' engine (no
second connection pool in every web process); ``kluis worker`` processes, on any number of
machines, run them (``worker.py``). Periodic jobs are procrastinate periodic tasks: every worker
runs the deferrer, and procrastinate's ``procrastinate_periodic_defers`` unique key lets one of
them queue each run. procrastinate's schema lives beside Kluis' tables; ``ensure_schema`` applies
it, once, under an advisory lock, when it is missing (see docs/operations.md for upgrades).
"""

from __future__ import annotations

import logging
from typing import Any

from procrastinate import schema, sql, types
from psycopg.types.json import Jsonb
from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

QUEUE = "kluis"
SCHEMA_LOCK = 0x6B6C6A62  # "kljb": one advisory lock id for applying procrastinate's schema
_ready: set[str] = set()


def ensure_schema(engine: Engine) -> None:
    """Apply procrastinate's schema if this database lacks it (the first worker or the first
    job after moving to PostgreSQL); two processes starting at once serialise on a lock."""
    key = engine.url.render_as_string(hide_password=True)
    if key in _ready:
        return
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
        present = conn.scalar(text("SELECT to_regclass('procrastinate_jobs')"))
        if present is None:
            # the driver's own connection, without parameters: the script holds '%' signs
            driver = conn.connection.driver_connection
            assert driver is not None
            driver.execute(schema.SchemaManager.get_schema())
            log.info("procrastinate's schema applied")
    _ready.add(key)


def defer(engine: Engine, name: str, args: dict[str, Any]) -> int:
    """Queue job ``name`` for the workers; its procrastinate id."""
    ensure_schema(engine)
    job = types.JobToDefer(
        queue_name=QUEUE,
        task_name=name,
        priority=0,
        lock=None,
        queueing_lock=None,
        args=Jsonb(args),  # type: ignore[arg-type]
        scheduled_at=None,
    )
    with engine.begin() as conn:
        return int(conn.exec_driver_sql(sql.queries["defer_jobs"], {"jobs": [job]}).scalar_one())


def reachable(engine: Engine) -> bool:
    """The database answers and holds procrastinate's tables."""
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT to_regclass('procrastinate_jobs')")) is not None
    except Exception:
        return False


def live_workers(engine: Engine, within_seconds: float = 60) -> int:
    """Workers whose heartbeat (every 10 s) is younger than ``within_seconds``."""
    if not reachable(engine):
        return 0
    with engine.connect() as conn:
        return int(
            conn.scalar(
                text(
                    "SELECT count(*) FROM procrastinate_workers "
                    "WHERE last_heartbeat > now() - make_interval(secs => :seconds)"
                ),
                {"seconds": within_seconds},
            )
            or 0
        )


def counts(engine: Engine) -> dict[str, int]:
    """procrastinate's ``todo`` as queued, ``doing`` as running, ``failed`` as failed."""
    found = dict.fromkeys(("queued", "running", "failed"), 0)
    if not reachable(engine):
        return found
    names = {"todo": "queued", "doing": "running", "failed": "failed"}
    with engine.connect() as conn:
        for row in conn.exec_driver_sql(sql.queries["count_jobs_status"]).mappings():
            if row["status"] in names:
                found[names[row["status"]]] += int(row["count"])
    return found
