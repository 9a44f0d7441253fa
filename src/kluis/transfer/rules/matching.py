"""What becomes of a valid row whose e-mail address or phone number is held already: created,
skipped, merged or rejected, and the note that says why, worded for people."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from kluis.transfer.rules.notes import (
    AMBIGUOUS,
    DUPLICATE,
    GONE,
    HELD_FOR_OTHER_PURPOSES,
    RESTRICTED,
    Reject,
    Skip,
)


class Duplicates(StrEnum):
    """What to do with a row whose e-mail address or phone number is held already."""

    SKIP = "skip"
    MERGE = "merge"


DUPLICATE_FIELDS = ("email", "phone")
"""The fields a row is matched to a person held by (through their blind-index digests)."""


_SPOKEN = {"email": "e-mail address", "phone": "phone number"}


@dataclass(frozen=True)
class Held:
    """What an import knows of a person a row matched, without decrypting anything."""

    fields: frozenset[str]
    """Which of ``DUPLICATE_FIELDS`` they have a value for."""
    readable: bool = True
    """Whether the importing role can already read them (``contacts.rules.readable_by``)."""
    restricted: bool = False
    objected: bool = False


class Action(StrEnum):
    CREATE = "create"
    SKIP = "skip"
    MERGE = "merge"
    REJECT = "reject"


@dataclass(frozen=True)
class Decision:
    """What becomes of a valid row, given who its e-mail address and phone number belong to."""

    action: Action
    person_id: str = ""
    code: str = ""
    field: str = ""
    """The field the reason is about: the one matched, or the one that differs."""


CREATE = Decision(Action.CREATE)
"""The decision of a row that finds nobody (the one an import makes most)."""


def on_match(
    digests: Mapping[str, bytes],
    owners: Mapping[bytes, str],
    held: Mapping[str, Held],
    duplicates: Duplicates,
) -> Decision:
    """Whether a row with these duplicate-finding ``digests`` creates a person, is skipped,
    merged or rejected; ``owners`` says who holds each digest, ``held`` what is known of them.

    A row is one person's only if everything it says that finds people agrees: an e-mail address
    of one person and a phone number of another, or an address that finds a person whose phone
    number is a different one (a family sharing a phone, a colleague's mobile), is ambiguous and
    rejected: skipping it would silently drop a person, merging it would give one person
    another's data. A merge also needs the person to be readable by the importing role already:
    adding the file's purpose to someone the role cannot read would hand it their data (purpose
    limitation, Art. 5(1)(b)); and a restricted person's data is not processed (Art. 18).
    """
    found = {owners[d] for d in digests.values() if d in owners}
    if not found:
        return CREATE
    if len(found) > 1:
        return Decision(Action.REJECT, code=AMBIGUOUS)
    (person_id,) = found
    person = held.get(person_id)
    if person is None:
        return Decision(Action.SKIP, person_id, GONE)
    matched = next(name for name, d in digests.items() if d in owners)
    for name, digest in digests.items():
        if digest not in owners and name in person.fields:
            return Decision(Action.REJECT, person_id, AMBIGUOUS, name)
    if duplicates is Duplicates.SKIP:
        return Decision(Action.SKIP, person_id, DUPLICATE, matched)
    if not person.readable:
        return Decision(Action.REJECT, person_id, HELD_FOR_OTHER_PURPOSES)
    if person.restricted:
        return Decision(Action.REJECT, person_id, RESTRICTED)
    return Decision(Action.MERGE, person_id, field=matched)


def match_note(
    decision: Decision, digests: Mapping[str, bytes], line: int, header_of: Mapping[str, str]
) -> Reject | Skip:
    """The reject or skip of a row ``on_match`` did not create or merge, worded for people;
    never with the matched person's id (the role may not be allowed to know it)."""
    column = header_of.get(decision.field, decision.field)
    code = decision.code
    if code == AMBIGUOUS and decision.field:
        matched = next(n for n in digests if n != decision.field)
        return Reject(
            line,
            column,
            f"ambiguous: its {_SPOKEN[matched]} matches a person held whose "
            f"{_SPOKEN[decision.field]} is a different one; not imported: fix the row, or "
            "update that person by hand",
            code,
        )
    if code == AMBIGUOUS:
        return Reject(
            line,
            column,
            "ambiguous: its e-mail address belongs to one person and its phone number to "
            "another; fix the row or update those people by hand",
            code,
        )
    if code == HELD_FOR_OTHER_PURPOSES:
        return Reject(
            line,
            column,
            "the person it matches is held under another purpose, one your role does not hold; "
            "not merged (merging would add this purpose to them): ask someone who may read them",
            code,
        )
    if code == RESTRICTED:
        return Reject(
            line,
            column,
            "the person it matches has restricted processing (Art. 18); not merged: lift the "
            "restriction first, or update them by hand",
            code,
        )
    if code == GONE:
        return Skip(line, column, "the person it matches was erased during the import", code)
    return Skip(
        line,
        column,
        f"a person with this {_SPOKEN.get(decision.field, 'value')} is held already; left as "
        "they are (--duplicates skip; merge fills in what they lack)",
        code,
    )
