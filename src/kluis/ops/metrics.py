"""Prometheus metrics read from the database at each scrape.

Every web process answers ``/metrics`` with the same figures, because they are counted in the
data store when asked rather than kept in one process's memory: a scraper may reach any of N
processes behind a load balancer and sees the same truth. Labels are kinds and states (channel,
status, reason, request type), never a person's id or value (GDPR Art. 5(1)(c), Art. 32);
``tests/ops/test_metrics.py`` scrapes and looks for every seeded person's id, address and name.

``JOB_COUNTS`` are where job figures come from: ``kluis.jobs.queue.job_counts``, a
``(kluis) -> {"queued": n, "running": n, "failed": n}`` over the whole queue (every process).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from kluis import __version__, db
from kluis.backup.service import DATA_PREFIX, STAMP
from kluis.jobs.queue import job_counts
from kluis.ops import repository, rules
from kluis.requests import rules as request_rules
from kluis.runtime import Kluis

CONTENT_TYPE = CONTENT_TYPE_LATEST

JOB_STATES = ("queued", "running", "failed")
JOB_COUNTS: list[Callable[[Kluis], Mapping[str, int]]] = [job_counts]
"""Where the job queue reports its counts (by state, ``JOB_STATES``)."""


class KluisCollector(Collector):
    """The figures of one Kluis as of ``now``, gathered from its data store when collected."""

    def __init__(self, k: Kluis, now: datetime) -> None:
        self.k = k
        self.now = now

    def collect(self) -> Iterator[Metric]:
        with self.k.engine.connect().execution_options(**db.READ_ONLY) as conn:
            messages = repository.message_counts(conn)
            requests = repository.request_counts(conn)
            open_requests = repository.open_requests(conn)
            audit_length = repository.audit_length(conn)
            request_mails = repository.request_mail_counts(conn)
        info = GaugeMetricFamily("kluis_build_info", "Kluis's version.", labels=["version"])
        info.add_metric([__version__], 1)
        yield info
        yield self._messages(messages)
        yield from self._requests(requests, open_requests)
        mail_family = GaugeMetricFamily(
            "kluis_request_mails",
            "Mails of privacy requests by state (waiting, queued, sending, sent, failed).",
            labels=["state"],
        )
        for state, count in sorted(request_mails.items()):
            mail_family.add_metric([state], count)
        yield mail_family
        yield GaugeMetricFamily(
            "kluis_audit_chain_length",
            "Entries in the hash-chained audit log (its head's sequence number).",
            value=audit_length,
        )
        yield from self._jobs()
        backup = self._backup_age()
        if backup is not None:
            yield backup

    @staticmethod
    def _messages(counts: list[repository.MessageCount]) -> Metric:
        family = GaugeMetricFamily(
            "kluis_messages",
            "Messages recorded, by channel, status (sent, refused, failed, ...) and the reason "
            "of their decision. A gauge: erasing a person deletes their messages.",
            labels=["channel", "status", "reason"],
        )
        for row in counts:
            family.add_metric([row.channel, row.status, row.reason], row.count)
        return family

    def _requests(
        self, counts: list[repository.RequestCount], open_requests: list[repository.OpenRequest]
    ) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "kluis_privacy_requests",
            "Privacy requests (Art. 15-22) by type and status.",
            labels=["type", "status"],
        )
        for row in counts:
            family.add_metric([row.type, row.status], row.count)
        yield family
        timings = [
            request_rules.timing(request_rules.Status(r.status), r.due_at, r.extended_to, self.now)
            for r in open_requests
        ]
        days = [t.days_left for t in timings]
        yield HistogramMetricFamily(
            "kluis_privacy_requests_open_days_left",
            "Open privacy requests by whole days left to their deadline (one month, Art. 12(3)); "
            "le=0 is due today or overdue.",
            buckets=rules.histogram(days, rules.DEADLINE_BUCKETS),
            sum_value=float(sum(days)),
        )
        yield GaugeMetricFamily(
            "kluis_privacy_requests_overdue",
            "Open privacy requests past their deadline (Art. 12(3)).",
            value=sum(1 for t in timings if t.overdue),
        )

    def _jobs(self) -> Iterator[Metric]:
        if not JOB_COUNTS:
            return
        family = GaugeMetricFamily("kluis_jobs", "Background jobs by state.", labels=["state"])
        totals = dict.fromkeys(JOB_STATES, 0)
        for source in JOB_COUNTS:
            for state, count in source(self.k).items():
                totals[state] = totals.get(state, 0) + count
        for state, count in totals.items():
            family.add_metric([state], count)
        yield family

    def _backup_age(self) -> Metric | None:
        directory = self.k.settings.backup_dir
        if directory is None:
            return None
        names = [p.name for p in Path(directory).iterdir()] if Path(directory).is_dir() else []
        return GaugeMetricFamily(
            "kluis_backup_age_seconds",
            "Seconds since the newest data snapshot in KLUIS_BACKUP_DIR (+Inf: none yet).",
            value=rules.backup_age(names, DATA_PREFIX, STAMP, self.now),
        )


def exposition(k: Kluis, now: datetime) -> bytes:
    """The metrics in the Prometheus text format, collected now."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(KluisCollector(k, now))
    return generate_latest(registry)
