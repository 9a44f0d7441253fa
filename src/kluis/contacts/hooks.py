"""What contacts asks of the consent slice, which stands above it and so is not imported here.

Three steps of contacts touch what consent keeps: adding a purpose that rests on consent needs the
person's live consent (Art. 6(1)(a), 6(4)); ``keep_only`` with ``ledger`` deletes the consent
ledger and its evidence (Art. 17(3)(b)); and every write of what ``may_contact`` reads of a
person (their relationship, restriction (Art. 18), objection (Art. 21(3)), purposes, whether an
address is set) keeps the audience's own copy of it in step, in the same transaction
(``people_added`` for new people in bulk, ``people_changed`` for any later change; erasure
deletes the copies with the person through their foreign keys). The consent slice registers the
functions here when it is loaded (``kluis/consent/__init__.py``), the way a plugin registers a
hook: contacts calls down through a function it was given, never up through an import. Called
before the consent slice was loaded, a hook refuses loudly rather than decide without the consent
state or leave the audience behind the people.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from kluis.actors import Actor
from kluis.runtime import Kluis

LiveConsent = Callable[[Connection, str, datetime], "int | None"]
"""(conn, person_id, now) -> the event of the person's most recent live consent on any channel
and topic, or None."""

LedgerEraser = Callable[[Connection, str], object]
"""(conn, person_id): delete the person's consent events, evidence and kept permissions, in the
caller's transaction."""

PeopleAdded = Callable[
    [Connection, tuple[str, ...], list[tuple[Any, ...]], list[tuple[Any, ...]]], object
]
"""(conn, people columns, people rows, purpose rows (person_id, purpose_key, collected_at)):
new people as ``contacts.repository.insert_people`` writes them, in the caller's transaction."""

PeopleChanged = Callable[[Connection, Sequence[str]], object]
"""(conn, person ids): these people's rows, flags or purposes changed in the caller's
transaction; read them again."""

BeforeErasure = Callable[[Kluis, Connection, str, Sequence[str], datetime, str], object]
"""(kluis, conn, actor ref, person ids, now, reason): these people are about to be erased; their
keys still open their data. Runs in the data-store transaction that found them, which commits
before anything is destroyed (what a hook writes outlives a crash that follows)."""

ErasurePending = Callable[[Connection], bool]
"""(conn): whether a before-erasure hook can have anything to do for anyone (a one-row probe:
is there any connected system, any post file), asked in the erasure's own read."""

_live_consent: list[LiveConsent] = []
_erase_ledger: list[LedgerEraser] = []
_people_added: list[PeopleAdded] = []
_people_changed: list[PeopleChanged] = []
_before_erasure: dict[str, tuple[BeforeErasure, ErasurePending]] = {}

PurposesEnding = Callable[[Connection, str, Sequence[str]], object]
"""(conn, person_id, purpose keys): these purposes of the person end in the caller's transaction
(their ``person_purposes`` rows are about to be deleted, and what hangs on them with them)."""

_purposes_ending: dict[str, PurposesEnding] = {}


def register_purposes_ending(name: str, hook: PurposesEnding) -> None:
    """Called by a slice above whose rows on a purpose leave something behind the cascade does
    not reach (the activities' recordings, their latest moment); the same name replaces it."""
    _purposes_ending[name] = hook


def purposes_ending(conn: Connection, person_id: str, purpose_keys: Sequence[str]) -> None:
    """Run every registered hook before the purposes' rows go (none registered: the foreign
    keys alone are correct)."""
    for hook in tuple(_purposes_ending.values()):
        hook(conn, person_id, purpose_keys)


def register(live_consent: LiveConsent, erase_ledger: LedgerEraser) -> None:
    """Called once by the consent slice when it is loaded; a second call replaces the first."""
    _live_consent[:] = [live_consent]
    _erase_ledger[:] = [erase_ledger]


def register_audience(added: PeopleAdded, changed: PeopleChanged) -> None:
    """Called once by the consent slice when it is loaded; a second call replaces the first."""
    _people_added[:] = [added]
    _people_changed[:] = [changed]


