"""Compliance findings: concrete things to fix, each with severity, the rule or article, and how.

Art. 5(2) asks the controller to be able to *demonstrate* compliance; these checks read what the
other slices store and say where that demonstration would fail today. ``kluis check`` exits 1
when a ``high`` finding exists, so it can run from cron or CI.

Each check is a function in ``CHECKS``. Two checks of issue 8 need data that issue 6
(retention sweeps, backups) has not stored yet; they are listed in ``PENDING`` with what they
need, and become entries in ``CHECKS`` when that data exists.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from kluis.audit import service as audit
from kluis.auth.rules import ALL_PURPOSES_ROLES, Actor
from kluis.compliance import repository, rules
from kluis.compliance.rules import Finding, Severity
from kluis.errors import PermissionDenied
from kluis.purposes.rules import LawfulBasis, parse_duration
from kluis.runtime import Kluis

Check = Callable[[Kluis, datetime], list[Finding]]
"""A check reads with its own short connection (on SQLite every transaction takes the write
lock, so two open at once in one thread would wait on each other)."""


def purposes_incomplete(k: Kluis, now: datetime) -> list[Finding]:
    """A purpose without a valid retention rule or lawful basis cannot be lawful (Art. 5(1)(e),
    6(1)); a legitimate interest that is not stated cannot be weighed or told (Art. 13(1)(d))."""
    found = []
    bases = {b.value for b in LawfulBasis}
    with k.engine.connect() as conn:
        rows = repository.purpose_rows(conn)
    for key, basis, interest, retention in rows:
        if basis not in bases:
            found.append(
                Finding(
                    "purpose.no_lawful_basis",
                    Severity.HIGH,
                    "Art. 6(1)",
                    f"purpose {key!r} has no valid lawful basis ({basis!r})",
                    f"give it one of {', '.join(sorted(bases))}: "
                    f"`kluis purposes change {key} FILE`",
                    subject=key,
                )
            )
        elif basis == LawfulBasis.LEGITIMATE_INTEREST.value and not (interest or "").strip():
            found.append(
                Finding(
                    "purpose.no_legitimate_interest",
                    Severity.HIGH,
                    "Art. 6(1)(f), 13(1)(d)",
                    f"purpose {key!r} rests on legitimate interest but does not state it",
                    f"state the interest: `kluis purposes change {key} FILE` with "
                    '{"legitimate_interest": "..."}',
                    subject=key,
                )
            )
        try:
            parse_duration(retention or "")
        except ValueError:
            found.append(
                Finding(
                    "purpose.no_retention",
                    Severity.HIGH,
                    "Art. 5(1)(e), 30(1)(f)",
                    f"purpose {key!r} has no valid retention period ({retention!r})",
                    f'set one, e.g. {{"retention": "P2Y"}}: `kluis purposes change {key} FILE`',
                    subject=key,
                )
            )
    return found


def lapsed_consents(k: Kluis, now: datetime) -> list[Finding]:
    """A consent past its re-confirmation date is no longer live (``may_contact`` refuses on it),
    but the kept state still says ``granted``: audiences and reports would overstate consent."""
    with k.engine.connect() as conn:
        rows, people = repository.lapsed_grants(conn, now)
    if not rows:
        return []
    return [
        Finding(
            "consent.past_reconfirmation",
            Severity.MEDIUM,
            "Art. 7(1), 5(1)(d)",
            f"{rows} consents of {people} people are past their re-confirmation date but still "
            "kept as granted",
            "run the re-confirmation sweep, which records an `expired` event for each, or ask "
            "the people to re-confirm",
            count=rows,
            details={"people": people},
        )
    ]


def requests_deadline(k: Kluis, now: datetime) -> list[Finding]:
    """Privacy requests are answered within one month, extendable by two (Art. 12(3))."""
    found = []
    with k.engine.connect() as conn:
        due_rows = repository.requests_due(conn, now + rules.REQUEST_SOON)
    for request_id, kind, due, status in due_rows:
        late = due <= now
        days = (due - now).total_seconds() / 86400
        found.append(
            Finding(
                "request.overdue" if late else "request.due_soon",
                Severity.HIGH if late else Severity.MEDIUM,
                "Art. 12(3)",
                f"{kind} request {request_id} ({status}) "
                + (
                    f"was due {due:%Y-%m-%d %H:%M} UTC"
                    if late
                    else f"is due {due:%Y-%m-%d %H:%M} UTC, in {days:.1f} days"
                ),
                "answer it now; if it is complex, extend it once by up to two months with the "
                "reason, and tell the person within the first month"
                if not late
                else "answer it without further delay and tell the person why it was late",
                subject=f"request:{request_id}",
                details={"type": kind, "due": due.isoformat(), "status": status},
            )
        )
    return found


def breaches_unnotified(k: Kluis, now: datetime) -> list[Finding]:
    """The authority is notified within 72 hours of detection (Art. 33(1))."""
    found = []
    with k.engine.connect() as conn:
        open_rows = repository.open_breaches(conn)
    for row in open_rows:
        c = rules.clock(row.detected_at, None, False, now)
        if not (c.overdue or c.due_soon):
            continue
        found.append(
            Finding(
                "breach.overdue" if c.overdue else "breach.due_soon",
                Severity.HIGH,
                "Art. 33(1)",
                f"breach {row.id}, detected {row.detected_at:%Y-%m-%d %H:%M} UTC, "
                + (
                    f"was not notified to the authority by {c.deadline:%Y-%m-%d %H:%M} UTC"
                    if c.overdue
                    else f"must be notified to the authority by {c.deadline:%Y-%m-%d %H:%M} UTC "
                    f"({c.hours_left:.1f} hours left)"
                ),
                f"notify the authority and record it: `kluis breaches notify {row.id} --authority"
                + (" --late-reason TEXT`" if c.overdue else "`")
                + ", or document why it is unlikely to result in a risk (`--not-required TEXT`)",
                subject=f"breach:{row.id}",
                details={"deadline": c.deadline.isoformat()},
            )
        )
    return found


def audit_chain(k: Kluis, now: datetime) -> list[Finding]:
    """The audit log is the controller's evidence (Art. 5(2)); a broken chain means it was
    altered."""
    result = audit.verify(k.engine)
    if result.ok:
        return []
    return [
        Finding(
            "audit.chain_broken",
            Severity.HIGH,
            "Art. 5(2), 32(1)(b)",
            f"the audit log is broken at entry {result.broken_at}: {result.reason}",
            "treat it as a possible breach: find who could write the database, restore the log "
            "from a backup taken before the entry, and record the incident in the breach register",
            subject=f"audit:{result.broken_at}",
        )
    ]


def idle_broad_users(k: Kluis, now: datetime) -> list[Finding]:
    """Accounts that can read everyone should be in use or gone (Art. 32(1)(b), 25(2)).

    Kluis records no sign-in time yet (there is no staff sign-in apart from API tokens), so
    "use" is the last use of any of the user's API tokens; a user who never used one counts from
    the day they were created.
    """
    found = []
    limit = now - rules.STAFF_IDLE
    with k.engine.connect() as conn:
        users = repository.broad_users(conn, [r.value for r in ALL_PURPOSES_ROLES])
    for user_id, email, role, created, last_used in users:
        since = last_used or created
        if since > limit:
            continue
        what = f"last used a token {last_used:%Y-%m-%d}" if last_used else "never used a token"
        found.append(
            Finding(
                "user.idle_broad_role",
                Severity.MEDIUM,
                "Art. 32(1)(b), 25(2)",
                f"user {user_id} ({role}) {what}: an unused account that can read everyone",
                "deactivate the user or give them a narrower role; if they still need it, use it",
                subject=f"user:{user_id}",
                details={"email": email, "role": role},
            )
        )
    return found


CHECKS: tuple[Check, ...] = (
    purposes_incomplete,
    lapsed_consents,
    requests_deadline,
    breaches_unnotified,
    audit_chain,
    idle_broad_users,
)

PENDING: tuple[tuple[str, str, str], ...] = (
    (
        "person.no_live_purpose",
        "Art. 5(1)(e)",
        "people whose every purpose's retention ran out are still present (the retention sweep "
        "was not run): needs the retention rules' due dates of issue 6",
    ),
    (
        "backup.keyring_too_old",
        "Art. 17, 5(1)(e)",
        "keyring backups older than the configured window exist: needs the backup catalogue and "
        "its window setting of issue 6",
    ),
)
"""Checks named by issue 8 that wait for data of issue 6: (code, article, what and why)."""


def findings(k: Kluis, actor: Actor, now: datetime) -> list[Finding]:
    """Every finding at ``now``, the most severe first."""
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may run the compliance check")
    found: list[Finding] = []
    for check in CHECKS:
        found.extend(check(k, now))
    return rules.sort_findings(found)
