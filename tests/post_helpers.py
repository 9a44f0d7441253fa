"""What tests of post mailings share: marketing purposes that may read postal addresses, and a
population with consents for post, addresses, one consenting person without an address."""

from __future__ import annotations

from datetime import datetime

from conftest import ADMIN, MARKETING, NOW
from factories import add_marketed_person, add_notice, grant_consent
from kluis.consent import ledger as consent
from kluis.contacts import flags
from kluis.purposes import service as purposes
from kluis.runtime import Kluis

ADDRESS = "user.contact.address"

LETTER = {
    "channel": "post",
    "name": "Voorjaarsbrief",
    "topic": "offers",
    "subject_nl": "Alle kaas halve prijs",
    "body_nl": (
        "Beste {{ given_name }},\n\nDeze lente is alle kaas halve prijs.\n\n{{ organisation }}"
    ),
    "body_en": "Dear {{ given_name }},\n\nThis spring all cheese is half price.",
}


def address_of(n: int) -> str:
    return f"Kerkstraat {n}\n97{10 + n} AB Groningen"


def with_addresses(kluis: Kluis) -> Kluis:
    """The marketing purposes allowed to read postal addresses (letters go there)."""
    for key in ("email_marketing", "existing_customer_marketing"):
        current = purposes.get_purpose(kluis.engine, key)
        if ADDRESS not in current.data_categories:
            purposes.change_purpose(
                kluis.engine,
                ADMIN,
                key,
                {"data_categories": [*current.data_categories, ADDRESS]},
                NOW,
            )
    return kluis


def population(kluis: Kluis, at: datetime = NOW) -> dict[str, str]:
    """People of every kind for post and topic ``offers``."""
    with_addresses(kluis)
    notice = add_notice(kluis)

    def person(n: int, relationship: str, **more: str) -> str:
        return add_marketed_person(
            kluis, ADMIN, at, n, relationship=relationship, address=address_of(n), **more
        )

    people = {
        "customer": person(1, "customer"),
        "consenting": person(2, "prospect", language="en"),
        "silent": person(3, "prospect"),
        "withdrawn": person(4, "customer"),
        "objector": person(5, "customer"),
        "consenting_nl": person(6, "prospect", given_name="Zoë"),
        "homeless": add_marketed_person(kluis, ADMIN, at, 7, relationship="prospect"),
    }
    for key in ("consenting", "consenting_nl", "homeless"):
        grant_consent(kluis, people[key], "post", "offers", notice, at=at)
    consent.record(kluis, MARKETING, people["withdrawn"], "post", "offers", "withdrawn", at)
    flags.set_flag(kluis, MARKETING, people["objector"], "objection", True, "phone", at)
    return people
