"""Plain factories of activities for the tests: invented subjects, example.com people."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from conftest import NOW, SERVICE
from kluis.activities import rules, service
from kluis.actors import Actor
from kluis.consent.evidence import Recording
from kluis.runtime import Kluis

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64
SUBJECT = "Belde over de levering van de kachel"
BODY = "Klant wil de levering naar donderdag verzetten."


def draft(**overrides: Any) -> rules.Draft:
    values: dict[str, Any] = {
        "type": "call",
        "subject": SUBJECT,
        "body": BODY,
        "occurred_at": NOW - timedelta(hours=1),
        "duration_minutes": 12,
    }
    values.update(overrides)
    return rules.Draft(**values)


def log_call(
    kluis: Kluis,
    person_id: str,
    *,
    actor: Actor = SERVICE,
    purpose: str = "customer_service",
    now: datetime = NOW,
    recording: Recording | None = None,
    **overrides: Any,
) -> str:
    return service.log(kluis, actor, person_id, purpose, draft(**overrides), now, recording)
