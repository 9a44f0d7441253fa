"""What the next scheduled run will mail, said beforehand (issue 16): "24 re-confirmation mails
left the moment SMTP was configured, with nothing in the log". Re-confirmation mails are
commercial messages on the strength of a consent (Art. 7(1), ePrivacy Art. 13); the business
should see them coming, above all at the first run after mail is configured."""

from __future__ import annotations

from datetime import datetime

from kluis import jobs
from kluis.compliance.rules import Finding, Severity
from kluis.retention import service as retention
from kluis.runtime import Kluis
from kluis.ui.vocabulary import N_


def no_worker(k: Kluis, now: datetime) -> list[Finding]:
    """On PostgreSQL the web processes run no jobs: without a ``kluis worker`` campaigns and
    imports wait, and the retention sweep (Art. 5(1)(e)) and re-confirmation never run. Said
    when jobs wait and no worker's heartbeat is younger than a minute."""
    alive = jobs.live_workers(k)
    if alive is None or alive > 0:
        return []  # SQLite (the server works the queue itself), or a worker is alive
    waiting = jobs.job_counts(k, now)["queued"]
    if not waiting:
        return []
    return [
        Finding(
            "jobs.no_worker",
            Severity.MEDIUM if k.settings.schedule_hours else Severity.LOW,
            "Art. 5(1)(e)",
            f"no `kluis worker` is running; {waiting} jobs wait, and the retention sweep and "
            "re-confirmation mailing do not run",
            "start one or more `kluis worker` processes (see docs/operations.md, "
            '"Background jobs and workers")',
            count=waiting,
            said=N_(
                "No worker is running; %(count)s jobs wait, and the retention sweep and "
                "re-confirmation mailing do not run."
            ),
            said_values={"count": waiting},
        )
    ]


def reconfirmations_due(k: Kluis, now: datetime) -> list[Finding]:
    """How many re-confirmation mails the next run sends (those due at ``now``), and who
    sends them. Without a mail server ``deployment.reconfirmation_without_mail`` says how many
    wait for one."""
    if not k.settings.smtp_url:
        return []  # said by deployment.reconfirmation_without_mail, with the same count
    due = sum(1 for _ in retention.due_for_reconfirmation(k, now, k.settings.reconfirm_days_before))
    if not due:
        return []
    hours = k.settings.schedule_hours
    if hours == 0:
        message = (
            f"{due} re-confirmation mails will go at the next `kluis retention reconfirm` "
            "(the schedule is off: KLUIS_SCHEDULE_HOURS=0)"
        )
        fix = "run `kluis retention reconfirm` from cron, or set KLUIS_SCHEDULE_HOURS"
        said = N_(
            "%(count)s re-confirmation mails will go at the next `kluis retention reconfirm` "
            "(the schedule is off: KLUIS_SCHEDULE_HOURS=0)."
        )
    else:
        message = (
            f"{due} re-confirmation mails will go at the next run (every {hours} hours, sent "
            "by the server on SQLite or a `kluis worker` on PostgreSQL)"
        )
        fix = "nothing, if that is expected; set KLUIS_SCHEDULE_HOURS=0 to hold them"
        said = N_(
            "%(count)s re-confirmation mails will go at the next run (every %(hours)s hours, "
            "sent by the server on SQLite or a worker on PostgreSQL)."
        )
    return [
        Finding(
            "reconfirm.mails_due",
            Severity.LOW,
            "Art. 7(1)",
            message,
            fix,
            count=due,
            details={"mails": due},
            said=said,
            said_values={"count": due, "hours": hours},
        )
    ]


STAFF_WORDING = {
    "jobs.no_worker": (
        N_("Background jobs wait, and no worker runs them"),
        N_(
            "Start one or more workers; until then campaigns, imports and the retention sweep wait."
        ),
    ),
    "reconfirm.mails_due": (
        N_("Re-confirmation mails will go at the next scheduled run"),
        N_("Check the consents near their re-confirm-by date if that is not what you expect."),
    ),
}
"""Each finding's title and fix in words for the staff page (translated)."""
