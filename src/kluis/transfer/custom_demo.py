"""Custom fields' part of ``kluis demo``: two invented fields (a searchable shoe size used for
sales, a membership tier used by customer service) filled in for the people collected for a
purpose that covers each, through the service, so they are sealed and audited like real ones."""

from __future__ import annotations

from datetime import datetime

from kluis.actors import Actor
from kluis.contacts import custom_fields
from kluis.contacts.custom_rules import Choice, CustomField, CustomKind
from kluis.runtime import Kluis
from kluis.transfer.demo import Population

DEMO_FIELDS = (
    CustomField(
        "shoe_size", "Shoe size", "Schoenmaat", CustomKind.NUMBER, "user.demographic.profile", True
    ),
    CustomField(
        "tier",
        "Membership tier",
        "Lidmaatschap",
        CustomKind.CHOICE,
        "user.contact.address",
        choices=(
            Choice("gold", "Gold", "Goud"),
            Choice("silver", "Silver", "Zilver"),
            Choice("bronze", "Bronze", "Brons"),
        ),
    ),
)
FILLED_UNDER = {"shoe_size": "sales_follow_up", "tier": "customer_service"}


def demo_fields(k: Kluis, actor: Actor, population: Population, now: datetime) -> dict[str, int]:
    known = {f.key for f in custom_fields.fields(k)}
    declared = [custom_fields.declare(k, actor, f, now) for f in DEMO_FIELDS if f.key not in known]
    rng = population.rng
    filled = 0
    for person_id, keys in population.people:
        for key, purpose in FILLED_UNDER.items():
            if purpose in keys and rng.random() < 0.5:
                value = (
                    rng.randint(36, 47)
                    if key == "shoe_size"
                    else rng.choice(("gold", "silver", "bronze"))
                )
                custom_fields.set_values(k, actor, person_id, purpose, {key: value}, now)
                filled += 1
    return {"custom fields": len(declared), "custom values": filled}
