"""The discover slice's on-open hook (``kluis.slices``): at every opening, the captures whose
time is up end. It reads them on the repository alone and loads ``kluis.discover.capture``
(which imports the contacts' services) by path (``kluis.slice_types.Deferred``) only when one
is due, so opening Kluis stays quick."""

from __future__ import annotations

from datetime import datetime

from kluis.actors import SYSTEM
from kluis.discover import repository
from kluis.runtime import Kluis
from kluis.slice_types import Deferred

_forget = Deferred("kluis.discover.capture:forget")


def on_open(k: Kluis, now: datetime) -> None:
    """End the captures whose time is up (``kluis.discover.capture.forget``)."""
    with k.engine.connect() as conn:
        due = [row.request_id for row in repository.expired_captures(conn, now)]
    for request_id in due:
        _forget(k, SYSTEM, request_id, now, "expired")
