"""Typed audit events: ids and kinds only, never personal values. This module holds their base;
the events are in one module per area (``people_events``, ``consent_events``, ``request_events``,
``system_events``) and ``catalogue.all_events`` lists them all.

An event names people by their opaque id, which means nothing once their key is destroyed, so the
audit log can be kept after an erasure without keeping the person (Art. 17, Art. 5(2)). Every event
is documented in ``docs/audit-events.md``; a test keeps the two in step.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class AuditEvent:
    """Base: ``action`` is the stable name; ``person_id`` and ``purpose`` get their own columns."""

    action: ClassVar[str]

    def person(self) -> str | None:
        value = getattr(self, "person_id", None)
        return None if value is None else str(value)

    def purpose_key(self) -> str | None:
        value = getattr(self, "purpose", None)
        return None if value is None else str(value)

    def details(self) -> dict[str, Any]:
        names = _DETAIL_NAMES.get(type(self))
        if names is None:
            names = _DETAIL_NAMES[type(self)] = tuple(
                f.name for f in dataclasses.fields(self) if f.name not in ("person_id", "purpose")
            )
        out: dict[str, Any] = {}
        for name in names:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        return out


_DETAIL_NAMES: dict[type[AuditEvent], tuple[str, ...]] = {}
"""The detail fields of each event class, listed once (bulk imports record thousands)."""
