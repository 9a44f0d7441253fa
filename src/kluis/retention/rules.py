"""Storage limitation (Art. 5(1)(e)) as pure rules: until when each of a person's purposes is
live, which fields no live purpose needs, and whether the person is kept at all. ``now`` is
always passed in (DESIGN.md invariant 7), so the same rules answer "what happens today", "what
would have happened then" (``--as-of``) and "what expires in the next N days".

Each purpose keeps a person's data for its retention duration (ISO 8601) after its anchor:

- ``collection``: when the data was collected for the purpose;
- ``last_interaction``: the last time the person dealt with the business (a change, a
  message they answered, a request);
- ``end_of_contract``: when the contract ended; while it runs (no end recorded), the purpose
  is live;
- ``withdrawal``: when the last consent stopped being live (withdrawn, expired or lapsed); while
  any consent is live the purpose is live, and without any consent ever the period runs from
  collection.

A legal hold (a claim being established, exercised or defended: Art. 17(3)(e)) stops every
erasure of the person until it ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from kluis.consent.rules import Status
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.purposes.rules import Duration, Purpose


@dataclass(frozen=True)
class ConsentSpan:
    """One kept consent state (any channel and topic), as the permission row holds it.

    A grant is live until its re-confirm-by date and lapses at that date whether or not a sweep
    has recorded the expiry yet; an expiry recorded later still ended the consent at the date it
    missed, and a withdrawal ended it when it was made. Judging at a given ``now`` (rather than
    once when the facts are read) is what lets the forecast see a consent lapse ahead of time.
    """

    status: str
    since: datetime
    reconfirm_by: datetime | None = None

    def live(self, now: datetime) -> bool:
        return self.status == Status.GRANTED.value and (
            self.reconfirm_by is None or now < self.reconfirm_by
        )

    def ended_at(self, now: datetime) -> datetime | None:
        """When the consent stopped being live, or None while it is live at ``now``."""
        if self.live(now):
            return None
        if self.status == Status.WITHDRAWN.value or self.reconfirm_by is None:
            return self.since
        return self.reconfirm_by


@dataclass(frozen=True)
class HeldPurpose:
    """A purpose a person holds and what its anchor needs to know."""

    purpose: Purpose
    retention: Duration
    collected_at: datetime


@dataclass(frozen=True)
class PersonFacts:
    """What the sweep knows of one person, read without decrypting anything."""

    person_id: str
    held: Sequence[HeldPurpose]
    present_fields: frozenset[str]
    last_interaction_at: datetime
    contract_ended_at: datetime | None
    consents: Sequence[ConsentSpan]
    hold_until: date | None
    """The end of the longest active legal hold, or None when there is none."""


@dataclass(frozen=True)
class Expiry:
    """When a purpose's period ends for a person; ``until`` None means it is open-ended."""

    purpose: str
    anchor: str
    retention: str
    until: date | None


@dataclass(frozen=True)
class Verdict:
    """What the sweep does with one person at ``now``, and why."""

    person_id: str
    erase: bool
    expired: tuple[Expiry, ...]
    """Purposes whose period has ended: removed from the person (or the reason to erase)."""
    clear_fields: tuple[str, ...]
    """Fields no live purpose may use: erased from the person (field-level minimisation)."""
    held_until: date | None = None
    """Set when a legal hold stopped what would otherwise have been done."""

    @property
    def acts(self) -> bool:
        return self.erase or bool(self.expired) or bool(self.clear_fields)


def _anchor(facts: PersonFacts, held: HeldPurpose, now: datetime) -> date | None:
    anchor = held.purpose.retention_anchor.value
    if anchor == "collection":
        return held.collected_at.date()
    if anchor == "last_interaction":
        return max(facts.last_interaction_at, held.collected_at).date()
    if anchor == "end_of_contract":
        return None if facts.contract_ended_at is None else facts.contract_ended_at.date()
    if any(c.live(now) for c in facts.consents):
        return None
    ended = [at for c in facts.consents if (at := c.ended_at(now)) is not None]
    return (max(ended) if ended else held.collected_at).date()


def expiry(facts: PersonFacts, held: HeldPurpose, now: datetime) -> Expiry:
    """When ``held`` ends for this person, as far as can be known at ``now`` (a withdrawal
    anchor is open while a consent is live)."""
    start = _anchor(facts, held, now)
    return Expiry(
        held.purpose.key,
        held.purpose.retention_anchor.value,
        held.purpose.retention,
        None if start is None else held.retention.after(start),
    )


def is_live(item: Expiry, today: date) -> bool:
    """A purpose is live up to and including the day before its period ends."""
    return item.until is None or today < item.until


