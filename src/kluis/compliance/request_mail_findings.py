"""Findings about the mails privacy requests send as jobs (issue 16): a mail whose last attempt
failed, or one queued longer than ``KLUIS_REQUEST_MAIL_LATE_HOURS`` (no worker, a mail server
down), leaves the person untold of their request's outcome (Art. 12(1), 12(3)). Counts and
request ids; never an address."""

from __future__ import annotations

from datetime import datetime, timedelta

from kluis.compliance.rules import Finding, Severity
from kluis.requests import mails
from kluis.runtime import Kluis
from kluis.ui.vocabulary import N_


def failed(k: Kluis, now: datetime) -> list[Finding]:
    found = mails.stuck(k, ("failed",), now)
    if not found:
        return []
    return [
        Finding(
            "requests.mail_failed",
            Severity.HIGH,
            "Art. 12(1)",
            f"{len(found)} mails of privacy requests failed to go "
            f"(requests {', '.join(str(r) for r in sorted({r for r, _ in found}))}); "
            f"reasons: {', '.join(sorted({why for _, why in found}))}",
            "check the mail server (`kluis config check`) and the request's page; the job tries "
            "again with a back-off, or tell the person another way",
            count=len(found),
            details={"requests": sorted({r for r, _ in found})},
            # the mail server's reasons are its own English: the request's page shows them
            said=N_("%(count)s mails of privacy requests failed to go (requests %(requests)s)."),
            said_values={
                "count": len(found),
                "requests": ", ".join(str(r) for r in sorted({r for r, _ in found})),
            },
        )
    ]


def late(k: Kluis, now: datetime) -> list[Finding]:
    hours = k.settings.request_mail_late_hours
    found = mails.stuck(k, ("queued", "sending"), now - timedelta(hours=hours))
    if not found:
        return []
    return [
        Finding(
            "requests.mail_late",
            Severity.MEDIUM,
            "Art. 12(3)",
            f"{len(found)} mails of privacy requests have waited more than {hours} hours to go",
            "make sure a worker runs (`kluis serve` on SQLite, `kluis worker` on PostgreSQL) "
            "and the mail server answers",
            count=len(found),
            details={"requests": sorted({r for r, _ in found})},
            said=N_("%(count)s mails of privacy requests have waited more than %(hours)s hours."),
            said_values={"count": len(found), "hours": hours},
        )
    ]


CHECKS = (failed, late)

STAFF_WORDING = {
    "requests.mail_failed": (
        N_("Mails of privacy requests failed to go"),
        N_("Check the mail server and the request's page, or tell the person another way."),
    ),
    "requests.mail_late": (
        N_("Mails of privacy requests wait long to go"),
        N_("Make sure a worker runs and the mail server answers."),
    ),
}
"""Each finding's title and fix in words for the staff page (translated)."""
