"""What goes with an activity when the purpose it was logged under ends for its person (Art.
5(1)(e), 17(1)(a)): the activities go through their foreign key to ``person_purposes``; this
module takes what that cascade does not reach, in the same transaction, registered as a
``contacts.hooks.purposes_ending`` hook (contacts stands below activities).

- A call's recording attached to those activities goes too, unless it is the evidence a consent
  event cites (``consent_events.evidence_id``): that one stays with the consent ledger, which
  must be able to show the consent was given (Art. 7(1)), until the ledger itself goes
  (erasure, or ``keep_only`` with ``ledger``). A recording another, kept activity still shows
  stays as well.
- ``activity_latest`` (the "last activity" of lists and of "no activity for N days") is computed
  again from the activities that are left.

The purpose's end is audited by whoever ends it (``person.minimised``, ``person.purposes_changed``);
what goes here is its consequence, as the cascade's deletions are.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, delete, select

from kluis.activities import repository
from kluis.activities.tables import Activity
from kluis.consent.tables import ConsentEvent, Evidence
from kluis.contacts import hooks


def purposes_ending(conn: Connection, person_id: str, purpose_keys: Sequence[str]) -> None:
    ending = (Activity.person_id == person_id) & Activity.purpose_key.in_(list(purpose_keys))
    recordings: set[int] = {
        r
        for r in conn.execute(select(Activity.recording_id).where(ending)).scalars()
        if r is not None
    }
    conn.execute(delete(Activity).where(ending))
    if recordings:
        kept = set(
            conn.execute(
                select(ConsentEvent.evidence_id).where(ConsentEvent.evidence_id.in_(recordings))
            ).scalars()
        ) | set(
            conn.execute(
                select(Activity.recording_id).where(Activity.recording_id.in_(recordings))
            ).scalars()
        )
        going = sorted(recordings - kept)
        if going:
            conn.execute(
                delete(Evidence).where(Evidence.person_id == person_id, Evidence.id.in_(going))
            )
    repository.set_latest(conn, person_id, repository.latest_past(conn, person_id))


hooks.register_purposes_ending("activities", purposes_ending)
