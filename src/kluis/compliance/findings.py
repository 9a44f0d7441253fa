"""Compliance findings: concrete things to fix, each with severity, the rule or article, and how.

Art. 5(2) asks the controller to be able to *demonstrate* compliance; these checks read what the
other slices store and say where that demonstration would fail today. ``kluis check`` exits 1
when a ``high`` finding exists, so it can run from cron or CI.

Each check is a function in ``CHECKS``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.audit import service as audit
from kluis.compliance import (
    connected_findings,
    deployment,
    job_forecast,
    repository,
    request_mail_findings,
    rules,
    upkeep_findings,
)
from kluis.compliance.rules import Finding, Severity
from kluis.consent import catalogue
from kluis.consent import grant_rules as consent_rules
from kluis.consent.rules import Channel
from kluis.errors import PermissionDenied
from kluis.locale import N_
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
    for key, basis, interest, retention, interest_nl in rows:
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
                    said=N_("Purpose %(purpose)s has no valid lawful basis (%(basis)s)."),
                    said_values={"purpose": key, "basis": basis},
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
                    said=N_(
                        "Purpose %(purpose)s rests on legitimate interest but does not state it."
                    ),
                    said_values={"purpose": key},
                )
            )
        elif basis == LawfulBasis.LEGITIMATE_INTEREST.value and not (interest_nl or "").strip():
            found.append(
                Finding(
                    "purpose.no_legitimate_interest_nl",
                    Severity.MEDIUM,
                    "Art. 12(1), 13(1)(d)",
                    f"purpose {key!r} states its legitimate interest in English only, so the "
                    "Dutch privacy notice and record of processing show the English",
                    f"write it in Dutch: `kluis purposes change {key} FILE` with "
                    '{"legitimate_interest_nl": "..."}',
                    subject=key,
                    said=N_(
                        "Purpose %(purpose)s states its legitimate interest in English only, so "
                        "the Dutch privacy notice and record of processing show the English."
                    ),
                    said_values={"purpose": key},
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
                    said=N_("Purpose %(purpose)s has no valid retention period."),
                    said_values={"purpose": key},
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
            said=N_(
                "%(rows)s consents of %(people)s people are past their re-confirmation date but "
                "still kept as granted."
            ),
            said_values={"rows": rows, "people": people},
        )
    ]


def boxes_without_notice(k: Kluis, now: datetime) -> list[Finding]:
    """A consent box of the public pages is offered only with a wording asking for its channel
    and topic in the page's language (Art. 4(11), 7(1)-(2)); where none does, the box is left
    out. For each language consent is asked in, say which e-mail topics (the sign-up's boxes)
    have no wording, and which notices cover nothing (old ones never used before notices named
    their channels and topics) and so can be cited for nothing."""
    notices = catalogue.list_notices(k)
    topics = [t.key for t in catalogue.list_topics(k)]
    found = []
    scopes = [n.scope for n in notices]
    for language in sorted({n.language for n in notices if n.covers}):
        missing = [
            (channel.value, topic)
            for channel in Channel
            for topic in topics
            if consent_rules.notice_for(scopes, channel.value, topic, language) is None
        ]
        email = [topic for channel, topic in missing if channel == Channel.EMAIL.value]
        if not email:
            continue
        found.append(
            Finding(
                "notice.box_not_offered",
                Severity.LOW,
                "Art. 7(1)",
                f"the sign-up and preference pages in {language!r} offer no box for e-mail "
                f"about {', '.join(email)}: no notice in that language asks for it "
                f"({len(missing)} boxes of the preference page are not offered in all)",
                f"add the wording: `kluis notices add --lang {language} --text ... "
                f"--channel email --topic {email[0]}`",
                subject=f"language:{language}",
                count=len(missing),
                details={"language": language, "email_topics": email},
                said=N_(
                    "The sign-up and preference pages in %(language)s offer no box for e-mail "
                    "about %(topics)s: no notice in that language asks for it (%(boxes)s boxes "
                    "of the preference page are not offered in all)."
                ),
                said_values={
                    "language": language,
                    "topics": ", ".join(email),
                    "boxes": len(missing),
                },
            )
        )
    empty = [n.id for n in notices if not n.covers]
    if empty:
        found.append(
            Finding(
                "notice.covers_nothing",
                Severity.LOW,
                "Art. 7(1)",
                f"{len(empty)} notices name no channel or topic, so no grant may cite them",
                "add each wording again with the channels and topics it asks for: `kluis "
                "notices add --channel ... --topic ...`",
                count=len(empty),
                details={"notices": empty},
                said=N_("%(count)s notices name no channel or topic, so no grant may cite them."),
                said_values={"count": len(empty)},
            )
        )
    return found


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
                said=N_("Request %(id)s (%(type)s, %(status)s) was due %(due)s.")
                if late
                else N_("Request %(id)s (%(type)s, %(status)s) is due %(due)s, in %(days)s days."),
                said_values={
                    "id": request_id,
                    "type": kind,
                    "status": status,
                    "due": due,
                    "days": f"{days:.1f}",
                },
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
                said=N_(
                    "Breach %(id)s, found %(found)s, was not notified to the authority by "
                    "%(deadline)s."
                )
                if c.overdue
                else N_(
                    "Breach %(id)s, found %(found)s, must be notified to the authority by "
                    "%(deadline)s (%(hours)s hours left)."
                ),
                said_values={
                    "id": row.id,
                    "found": row.detected_at,
                    "deadline": c.deadline,
                    "hours": f"{c.hours_left:.1f}",
                },
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
            said=N_("The audit log is broken at entry %(seq)s."),
            said_values={"seq": result.broken_at},
        )
    ]


CHECKS: tuple[Check, ...] = (
    purposes_incomplete,
    lapsed_consents,
    boxes_without_notice,
    requests_deadline,
    breaches_unnotified,
    audit_chain,
    *upkeep_findings.CHECKS,
    *deployment.CHECKS,
    job_forecast.reconfirmations_due,
    job_forecast.no_worker,
    *connected_findings.CHECKS,
    *request_mail_findings.CHECKS,
)


def findings(k: Kluis, actor: Actor, now: datetime) -> list[Finding]:
    """Every finding at ``now``, the most severe first."""
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may run the compliance check")
    found: list[Finding] = []
    for check in CHECKS:
        found.extend(check(k, now))
    return rules.sort_findings(found)
