"""Delivering the notices to connected systems as a periodic job: every
``KLUIS_CONNECTED_DELIVER_HOURS`` (one) the due notices (new ones and those whose backoff has
passed, ``rules.next_attempt``) are sent once each. The job takes no argument: what it sends is
in the notices, sealed where it must be, never in the queue's row."""

from __future__ import annotations

import logging

from kluis.connected import delivery
from kluis.jobs import Job, JobContext
from kluis.settings import Settings

log = logging.getLogger(__name__)


def _every(settings: Settings) -> int | None:
    return settings.connected_deliver_hours or None


def _deliver(context: JobContext) -> None:
    done = delivery.deliver_due(
        context.kluis,
        context.clock(),
        transport=context.transport,  # type: ignore[arg-type]
    )
    log.info(
        "connected notices: %s sent, %s confirmed, %s to retry, %s failed",
        done.sent,
        done.confirmed,
        done.retried,
        done.failed,
    )


deliver = Job("connected.deliver", _deliver, every=_every, max_attempts=2)
