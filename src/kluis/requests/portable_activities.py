"""The activities of a portable package (``kluis.access/2``): checked before anything is
written (``portable_check.read``) and logged again after the person and their consent history
exist (``portable.import_portable``), at their original times, by ``portable:<role>``, with
their recordings (the package's evidence).

An activity is kept only under a purpose the person is imported for here: one logged for
another purpose stays behind, as purpose limitation asks (Art. 5(1)(b)); a ``/1`` package
has none."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kluis.activities import rules
from kluis.activities import service as activities
from kluis.actors import Actor
from kluis.errors import InvalidField
from kluis.runtime import Kluis


@dataclass(frozen=True)
class Item:
    path: str
    purpose: str
    draft: rules.Draft
    author_role: str
    recording_id: int | None
    consent_event_id: int | None = None
    """The package's id of the consent event the call recorded (linked again after the
    consent history is replayed, ``link``)."""


def _value(item: Mapping[str, Any], key: str, path: str, kind: type, optional: bool) -> Any:
    value = item.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise InvalidField(f"{path}.{key} is missing or of the wrong type", field=f"{path}.{key}")
    return value


def _moment(item: Mapping[str, Any], path: str) -> datetime:
    text = _value(item, "occurred_at", path, str, False)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise InvalidField(
            f"{path}.occurred_at must be an ISO 8601 time with a zone", field=f"{path}.occurred_at"
        )
    return at.astimezone(UTC)


def check(
    data: Mapping[str, Any], purposes: Collection[str], evidence: Collection[int]
) -> list[Item]:
    """The package's activities under ``purposes``, each checked (shape, type, text limits,
    a recording that is in the package), or InvalidField naming ``activities.N.<field>``."""
    listed = data.get("activities")
    if listed is None:
        return []
    if not isinstance(listed, list):
        raise InvalidField("activities must be a list", field="activities")
    found = []
    for index, item in enumerate(listed):
        path = f"activities.{index}"
        if not isinstance(item, dict):
            raise InvalidField(f"{path} must be an object", field=path)
        at = _moment(item, path)
        draft = rules.Draft(
            type=_value(item, "type", path, str, False),
            subject=_value(item, "subject", path, str, False),
            body=_value(item, "body", path, str, True),
            occurred_at=at,
            duration_minutes=_value(item, "duration_minutes", path, int, True),
        )
        try:
            rules.check(draft, at)
        except InvalidField as exc:
            exc.field = f"{path}.{exc.field}"
            exc.detail = f"{path}: {exc.detail}"
            raise
        recording = _value(item, "recording_id", path, int, True)
        if recording is not None and recording not in evidence:
            raise InvalidField(
                f"{path}.recording_id: evidence {recording} is not in the package",
                field=f"{path}.recording_id",
            )
        purpose = _value(item, "purpose", path, str, False)
        if purpose not in purposes:
            continue
        found.append(
            Item(
                path,
                purpose,
                draft,
                _value(item, "author_role", path, str, True) or "unknown",
                recording,
                _value(item, "consent_event_id", path, int, True),
            )
        )
    return found


def replay(
    k: Kluis,
    actor: Actor,
    person_id: str,
    items: list[Item],
    evidence_ids: Mapping[int, int],
    now: datetime,
) -> dict[int, str]:
    """Log the package's activities again, before the consent history is replayed (a
    restriction in it would hide the person from the purposes they are logged under). Returns
    the new id of each activity that recorded a consent event, by the package's event id, for
    ``link`` once the events exist here."""
    waiting: dict[int, str] = {}
    for item in items:
        draft = item.draft
        try:
            activity_id = activities.log(
                k,
                actor,
                person_id,
                item.purpose,
                draft,
                now,
                evidence_id=None if item.recording_id is None else evidence_ids[item.recording_id],
                author=f"portable:{item.author_role}"[:120],
            )
        except InvalidField as exc:
            exc.field = f"{item.path}.{exc.field}" if exc.field else item.path
            raise
        if item.consent_event_id is not None:
            waiting[item.consent_event_id] = activity_id
    return waiting


def link(
    k: Kluis,
    actor: Actor,
    person_id: str,
    waiting: Mapping[int, str],
    event_ids: Mapping[int, int],
    now: datetime,
) -> None:
    """Link each replayed call to the consent event it recorded, now that the consent history
    is replayed (``event_ids``: the package's event id to the new one). A link to an event
    that is not in the package (or was not replayed) is left out, as the link is a pointer,
    not data of its own."""
    links = {
        activity_id: event_ids[old] for old, activity_id in waiting.items() if old in event_ids
    }
    activities.link_consent_events(k, actor, person_id, links, now)
