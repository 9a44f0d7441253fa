"""The one vCard writer: a person's personal fields as a vCard 4.0 (RFC 6350).

The bulk export (``transfer.export``) and the access package (``requests.formats``) both hand
people their contact details as vCards; writing them here once keeps the two files the same
shape, and keeps them readable by the import (``transfer.reading``), which is what makes an
exported address book importable into another Kluis.

Which property a field becomes is decided by its data category in ``contacts.fields``, not by
its name, so a field added to the declaration lands in the card without a change here: as its
own property when its category has one, otherwise as a labelled NOTE, so nothing is left out.
The module imports nothing of Kluis but the declaration: ``transfer`` and ``requests`` may both
import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from kluis.contacts.fields import PERSONAL_FIELDS

VCARD_BY_CATEGORY: Mapping[str, str] = {
    "user.contact.email": "email",
    "user.contact.phone_number": "tel",
    "user.demographic.date_of_birth": "bday",
    "user.contact.address": "adr",
    "user.job_title": "title",
    "user.demographic.profile": "categories",
    "user.content.private": "note",
}
"""vCard properties of the personal fields, by data category; the name fields go into N and FN."""

_NAMES = ("given_name", "family_name")


def _text(value: object) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def person_vcard(
    person_id: str,
    values: Mapping[str, object],
    *,
    language: str | None = None,
    organisation: str | None = None,
    updated_at: datetime | None = None,
) -> str:
    """The vCard 4.0 text of one person.

    ``values`` maps personal field names to what the caller may show (already limited to a
    purpose's fields); a missing, None or empty value is left out of the card. The person id
    becomes the UID (``urn:uuid:``) so a card can be matched to the person again; FN falls back
    to the id because RFC 6350 requires an FN and a card may be written for a purpose that
    cannot see names.
    """
    # lazy: vobject (~0.03 s) is needed only when a vCard is read or written
    import vobject

    shown = {k: v for k, v in values.items() if v is not None and v not in ("", [])}
    card = vobject.vCard()
    card.add("version").value = "4.0"
    card.add("kind").value = "individual"
    card.add("uid").value = f"urn:uuid:{person_id}"
    given = str(shown.get("given_name", ""))
    family = str(shown.get("family_name", ""))
    card.add("n").value = vobject.vcard.Name(family=family, given=given)
    card.add("fn").value = " ".join(p for p in (given, family) if p) or person_id
    if language:
        card.add("lang").value = language
    if organisation:
        card.add("org").value = [organisation]
    for declared in PERSONAL_FIELDS:
        value = shown.get(declared.name)
        if value is None or declared.name in _NAMES:
            continue
        prop = VCARD_BY_CATEGORY.get(declared.category)
        if prop == "tel":
            # RFC 6350 6.4.1: in 4.0 a TEL is a tel: URI (RFC 3966)
            line = card.add("tel")
            line.value = f"tel:{value}"
            line.params["VALUE"] = ["uri"]
        elif prop == "bday":
            # RFC 6350 4.3.1: dates are ISO 8601 basic format (19840229)
            card.add("bday").value = str(value).replace("-", "")
        elif prop == "adr":
            card.add("adr").value = vobject.vcard.Address(street=str(value))
        elif prop == "categories":
            card.add("categories").value = (
                [str(v) for v in value] if isinstance(value, list) else [str(value)]
            )
        elif prop is not None:
            card.add(prop).value = str(value)
        else:
            card.add("note").value = f"{declared.label_en}: {_text(value)}"
    if updated_at is not None:
        card.add("rev").value = updated_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    text: str = card.serialize()
    return text