def last_ended_anchor(retention: Duration, today: date) -> date | None:
    """The latest anchor day whose period has ended by ``today`` (``is_live`` false), or None
    when no anchor can have ended yet. Every earlier anchor has ended too, because
    ``Duration.after`` never decreases; so "anchor on or before this day" is exactly "expired",
    which is what lets the sweep pick its candidates in SQL (Art. 5(1)(e)) with the same
    arithmetic as ``expiry``."""
    # a month is at least 28 days long (a clamped 31st included), so no anchor after this
    # day can have ended; the loop steps back over the few days that have not either
    shortest = 28 * (12 * retention.years + retention.months) + retention.days
    if shortest >= (today - date.min).days:
        return None
    day = today - timedelta(days=shortest)
    while retention.after(day) > today:
        day -= timedelta(days=1)
    return day


def verdict(facts: PersonFacts, now: datetime) -> Verdict:
    """Apply every held purpose's retention at ``now``.

    A person with no live purpose left is erased whole; otherwise the expired purposes go and so
    does every field that no live purpose may use (the birth date collected only for age
    verification goes when that purpose ends, the rest stays). A legal hold stops both.
    """
    today = now.date()
    expiries = [expiry(facts, h, now) for h in facts.held]
    live = [h.purpose for h, e in zip(facts.held, expiries, strict=True) if is_live(e, today)]
    expired = tuple(e for e in expiries if not is_live(e, today))
    erase = not live
    clear = () if erase else unused_fields(live, facts.present_fields)
    if facts.hold_until is not None and today < facts.hold_until and (erase or expired or clear):
        return Verdict(facts.person_id, False, (), (), held_until=facts.hold_until)
    return Verdict(facts.person_id, erase, expired, clear)


def unused_fields(live: Iterable[Purpose], present: frozenset[str]) -> tuple[str, ...]:
    """The present fields whose data category no live purpose may use."""
    purposes = list(live)
    return tuple(
        f.name
        for f in PERSONAL_FIELDS
        if f.name in present and not any(p.may_use(f.category) for p in purposes)
    )


def _first_sweep_day(at: datetime, now: datetime) -> date:
    """The first day on which a sweep at ``now``'s time of day comes at or after ``at``."""
    day = at.date()
    return day if datetime.combine(day, now.timetz()) >= at else day + timedelta(days=1)


def forecast(facts: PersonFacts, now: datetime, days: int) -> list[tuple[date, Verdict]]:
    """What daily sweeps at ``now``'s time of day will do to this person from today up to
    ``days`` days ahead: each day something happens, with that day's verdict. Something already
    due today is reported today. After each day the person is taken as that sweep leaves them
    (expired purposes and cleared fields gone), so every entry says only what is new, and an
    erasure is the last entry. Pure, and built from ``verdict`` itself, so it cannot disagree
    with the sweep.

    The verdict can change only on a day a purpose's period ends, a legal hold ends or a
    consent lapses (which may start a withdrawal period); those days are the only ones tried.
    """
    today = now.date()
    last = today + timedelta(days=days)
    moments = [now]
    for span in facts.consents:
        if span.live(now) and span.reconfirm_by is not None:
            lapse = _first_sweep_day(span.reconfirm_by, now)
            if lapse <= last:
                moments.append(datetime.combine(lapse, now.timetz()))
    candidates = {today} | {at.date() for at in moments}
    for at in moments:
        candidates |= {
            e.until for e in (expiry(facts, h, at) for h in facts.held) if e.until is not None
        }
    if facts.hold_until is not None:
        candidates.add(facts.hold_until)
    changes: list[tuple[date, Verdict]] = []
    current = facts
    for day in sorted(d for d in candidates if today <= d <= last):
        found = verdict(current, datetime.combine(day, now.timetz()))
        if not found.acts:
            continue
        changes.append((day, found))
        if found.erase:
            break
        current = left_after(current, found)
    return changes


def left_after(facts: PersonFacts, found: Verdict) -> PersonFacts:
    """What a person is once the sweep has carried out ``found`` (not an erasure): the expired
    purposes and the cleared fields gone."""
    gone = {e.purpose for e in found.expired}
    return replace(
        facts,
        held=[h for h in facts.held if h.purpose.key not in gone],
        present_fields=facts.present_fields - set(found.clear_fields),
    )


def reconfirm_due(
    reconfirm_by: datetime | None, live: bool, now: datetime, days_before: int
) -> bool:
    """Is it time to ask the person to re-confirm a consent? Only a live consent, and only in
    the ``days_before`` days before its re-confirm-by date (a re-permission mail to someone
    who withdrew or objected is itself unlawful marketing)."""
    if not live or reconfirm_by is None:
        return False
    return reconfirm_by - timedelta(days=days_before) <= now < reconfirm_by
