"""The activities slice's on-open hook (``kluis.slices``): it registers the logging of contact
moments by path (``kluis.slice_types.Deferred``), so opening Kluis does not import the
activities' service; a reached call loads it."""

from __future__ import annotations

from datetime import datetime

from kluis.contacts import hooks
from kluis.runtime import Kluis
from kluis.slice_types import Deferred


def on_open(_k: Kluis, _now: datetime) -> None:
    """A reached call of a call list is logged as a ``call`` activity
    (``kluis.activities.call_link.log_moment``)."""
    hooks.register_contact_moment(
        "activities.call", Deferred("kluis.activities.call_link:log_moment")
    )
