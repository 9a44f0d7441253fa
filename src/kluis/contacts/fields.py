"""The one declaration of a person's personal fields.

Encryption, blind indexes, purpose filtering, export, erasure and the record of processing all
iterate ``PERSONAL_FIELDS``; nothing else lists personal fields by hand. Each field carries its
fideslang data category, which is what a purpose's categories are matched against (Art. 5(1)(b)).
Adding a field here (and its column in a migration) is all it takes to make it personal data
everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FieldKind(StrEnum):
    TEXT = "text"
    MULTILINE = "multiline"
    EMAIL = "email"
    PHONE = "phone"
    DATE = "date"
    TAGS = "tags"


@dataclass(frozen=True)
class PersonalField:
    name: str
    category: str
    kind: FieldKind
    max_length: int
    label_en: str
    label_nl: str
    index: str | None = None
    """Blind-index kind (``email``, ``phone``, ``name``); None when not searchable."""


PERSONAL_FIELDS: tuple[PersonalField, ...] = (
    PersonalField(
        "given_name", "user.name.first", FieldKind.TEXT, 100, "Given name", "Voornaam", "name"
    ),
    PersonalField(
        "family_name", "user.name.last", FieldKind.TEXT, 100, "Family name", "Achternaam", "name"
    ),
    PersonalField("email", "user.contact.email", FieldKind.EMAIL, 254, "E-mail", "E-mail", "email"),
    PersonalField(
        "phone", "user.contact.phone_number", FieldKind.PHONE, 40, "Phone", "Telefoon", "phone"
    ),
    PersonalField(
        "birth_date",
        "user.demographic.date_of_birth",
        FieldKind.DATE,
        10,
        "Birth date",
        "Geboortedatum",
    ),
    PersonalField(
        "address", "user.contact.address", FieldKind.MULTILINE, 500, "Postal address", "Postadres"
    ),
    PersonalField("job_title", "user.job_title", FieldKind.TEXT, 150, "Job title", "Functie"),
    PersonalField(
        "interests", "user.demographic.profile", FieldKind.TAGS, 1000, "Interests", "Interesses"
    ),
    PersonalField(
        "notes", "user.content.private", FieldKind.MULTILINE, 10_000, "Notes", "Notities"
    ),
)

BY_NAME: dict[str, PersonalField] = {f.name: f for f in PERSONAL_FIELDS}
NAME_FIELDS: tuple[str, ...] = tuple(f.name for f in PERSONAL_FIELDS if f.index == "name")
