"""The activities' part of ``kluis demo`` (``kluis.transfer.demo.DemoPart``): a few invented
contact moments per invented person (calls, e-mails, notes, visits, some meetings planned),
logged through the service, so they are sealed, purpose-bound and audited like real ones."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from kluis.activities import rules, service
from kluis.actors import Actor
from kluis.runtime import Kluis

SUBJECTS = {
    "call": ("Belde over de levering", "Vraag over de factuur", "Terugbelverzoek afgehandeld"),
    "email_in": ("Vraag over openingstijden", "Klacht over vertraging"),
    "email_out": ("Offerte verstuurd", "Bevestiging van de afspraak"),
    "note": ("Wil liever gebeld worden na 17:00", "Interesse in het nieuwe assortiment"),
    "visit": ("Bezoek in de winkel", "Langs geweest op de beurs"),
    "meeting": ("Kennismakingsgesprek", "Jaarlijks evaluatiegesprek"),
}
"""Invented subjects: no real person's data."""


class Population(Protocol):
    """What this part reads of ``kluis.transfer.demo.Population`` (transfer stands on the same
    floor, so it is not imported)."""

    @property
    def people(self) -> Sequence[tuple[str, Sequence[str]]]: ...

    @property
    def rng(self) -> random.Random: ...


PURPOSES = ("customer_service", "sales_follow_up")
"""The purposes demo activities are logged under, the first one a person holds."""


def part(k: Kluis, actor: Actor, population: Population, now: datetime) -> dict[str, int]:
    rng = population.rng
    logged = planned = 0
    for person_id, purposes in population.people:
        purpose = next((p for p in PURPOSES if p in purposes), None)
        if purpose is None:
            continue
        for _ in range(rng.randint(1, 4)):
            kind = rng.choice(rules.TYPES)
            future = kind == "meeting" and rng.random() < 0.5
            at = (
                now + timedelta(days=rng.randint(1, 20))
                if future
                else now - timedelta(days=rng.randint(0, 400), minutes=rng.randint(0, 600))
            )
            draft = rules.Draft(
                type=kind,
                subject=rng.choice(SUBJECTS[kind]),
                body="Uitgevonden demogegevens." if rng.random() < 0.5 else None,
                occurred_at=at,
                duration_minutes=rng.randint(2, 45) if kind in ("call", "meeting") else None,
            )
            service.log(k, actor, person_id, purpose, draft, now)
            logged += not future
            planned += future
    return {"activities": logged, "activities planned": planned}
