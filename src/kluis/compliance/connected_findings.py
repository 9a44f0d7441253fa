"""Findings about the notices to connected systems (Art. 19, issue 21): a notice still not
confirmed after ``KLUIS_CONNECTED_CONFIRM_DAYS`` (the recipient may still hold what the person
had erased, corrected or restricted), and a privacy request whose deadline (Art. 12(3)) is less
than a week away while some of its person's systems have not confirmed."""

from __future__ import annotations

from datetime import datetime, timedelta

from kluis.compliance import repository
from kluis.compliance.rules import REQUEST_SOON, Finding, Severity
from kluis.connected import tracking
from kluis.runtime import Kluis
from kluis.ui.vocabulary import N_


def unconfirmed(k: Kluis, now: datetime) -> list[Finding]:
    late = tracking.overdue(k, now)
    if not late.notices:
        return []
    days = k.settings.connected_confirm_days
    failed = f", {late.failed} of them given up after retries" if late.failed else ""
    return [
        Finding(
            "connected.unconfirmed",
            Severity.HIGH if late.failed else Severity.MEDIUM,
            "Art. 19",
            f"{late.notices} notices to connected systems are not confirmed after {days} days"
            f"{failed} ({', '.join(late.systems)})",
            "ask the systems' contacts to carry the notices out and confirm them, or tick them "
            "on the privacy request's page once they confirmed by other means",
            count=late.notices,
            details={"systems": list(late.systems), "failed": late.failed},
            said=N_(
                "%(count)s notices to connected systems are not confirmed after %(days)s days, "
                "%(failed)s of them given up after retries (%(systems)s)."
            )
            if late.failed
            else N_(
                "%(count)s notices to connected systems are not confirmed after %(days)s days "
                "(%(systems)s)."
            ),
            said_values={
                "count": late.notices,
                "days": days,
                "failed": late.failed,
                "systems": ", ".join(late.systems),
            },
        )
    ]


def deadline_near(k: Kluis, now: datetime) -> list[Finding]:
    with k.engine.connect() as conn:
        requests = repository.requests_told_onward(
            conn, now - timedelta(days=30), now + REQUEST_SOON
        )
    if not requests:
        return []
    waiting = tracking.open_for(k, [person for _, _, person, _ in requests])
    found = []
    for request_id, kind, person, due in requests:
        open_notices = waiting.get(person, 0)
        if not open_notices:
            continue
        found.append(
            Finding(
                "connected.deadline_near",
                Severity.HIGH if due <= now else Severity.MEDIUM,
                "Art. 12(3), 19",
                f"{kind} request {request_id} is due {due:%Y-%m-%d %H:%M} UTC and "
                f"{open_notices} connected systems have not confirmed",
                "have the systems confirm before the deadline (their state is on the request's "
                "page), or tell the person which could not be told and why",
                subject=f"request:{request_id}",
                count=open_notices,
                details={"type": kind, "due": due.isoformat()},
                said=N_(
                    "Request %(id)s (%(type)s) is due %(due)s and %(count)s connected systems "
                    "have not confirmed."
                ),
                said_values={"id": request_id, "type": kind, "due": due, "count": open_notices},
            )
        )
    return found


CHECKS = (unconfirmed, deadline_near)

STAFF_WORDING = {
    "connected.unconfirmed": (
        N_("Connected systems have not confirmed notices"),
        N_(
            "Ask the systems to carry the notices out and confirm them, or tick them on the "
            "request's page."
        ),
    ),
    "connected.deadline_near": (
        N_("A request's deadline nears while connected systems have not confirmed"),
        N_("Have the systems confirm before the deadline; their state is on the request's page."),
    ),
}
"""Each finding's title and fix in words for the staff page (translated)."""
