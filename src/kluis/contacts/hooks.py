"""What contacts asks of the consent slice, which stands above it and so is not imported here.

Two steps of contacts touch what consent keeps: adding a purpose that rests on consent needs the
person's live consent (Art. 6(1)(a), 6(4)), and ``keep_only`` with ``ledger`` deletes the consent
ledger and its evidence (Art. 17(3)(b)). The consent slice registers both functions here when it
is loaded (``kluis/consent/__init__.py``), the way a plugin registers a hook: contacts calls down
through a function it was given, never up through an import. Each is needed only on the path that
uses it; called before the consent slice was loaded, it refuses loudly rather than decide without
the consent state.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection

LiveConsent = Callable[[Connection, str, datetime], "int | None"]
"""(conn, person_id, now) -> the event of the person's most recent live consent on any channel
and topic, or None."""

LedgerEraser = Callable[[Connection, str], object]
"""(conn, person_id): delete the person's consent events, evidence and kept permissions, in the
caller's transaction."""

_live_consent: list[LiveConsent] = []
_erase_ledger: list[LedgerEraser] = []


def register(live_consent: LiveConsent, erase_ledger: LedgerEraser) -> None:
    """Called once by the consent slice when it is loaded; a second call replaces the first."""
    _live_consent[:] = [live_consent]
    _erase_ledger[:] = [erase_ledger]


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