def _missing() -> RuntimeError:
    return RuntimeError(
        "the consent slice is not loaded: import kluis.consent before changing consent-bound data"
    )


def live_consent(conn: Connection, person_id: str, now: datetime) -> int | None:
    """The event of the person's most recent live consent, as the consent slice reads it."""
    if not _live_consent:
        raise _missing()
    return _live_consent[0](conn, person_id, now)


def erase_ledger(conn: Connection, person_id: str) -> None:
    """Delete the person's consent ledger, evidence and kept permissions (consent slice)."""
    if not _erase_ledger:
        raise _missing()
    _erase_ledger[0](conn, person_id)


def people_added(
    conn: Connection,
    columns: tuple[str, ...],
    people_rows: list[tuple[Any, ...]],
    purpose_rows: list[tuple[Any, ...]],
) -> None:
    """Give the audience its rows for new people (consent slice), in the same transaction."""
    if not _people_added:
        raise _missing()
    _people_added[0](conn, columns, people_rows, purpose_rows)


def people_changed(conn: Connection, person_ids: Sequence[str]) -> None:
    """Bring the audience's copy of these people up to date (consent slice), in the same
    transaction as the change."""
    if not _people_changed:
        raise _missing()
    _people_changed[0](conn, person_ids)


def register_before_erasure(name: str, hook: BeforeErasure, pending: ErasurePending) -> None:
    """Called by a slice above that must act while an erased person's key still opens their
    data (the notices to connected systems, Art. 19), with the probe that says whether it can
    have anything to do at all; the same name again replaces it."""
    _before_erasure[name] = (hook, pending)


def erasure_pending(conn: Connection) -> tuple[str, ...]:
    """The before-erasure hooks that may have something to do, asked once per erasure (a page
    of up to 500 people in a sweep) in the erasure's own read: most stores have no connected
    system and no post file, and then an erasure runs neither hook."""
    return tuple(name for name, (_, pending) in tuple(_before_erasure.items()) if pending(conn))


def before_erasure(
    k: Kluis,
    conn: Connection,
    actor: str,
    person_ids: Sequence[str],
    now: datetime,
    reason: str,
    names: Sequence[str],
) -> None:
    """Run the registered hooks of ``names`` (``erasure_pending``; none registered: nothing to
    do, unlike the consent hooks, because no slice above needs to be asked for an erasure to
    be correct in Kluis itself)."""
    for name in names:
        found = _before_erasure.get(name)
        if found is not None:
            found[0](k, conn, actor, person_ids, now, reason)


@dataclass(frozen=True)
class ContactMoment:
    """A contact with a person made by a slice that keeps its own record of it (a reached call
    of a call list, ``messaging.calls``), to be logged where contact moments are kept
    (activities). ``purpose_key`` is the purpose the person was reached under; ``subject``
    names what it was about (business words: a campaign's name), ``outcome`` how it went."""

    person_id: str
    purpose_key: str
    kind: str
    subject: str
    outcome: str
    at: datetime
    source: str
    """What it came from, by id (``call:12``); never a personal value."""


MomentHook = Callable[[Kluis, Actor, ContactMoment, datetime], object]
"""(kluis, actor, moment, now): log the moment, in transactions of its own (checked, sealed and
audited by the slice that keeps it)."""

_contact_moments: dict[str, MomentHook] = {}


def register_contact_moment(name: str, hook: MomentHook) -> None:
    """Called by the slice that keeps contact moments (activities, from its on-open hook): the
    slice making a moment stands on the same floor and may not import it; the same name
    again replaces it."""
    _contact_moments[name] = hook


def contact_moment(k: Kluis, actor: Actor, moment: ContactMoment, now: datetime) -> None:
    """Hand a contact moment to every registered hook (none: nothing is logged but the
    maker's own record)."""
    for hook in tuple(_contact_moments.values()):
        hook(k, actor, moment, now)
