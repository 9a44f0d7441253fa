"""Typed audit events: ids and kinds only, never personal values. This module holds their base;
the events are in one module per area (``people_events``, ``consent_events``, ``request_events``,
``system_events``) and ``catalogue.all_events`` lists them all.

An event names people by their opaque id, which means nothing once their key is destroyed, so the
audit log can be kept after an erasure without keeping the person (Art. 17, Art. 5(2)). Every event
is documented in ``docs/audit-events.md``; a test keeps the two in step.
"""

from __future__ import annotations

import dataclasses
import operator
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
        names = _detail_names(type(self))
        out: dict[str, Any] = {}
        for name in names:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        return out


_DETAIL_NAMES: dict[type[AuditEvent], tuple[str, ...]] = {}
"""The detail fields of each event class, listed once (bulk imports record thousands)."""


def _detail_names(kind: type[AuditEvent]) -> tuple[str, ...]:
    names = _DETAIL_NAMES.get(kind)
    if names is None:
        names = _DETAIL_NAMES[kind] = tuple(
            f.name for f in dataclasses.fields(kind) if f.name not in ("person_id", "purpose")
        )
    return names


def details_of(event: AuditEvent) -> tuple[Any, ...]:
    """What ``event.details()`` is made of, as one tuple (its class first): the key under which
    the audit log keeps an encoding of details it made already (``audit.service``)."""
    kind = type(event)
    getter = _DETAIL_GETTERS.get(kind)
    if getter is None:
        names = _detail_names(kind)
        getter = _DETAIL_GETTERS[kind] = (
            operator.attrgetter(*names) if len(names) > 1 else lambda e: tuple(_one(e, names))
        )
    return (kind, getter(event))


def texts_only(key: tuple[Any, ...]) -> bool:
    """Whether every detail in ``details_of``'s ``key`` is text, None or a tuple of texts: two
    events whose keys are equal then have the same details (numbers do not: ``True == 1`` but
    they encode apart). An import's thousands of ``person.created`` events share a handful of
    keys, so the audit log encodes each once; a key equal to one that passed is itself made of
    texts (a text equals only a text, None only None), so the log checks a key only when it
    meets it first."""
    for value in key[1]:
        if value is None or type(value) is str:
            continue
        if type(value) is tuple and _TEXTS.issuperset(map(type, value)):
            continue
        return False
    return True


def _one(event: AuditEvent, names: tuple[str, ...]) -> list[Any]:
    return [getattr(event, n) for n in names]


_DETAIL_GETTERS: dict[type[AuditEvent], Any] = {}

_TEXTS = frozenset({str})
"""The one type every item of a tuple of texts has (``texts_only``), checked without a
generator per tuple."""
