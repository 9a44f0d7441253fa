"""What tests of text campaigns share: a Kluis whose settings name the local provider server,
marketing purposes that may read phone numbers, and a population with consents per channel."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from conftest import ADMIN, MARKETING, NOW
from factories import add_marketed_person, add_notice, grant_consent
from kluis.consent import ledger as consent
from kluis.contacts import flags
from kluis.purposes import service as purposes
from kluis.runtime import Kluis
from smsprovider import ProviderServer

PHONE = "user.contact.phone_number"


def with_provider(
    kluis: Kluis, provider: ProviderServer, base_url: str | None = "https://kluis.example.com"
) -> Kluis:
    """``kluis`` with KLUIS_SMS_URL and KLUIS_WHATSAPP_URL naming ``provider``, and the
    marketing purposes allowed to read phone numbers (the texts go there)."""
    for key in ("email_marketing", "existing_customer_marketing"):
        current = purposes.get_purpose(kluis.engine, key)
        if PHONE not in current.data_categories:
            purposes.change_purpose(
                kluis.engine,
                ADMIN,
                key,
                {"data_categories": [*current.data_categories, PHONE]},
                NOW,
            )
    update = {"sms_url": provider.url("sms"), "whatsapp_url": provider.url("whatsapp")}
    if base_url is not None:  # the staff pages' tests keep the default: cookies over http
        update["base_url"] = base_url
    settings = kluis.settings.model_copy(update=update)
    return dataclasses.replace(kluis, settings=settings)


def phone_of(n: int) -> str:
    """The E.164 number ``factories.person_fields`` gives person ``n``."""
    return f"+316{10000000 + n}"


def population(kluis: Kluis, channel: str, at: datetime = NOW) -> dict[str, str]:
    """People of every kind for ``channel`` and topic ``offers``."""
    notice = add_notice(kluis)
    people = {
        "customer": add_marketed_person(kluis, ADMIN, at, 1, relationship="customer"),
        "consenting": add_marketed_person(
            kluis, ADMIN, at, 2, relationship="prospect", language="en"
        ),
        "silent": add_marketed_person(kluis, ADMIN, at, 3, relationship="prospect"),
        "withdrawn": add_marketed_person(kluis, ADMIN, at, 4, relationship="customer"),
        "objector": add_marketed_person(kluis, ADMIN, at, 5, relationship="customer"),
        "consenting_nl": add_marketed_person(kluis, ADMIN, at, 6, relationship="prospect"),
    }
    grant_consent(kluis, people["consenting"], channel, "offers", notice, at=at)
    grant_consent(kluis, people["consenting_nl"], channel, "offers", notice, at=at)
    consent.record(kluis, MARKETING, people["withdrawn"], channel, "offers", "withdrawn", at)
    flags.set_flag(kluis, MARKETING, people["objector"], "objection", True, "phone", at)
    return people
