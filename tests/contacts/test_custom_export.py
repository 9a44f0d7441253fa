"""Custom values in the person's access and portable packages (Art. 15, 20): the ``custom``
section of the JSON and the ``custom`` rows of the CSV (``docs/export-format.md``)."""

from __future__ import annotations

import csv
import io

from conftest import ADMIN, NOW, PRIVACY
from factories import add_person
from kluis.contacts import custom_fields
from kluis.contacts.custom_rules import Choice, CustomField, CustomKind
from kluis.requests import export
from kluis.requests.formats import package_csv
from kluis.runtime import Kluis

PERKS = CustomField(
    "perks",
    "Perks",
    "Voordelen",
    CustomKind.MULTI_CHOICE,
    "user.demographic.profile",
    choices=(Choice("coffee", "Coffee", "Koffie"), Choice("parking", "Parking", "Parkeren")),
)
VIP = CustomField("vip", "VIP", "VIP", CustomKind.BOOLEAN, "user.demographic.profile")


def test_the_access_package_lists_every_custom_value(kluis: Kluis) -> None:
    for field in (PERKS, VIP):
        custom_fields.declare(kluis, ADMIN, field, NOW)
    person = add_person(kluis, ADMIN, NOW, purposes=("sales_follow_up",))
    values = {"perks": ["parking", "coffee"], "vip": True}
    custom_fields.set_values(kluis, PRIVACY, person, "privacy_requests", values, NOW)
    package = export.access_package(kluis, PRIVACY, person, NOW)
    assert package["custom"] == [
        {
            "key": "perks",
            "label_en": "Perks",
            "label_nl": "Voordelen",
            "kind": "multi_choice",
            "category": "user.demographic.profile",
            "special": False,
            "value": ["coffee", "parking"],
        },
        {
            "key": "vip",
            "label_en": "VIP",
            "label_nl": "VIP",
            "kind": "boolean",
            "category": "user.demographic.profile",
            "special": False,
            "value": True,
        },
    ]
    rows = list(csv.reader(io.StringIO(package_csv(package))))
    assert ["custom", "perks", "value.1", "parking"] in rows
    assert ["custom", "vip", "value", "true"] in rows
