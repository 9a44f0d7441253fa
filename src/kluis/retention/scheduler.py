"""The server's schedule: the retention sweep and the re-confirmation mailing, every
``KLUIS_SCHEDULE_HOURS`` hours, in a worker thread so requests are never held up.

With several server processes on one PostgreSQL database, a session advisory lock lets one of
them run the jobs at a time; the others skip that round. The CLI commands do the same work for
cron.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from kluis.db import utcnow
from kluis.messaging import service as messaging
from kluis.retention import service
from kluis.runtime import Kluis

log = logging.getLogger(__name__)

LOCK_KEY = 0x6B6C7569  # "klui": one advisory lock id for the scheduled jobs


def run_once(k: Kluis, now: datetime, transport: messaging.TransportFactory | None = None) -> bool:
    """Run the jobs unless another process is running them; True when they ran."""
    if k.engine.dialect.name != "postgresql":
        result = service.run_jobs(k, now, transport)
        log.info("scheduled jobs done: %s", _summary(result))
        return True
    with k.engine.connect() as conn:
        if not conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}):
            conn.rollback()
            log.info("scheduled jobs skipped: another process runs them")
            return False
        conn.commit()
        try:
            result = service.run_jobs(k, now, transport)
            log.info("scheduled jobs done: %s", _summary(result))
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
            conn.commit()
    return True


def _summary(result: dict[str, object]) -> str:
    sweep = result["sweep"]
    assert isinstance(sweep, service.SweepReport)
    parts = [
        f"{sweep.seen} people seen, {sweep.erased} erased, {sweep.minimised} minimised, "
        f"{sweep.consents_expired} consents expired"
    ]
    if sweep.relisted:
        parts.append(f"{sweep.relisted} objecting people's addresses put on the suppression list")
    if "reconfirm" in result:
        reconfirm = result["reconfirm"]
        assert isinstance(reconfirm, service.ReconfirmReport)
        parts.append(f"{reconfirm.asked} asked to re-confirm")
    return "; ".join(parts)


async def run_schedule(k: Kluis, hours: int, clock: Callable[[], datetime] = utcnow) -> None:
    """Run the jobs now and then every ``hours`` hours until cancelled; a failure is logged
    (without personal data: errors name ids and fields only) and the next round runs anyway."""
    while True:
        try:
            await run_in_threadpool(run_once, k, clock())
        except Exception:
            log.exception("scheduled jobs failed; they run again in %s hours", hours)
        await asyncio.sleep(hours * 3600)
