"""Retention sweeps, legal holds and re-confirmation mailings as use cases.

The sweep walks everyone in pages of short transactions; SQL names the people of a page the
rules may act on (``facts.due``) and ``rules.verdict`` at ``now`` decides for each of them. It
acts through the slices that own the data: people with no live purpose are erased together,
up to ``batch_size`` at once, through ``contacts.erasure.erase_people`` (the one erasure path,
as for a request), expired purposes and the fields no live purpose needs go through
``contacts.erasure.keep_only`` one person a transaction, and consents past their re-confirm-by
date get an ``expired`` event in the ledger. Every action is audited with the rule that caused
it, and nothing is decided from state a previous page left half-done, so a sweep can be
interrupted at any moment and run again. The write-ahead logs are checkpointed once, at the
end (``contacts.erasure.checkpoint_stores``): when the sweep returns, no erased person's key or
ciphertext lingers in them (Art. 17). What a verdict is made from is read by ``facts``; the
person's answer to a re-confirmation link is ``reconfirmation``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from kluis.actors import ALL_PURPOSES_ROLES, SYSTEM, Actor
from kluis.audit import service as audit
from kluis.audit.people_events import ContractEnded
from kluis.audit.system_events import LegalHoldChanged, RetentionApplied
from kluis.collector import fewer_collections
from kluis.consent import ledger
from kluis.consent.rules import Status
from kluis.contacts import erasure as contacts
from kluis.contacts import flags
from kluis.contacts import repository as contacts_repo
from kluis.db import checkpoints_held_back
from kluis.errors import InvalidField, NotFound, PermissionDenied, PersonErased
from kluis.messaging import service as messaging
from kluis.messaging import tokens
from kluis.retention import facts, repository, rules
from kluis.retention.repository import Hold
from kluis.runtime import Kluis

BATCH = 500
PAGE = 5000
"""People read per page of a sweep (one short read transaction: the candidate query over the
page, then the facts of whom it names); the erasures it decides go ``BATCH`` at a time. One
query over 5,000 people costs about half as much CPU per person as ten over 500."""
REASON = "retention"
RECONFIRM_TEMPLATE = "reconfirm"


@dataclass
class SweepReport:
    """What a sweep did (or, in a dry run, would do)."""

    as_of: datetime
    dry_run: bool
    seen: int = 0
    erased: int = 0
    minimised: int = 0
    fields_cleared: int = 0
    purposes_removed: int = 0
    consents_expired: int = 0
    held: int = 0
    relisted: int = 0
    """People who objected to direct marketing whose later addresses the sweep put on the
    suppression list (``contacts.flags.relist_objections``); not in a dry run."""
    actions: list[dict[str, Any]] = field(default_factory=list)
    """In a dry run, or when asked: each person acted on, what and why."""


def describe(verdict: rules.Verdict, held_until: date | None = None) -> dict[str, Any]:
    """One person acted on (or, with ``held_until``, what a legal hold stopped), and why."""
    action = "erase" if verdict.erase else "minimise"
    return {
        "person_id": verdict.person_id,
        "action": action if held_until is None else "held",
        "held_until": None if held_until is None else held_until.isoformat(),
        "would": action,
        "expired": [
            {
                "purpose": e.purpose,
                "retention": e.retention,
                "anchor": e.anchor,
                "until": None if e.until is None else e.until.isoformat(),
            }
            for e in verdict.expired
        ],
        "fields": list(verdict.clear_fields),
    }


def _may_run(actor: Actor, what: str) -> None:
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied(f"only an admin or the privacy officer may {what}")


def _check_moment(now: datetime) -> None:
    """Years far outside any retention period are typing mistakes (and overflow dates)."""
    if not 1970 <= now.year <= 2999:
        raise InvalidField("give a moment between the years 1970 and 2999", field="as_of")


def _known(k: Kluis, conn: Connection, person_id: str) -> None:
    """PersonErased or NotFound unless the person is on file."""
    if not contacts_repo.fetch(conn, [person_id]):
        if k.vault.erased([person_id]):
            raise PersonErased(f"person {person_id} was erased")
        raise NotFound(f"there is no person {person_id}", field="id")


def count_people(k: Kluis) -> int:
    """How many people a sweep will look at (for a progress bar)."""
    with k.engine.connect() as conn:
        return repository.count_people(conn)


def sweep(
    k: Kluis,
    now: datetime,
    *,
    dry_run: bool = False,
    actor: Actor = SYSTEM,
    batch_size: int = BATCH,
    page_size: int = PAGE,
    keep_actions: bool | None = None,
    max_actions: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> SweepReport:
    """Apply every retention rule at ``now``: expire lapsed consents, remove expired purposes
    and unneeded fields, erase people with no live purpose; legal holds stop erasures.
    Everyone is read in pages of ``page_size`` people (``progress`` is called after each);
    the people due for erasure are erased ``batch_size`` at a time.

    ``actions`` lists each person acted on (and each a legal hold protected) in a dry run, or
    when ``keep_actions``; at most ``max_actions`` of them, the counts cover everyone."""
    _may_run(actor, "run a retention sweep")
    _check_moment(now)
    report = SweepReport(now, dry_run)
    keep = dry_run if keep_actions is None else keep_actions

    def note(item: dict[str, Any]) -> None:
        if keep and (max_actions is None or len(report.actions) < max_actions):
            report.actions.append(item)

    with (
        fewer_collections(),
        checkpoints_held_back(k.engine),
        checkpoints_held_back(k.vault.engine),
    ):
        erase: list[rules.Verdict] = []
        for page in facts.due(k, now, page_size):
            report.seen += page.seen
            for person, perms in page.facts:
                lapsed = [
                    p
                    for p in perms
                    if p.status == Status.GRANTED.value
                    and p.reconfirm_by is not None
                    and now >= p.reconfirm_by
                ]
                verdict = rules.verdict(person, now)
                if verdict.held_until is not None:
                    report.held += 1
                    if keep:
                        unheld = rules.verdict(replace(person, hold_until=None), now)
                        note(describe(unheld, person.hold_until))
                if not verdict.erase:
                    # an erasure takes the ledger with it; expiring first would only add events
                    if not dry_run:
                        for p in lapsed:
                            ledger.record(
                                k, actor, person.person_id, p.channel, p.topic, "expired", now
                            )
                    report.consents_expired += len(lapsed)
                if not verdict.acts:
                    continue
                if keep:
                    note(describe(verdict))
                if verdict.erase:
                    report.erased += 1
                else:
                    report.minimised += 1
                    report.fields_cleared += len(verdict.clear_fields)
                    report.purposes_removed += len(verdict.expired)
                if dry_run:
                    continue
                if verdict.erase:
                    erase.append(verdict)
                else:
                    _minimise(k, actor, person, verdict, now)
            while len(erase) >= batch_size:
                _erase(k, actor, erase[:batch_size], now)
                erase = erase[batch_size:]
            if progress is not None:
                progress(page.seen)
        if erase:
            _erase(k, actor, erase, now)
        if not dry_run:
            contacts.checkpoint_stores(k)
    if not dry_run:
        # erasure lists what it erases; this catches objectors' addresses the list missed
        report.relisted = flags.relist_objections(k, now)
    return report


def _expired(verdict: rules.Verdict) -> tuple[str, ...]:
    """The rules that ended, each as ``purpose:duration:anchor:until`` (docs/audit-events.md)."""
    return tuple(f"{e.purpose}:{e.retention}:{e.anchor}:{e.until}" for e in verdict.expired)


def _event(verdict: rules.Verdict) -> RetentionApplied:
    return RetentionApplied(verdict.person_id, "minimise", _expired(verdict), verdict.clear_fields)


def _erase(k: Kluis, actor: Actor, verdicts: list[rules.Verdict], now: datetime) -> None:
    """Erase a page's people at once through the one erasure path; each person's one
    ``person.erased`` entry names the rules that ended (``_expired``), so the cause is recorded
    in the transaction that deletes the rows. An interruption before that commit leaves the
    erasure register naming the person with reason ``retention``; the next start removes the
    rows (``backup.reconcile``) and the next sweep finds nothing left to decide."""
    contacts.erase_people(
        k,
        actor,
        [v.person_id for v in verdicts],
        now,
        reason=REASON,
        checkpoint=False,
        expired={v.person_id: _expired(v) for v in verdicts},
    )


def _minimise(
    k: Kluis, actor: Actor, facts: rules.PersonFacts, verdict: rules.Verdict, now: datetime
) -> None:
    expired = {e.purpose for e in verdict.expired}
    live = [h.purpose.key for h in facts.held if h.purpose.key not in expired]
    with k.engine.begin() as conn:
        contacts.keep_only(k, actor, facts.person_id, live, now, reason=REASON, conn=conn)
        audit.record(conn, actor.ref, now, [_event(verdict)])


@dataclass(frozen=True)
class Forecast:
    on: date
    verdict: rules.Verdict


def forecast(
    k: Kluis, now: datetime, days: int, *, actor: Actor = SYSTEM, batch_size: int = BATCH
) -> Iterator[Forecast]:
    """What the sweep will do from today up to ``days`` days ahead, person by person, soonest
    first for each person (what is due already is on today). Changes nothing and decrypts
    nothing."""
    _may_run(actor, "see the retention forecast")
    _check_moment(now)
    if not 1 <= days <= 3660:
        raise InvalidField("days is between 1 and 3660", field="days")
    for ids in facts.pages(k, batch_size):
        for person, _ in facts.of(k, ids, now):
            for on, verdict in rules.forecast(person, now, days):
                yield Forecast(on, verdict)


def set_contract_end(
    k: Kluis, actor: Actor, person_id: str, ended_at: datetime | None, now: datetime
) -> None:
    """Record (or clear) when the person's contract ended: the anchor of ``end_of_contract``
    retention, such as the seven years invoices are kept."""
    _may_run(actor, "record a contract's end")
    with k.engine.begin() as conn:
        _known(k, conn, person_id)
        contacts_repo.update_person(conn, person_id, {"contract_ended_at": ended_at})
        audit.record(
            conn,
            actor.ref,
            now,
            [ContractEnded(person_id, None if ended_at is None else ended_at.isoformat())],
        )


def add_hold(
    k: Kluis, actor: Actor, person_id: str, reason: str, until: datetime, now: datetime
) -> int:
    """Put a legal hold on a person: no retention erasure until ``until`` (Art. 17(3)(e))."""
    _may_run(actor, "place a legal hold")
    if not reason.strip():
        raise InvalidField(
            "give the reason (e.g. a case number), without personal data", field="reason"
        )
    if until <= now:
        raise InvalidField("the hold must end in the future", field="until")
    with k.engine.begin() as conn:
        _known(k, conn, person_id)
        hold_id = repository.add_hold(
            conn,
            {
                "person_id": person_id,
                "reason": reason.strip(),
                "until": until,
                "created_by": actor.ref,
                "created_at": now,
            },
        )
        audit.record(
            conn,
            actor.ref,
            now,
            [LegalHoldChanged(person_id, hold_id, "placed", until.isoformat())],
        )
    return hold_id


def lift_hold(k: Kluis, actor: Actor, hold_id: int, now: datetime) -> Hold:
    """Lift a legal hold before it ends; returns it as it is now."""
    _may_run(actor, "lift a legal hold")
    with k.engine.begin() as conn:
        found = repository.hold(conn, hold_id)
        if found is None:
            raise NotFound(f"there is no legal hold {hold_id}", field="hold_id")
        if not repository.lift_hold(conn, hold_id, actor.ref, now):
            raise InvalidField(f"legal hold {hold_id} was lifted already", field="hold_id")
        audit.record(
            conn, actor.ref, now, [LegalHoldChanged(found.person_id, hold_id, "lifted", None)]
        )
        lifted = repository.hold(conn, hold_id)
    assert lifted is not None
    return lifted


def holds_of(k: Kluis, person_id: str, *, actor: Actor = SYSTEM) -> list[Hold]:
    """Every legal hold placed on the person, lifted ones too, oldest first."""
    _may_run(actor, "see legal holds")
    with k.engine.connect() as conn:
        found = repository.holds_of(conn, person_id)
        if not found:
            _known(k, conn, person_id)
    return found


@dataclass
class ReconfirmReport:
    asked: int = 0
    refused: int = 0
    failed: int = 0


def reconfirm_link(k: Kluis, person_id: str, channel: str, topic: str, now: datetime) -> str:
    """The signed link of a re-confirmation mail, stamped with ``now`` (the mailing's time)."""
    token = tokens.sign(
        k.vault.signing_key, tokens.LinkToken("reconfirm", person_id, channel, topic), now
    )
    return messaging.link(k, f"/reconfirm/{token}")


def due_for_reconfirmation(
    k: Kluis, now: datetime, days_before: int, *, batch_size: int = BATCH
) -> Iterator[tuple[str, str, datetime]]:
    """(person, topic, re-confirm-by) of every live e-mail consent whose re-confirm-by date is
    within ``days_before`` days, of people who neither objected nor are restricted, and who
    were not asked yet since the consent was last given or re-confirmed.

    "Since" is the time of the event behind the kept state: a re-confirmation keeps the grant's
    ``since`` but is an event of its own, so the next period gets its own question. A mail that
    failed to go does not count as asking; the next run tries again."""
    last = ("", "")
    while True:
        with k.engine.connect() as conn:
            rows = repository.reconfirm_due(
                conn, now, days_before, RECONFIRM_TEMPLATE, after=last, limit=batch_size
            )
        if not rows:
            return
        for row in rows:
            yield row.person_id, row.topic, row.reconfirm_by
        last = (rows[-1].person_id, rows[-1].topic)


def send_reconfirmations(
    k: Kluis,
    now: datetime,
    *,
    transport: messaging.TransportFactory | None = None,
    actor: Actor = SYSTEM,
) -> ReconfirmReport:
    """Ask each person whose consent nears its re-confirm-by date, once, to re-confirm it.
    The mail is a commercial message decided by ``may_contact`` like any other (it is sent on
    the strength of the consent it asks to renew); people who do not answer lapse at the date."""
    report = ReconfirmReport()
    days = k.settings.reconfirm_days_before
    for person_id, topic, reconfirm_by in due_for_reconfirmation(k, now, days):
        try:
            sent = messaging.send_message(
                k,
                actor,
                person_id,
                "commercial",
                topic,
                messaging.Content(
                    template=RECONFIRM_TEMPLATE,
                    params={
                        "reconfirm_url": reconfirm_link(k, person_id, "email", topic, now),
                        "deadline": reconfirm_by.date().isoformat(),
                    },
                ),
                now,
                transport,
            )
        except (NotFound, PersonErased):
            continue
        if sent.status == "sent":
            report.asked += 1
        elif sent.status == "refused":
            report.refused += 1
        else:
            report.failed += 1
    return report


def run_jobs(
    k: Kluis, now: datetime, transport: messaging.TransportFactory | None = None
) -> dict[str, Any]:
    """The scheduled work: the sweep, then the re-confirmation mailing (when mail is set up)."""
    result: dict[str, Any] = {"sweep": sweep(k, now)}
    if k.settings.smtp_url or transport is not None:
        result["reconfirm"] = send_reconfirmations(k, now, transport=transport)
    return result
