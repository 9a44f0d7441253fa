"""Plain factory functions for test data: invented names, example.com addresses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from conftest import ADMIN, MARKETING, NOW
from kluis.actors import Actor
from kluis.consent import catalogue
from kluis.consent import ledger as consent
from kluis.consent.catalogue import DEFAULT_TOPICS
from kluis.consent.grant_rules import every
from kluis.consent.rules import Channel
from kluis.contacts import collect, people
from kluis.runtime import Kluis


def person_fields(n: int = 1, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "given_name": f"Fenna{n}",
        "family_name": f"Brouwersma{n}",
        "email": f"fenna.brouwersma{n}@example.com",
        "phone": f"+31 6 {10000000 + n}",
    }
    fields.update(overrides)
    return fields


def new_person(
    n: int = 1,
    *,
    relationship: str = "customer",
    purposes: Sequence[str] = ("customer_service",),
    language: str = "nl",
    **overrides: Any,
) -> people.NewPerson:
    return people.NewPerson(
        relationship=relationship,
        purposes=list(purposes),
        fields=person_fields(n, **overrides),
        language=language,
    )


def add_person(
    kluis: Kluis,
    actor: Actor,
    now: datetime,
    n: int = 1,
    *,
    relationship: str = "customer",
    purposes: Sequence[str] = ("customer_service",),
    language: str = "nl",
    **overrides: Any,
) -> str:
    item = new_person(
        n, relationship=relationship, purposes=purposes, language=language, **overrides
    )
    return collect.create_person(kluis, actor, item, now)


EVERY_PAIR = every([c.value for c in Channel], [key for key, _en, _nl in DEFAULT_TOPICS])
"""Every channel with every default topic: what a notice covers in tests that are not about
which wording asks for what."""


def marketed(relationship: str) -> tuple[str, ...]:
    """The purposes of a person who may be sent marketing: on a consent (``email_marketing``)
    and, for a customer told at the sale, the soft opt-in (Art. 13(2) Directive 2002/58/EC)."""
    held = ("customer_service", "email_marketing")
    return (*held, "existing_customer_marketing") if relationship == "customer" else held


def add_marketed_person(
    kluis: Kluis,
    actor: Actor,
    now: datetime,
    n: int = 1,
    *,
    relationship: str = "customer",
    purposes: Sequence[str] | None = None,
    **overrides: Any,
) -> str:
    """``add_person`` collected for marketing (``marketed``) unless ``purposes`` says otherwise."""
    chosen = marketed(relationship) if purposes is None else purposes
    return add_person(kluis, actor, now, n, relationship=relationship, purposes=chosen, **overrides)


NOTICE_TEXT = "Yes, send me offers by e-mail."


def add_notice(
    kluis: Kluis,
    language: str = "en",
    text: str = NOTICE_TEXT,
    *,
    covers: Iterable[tuple[str, str]] = EVERY_PAIR,
    actor: Actor = ADMIN,
    now: datetime = NOW,
) -> int:
    """A consent notice (the wording a person agreed to) covering ``covers``; returns its id."""
    return catalogue.add_notice(kluis, actor, language, text, now, covers=covers).id


def grant_consent(
    kluis: Kluis,
    person_id: str,
    channel: str,
    topic: str,
    notice_id: int,
    *,
    at: datetime = NOW,
    method: str = "web_form",
    actor: Actor = MARKETING,
    **evidence: Any,
) -> int:
    """A consent grant citing ``notice_id``, recorded by marketing; returns the event id."""
    grant = consent.Grant(method=method, notice_id=notice_id, **evidence)
    return consent.record(kluis, actor, person_id, channel, topic, "granted", at, grant)
