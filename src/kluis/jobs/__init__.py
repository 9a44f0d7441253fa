"""Background work on a job queue (issue 16): campaign sends, API-uploaded imports, the retention
sweep and re-confirmation mailing, the daily backup.

The slices register their jobs (``registry.Job``) in ``kluis.slices``; this package knows job
names and JSON arguments, never a slice. On SQLite the queue is the ``jobs`` table worked by a
thread in ``kluis serve`` (``embedded``); on PostgreSQL it is procrastinate, worked by ``kluis
worker`` processes (``pg``, ``worker``). See docs/operations.md, "Background jobs and workers".
"""

from kluis.jobs.queue import enqueue, job_counts, live_workers, queue_reachable
from kluis.jobs.registry import Job, JobContext, Registry, Retry, Stopped

__all__ = [
    "Job",
    "JobContext",
    "Registry",
    "Retry",
    "Stopped",
    "enqueue",
    "job_counts",
    "live_workers",
    "queue_reachable",
]
