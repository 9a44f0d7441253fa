"""A declared custom field is listed, by its label in the reader's language, in the record of
processing (Art. 30(1)(c)) and the privacy notice (Art. 13(1)(c), 14(1)(d)) of every purpose whose
categories cover it, and of no other."""

from __future__ import annotations

from conftest import ADMIN, NOW
from kluis.compliance import notice, ropa
from kluis.contacts import custom_fields
from kluis.contacts.custom_rules import CustomField, CustomKind
from kluis.runtime import Kluis

SIZE = CustomField(
    "shoe_size", "Shoe size", "Schoenmaat", CustomKind.NUMBER, "user.demographic.profile"
)


def test_the_record_and_the_notice_list_custom_fields(kluis: Kluis) -> None:
    custom_fields.declare(kluis, ADMIN, SIZE, NOW)
    record = ropa.build(kluis, "nl", NOW)
    by_key = {a.purpose: a for a in record.activities}
    listed = [f for c in by_key["sales_follow_up"].data_categories for f in c["fields"]]
    assert "Schoenmaat" in listed
    assert not any("Schoenmaat" in c["fields"] for c in by_key["invoicing"].data_categories)
    said = {s.key: " ".join(s.lines) for s in notice.build(kluis, "en", NOW).purposes}
    assert "Shoe size" in said["sales_follow_up"]
    assert "Shoe size" not in said["invoicing"]
