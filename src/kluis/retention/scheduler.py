"""The schedule: the retention sweep and the re-confirmation mailing (Art. 5(1)(e), Art. 7(1)),
every ``KLUIS_SCHEDULE_HOURS`` hours, as the periodic job ``retention.scheduled``.

The job queue runs it once per slot however many processes there are (``kluis.jobs``: the
embedded worker of ``kluis serve`` on SQLite, ``kluis worker`` processes on PostgreSQL). A
session advisory lock on PostgreSQL also keeps a slow run from overlapping the next one; a run
that finds it taken skips that round. Each run logs one line of counts, no personal data. The CLI
commands do the same work for cron.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import text

from kluis.jobs import Job, JobContext
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
    else:
        parts.append("no re-confirmation mailing: no mail server (KLUIS_SMTP_URL)")
    return "; ".join(parts)


def _scheduled(context: JobContext) -> None:
    run_once(context.kluis, context.clock(), context.transport)  # type: ignore[arg-type]


scheduled = Job("retention.scheduled", _scheduled, every=lambda s: s.schedule_hours)
