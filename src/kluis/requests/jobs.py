"""The jobs of privacy requests (issue 16): ``requests.mail`` sends one mail of a request (its
argument is the mail's id, nothing else: the queue row is plain text), and the periodic
``requests.final_certificates`` completes the erasure certificates whose connected systems
answered (``final_certificate``)."""

from __future__ import annotations

import logging

from kluis.jobs import Job, JobContext, Retry
from kluis.messaging.service import MailNotConfigured
from kluis.requests import final_certificate, mails
from kluis.settings import Settings

log = logging.getLogger(__name__)


def _send(context: JobContext, mail_id: int) -> None:
    try:
        state = mails.send(
            context.kluis,
            mail_id,
            context.clock(),
            context.transport,  # type: ignore[arg-type]
        )
    except MailNotConfigured:
        raise Retry(mails.STALE.total_seconds(), mails.NOT_CONFIGURED) from None
    if state == "sending":
        raise Retry(mails.STALE.total_seconds(), "another attempt at this mail is under way")


def _final(context: JobContext) -> None:
    done = final_certificate.complete_waiting(
        context.kluis,
        context.clock(),
        context.transport,  # type: ignore[arg-type]
    )
    log.info("final erasure certificates: %s queued", done)


mail = Job(mails.JOB, _send, max_attempts=6)


def _every(settings: Settings) -> int | None:
    """As often as the notices to connected systems go: their answers are what it waits for."""
    return settings.connected_deliver_hours or None


final_certificates = Job("requests.final_certificates", _final, every=_every)
