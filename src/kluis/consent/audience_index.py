"""The audience's own copy of what ``may_contact`` reads of a person beyond one channel and topic
(issue 17): customer or not, restricted (Art. 18), objected (Art. 21(3)), the purposes their data
was collected for (Art. 5(1)(b)) and whether each address column is set.

The copy is one ``audience_people`` row per person and the same values on each of the person's
``permissions`` rows, so that an audience is counted from those two tables' indexes alone
(``audience_repository``). Contacts writes the rows copied; it cannot import this slice, so it
calls through ``contacts.hooks`` in the same transaction as each write: ``people_added`` with the
rows of new people (the bulk path: one more ``executemany``, no read), ``people_changed`` with
the ids of people whose row, flags or purposes changed (read afresh from those rows, so a copy
cannot keep an old value whatever the change was). Erasure deletes the copies with the person
(ON DELETE CASCADE). ``facts_from_rows`` is also what the tests compare the copies with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from kluis.consent.tables import FACT_COLUMNS, AudiencePerson, Fact, PermissionRow
from kluis.contacts.tables import PersonFlags, PersonPurpose, people
from kluis.db import IN_CHUNK, insert_rows

Facts = tuple[bool, bool, bool, str, bool, bool, bool]
"""A person's facts spelled out: customer, restricted, objected, purposes, has e-mail, phone,
postal address."""

ADDRESS_BITS: dict[str, Fact] = {
    "email": Fact.HAS_EMAIL,
    "phone": Fact.HAS_PHONE,
    "address": Fact.HAS_ADDRESS,
}
"""The bit telling whether each address field (``rules.CHANNEL_FIELDS``) is set."""

_SPELLED = (
    Fact.CUSTOMER,
    Fact.RESTRICTED,
    Fact.OBJECTED,
    None,
    Fact.HAS_EMAIL,
    Fact.HAS_PHONE,
    Fact.HAS_ADDRESS,
)
"""The bit of each place of ``Facts`` (the purposes are not a bit)."""


def encode(facts: Facts) -> tuple[int, str]:
    """``facts`` as stored (``FACT_COLUMNS``)."""
    bits = sum(int(bit) for bit, on in zip(_SPELLED, facts, strict=True) if bit and on)
    return bits, facts[3]


def decode(bits: int, purposes: str) -> Facts:
    """Stored facts spelled out."""
    customer, restricted, objected, _, email, phone, address = (
        bool(bits & bit) if bit else False for bit in _SPELLED
    )
    return (customer, restricted, objected, purposes, email, phone, address)


_PEOPLE = AudiencePerson.__table__
_PERMISSIONS = PermissionRow.__table__


def purpose_text(keys: Iterable[str]) -> str:
    """The ``purposes`` column: the keys sorted (code point order, as the migration's
    ``COLLATE "C"``) and space-separated; purpose keys hold no spaces."""
    return " ".join(sorted(set(keys)))


def people_added(
    conn: Connection,
    columns: tuple[str, ...],
    people_rows: list[tuple[Any, ...]],
    purpose_rows: list[tuple[Any, ...]],
) -> None:
    """The rows of new people (``contacts.repository.insert_people``'s), from the values in
    hand: a new person has no flags and no permissions yet."""
    position = {name: i for i, name in enumerate(columns)}
    held: dict[str, list[str]] = {}
    for purpose_row in purpose_rows:
        held.setdefault(purpose_row[0], []).append(purpose_row[1])
    person_at, relationship_at = position["id"], position["relationship"]
    addresses = [(position[name], int(bit)) for name, bit in ADDRESS_BITS.items()]
    customer = int(Fact.CUSTOMER)
    rows = []
    for row in people_rows:
        bits = customer if row[relationship_at] == "customer" else 0
        for at, bit in addresses:
            if row[at] is not None:
                bits |= bit
        rows.append((row[person_at], bits, purpose_text(held.get(row[person_at], ()))))
    insert_rows(conn, AudiencePerson.__tablename__, ("person_id", *FACT_COLUMNS), rows)


def facts_from_rows(conn: Connection, person_ids: Sequence[str]) -> dict[str, Facts]:
    """What contacts' own rows say of these people now (absent: no such person)."""
    found: dict[str, Facts] = {}
    for start in range(0, len(person_ids), IN_CHUNK):
        chunk = list(person_ids[start : start + IN_CHUNK])
        held: dict[str, list[str]] = {}
        for person_id, key in conn.execute(
            select(PersonPurpose.person_id, PersonPurpose.purpose_key).where(
                PersonPurpose.person_id.in_(chunk)
            )
        ):
            held.setdefault(person_id, []).append(key)
        rows = conn.execute(
            select(
                people.c.id,
                people.c.relationship,
                PersonFlags.restricted,
                PersonFlags.objected,
                people.c.email.is_not(None),
                people.c.phone.is_not(None),
                people.c.address.is_not(None),
            )
            .select_from(people.outerjoin(PersonFlags, PersonFlags.person_id == people.c.id))
            .where(people.c.id.in_(chunk))
        )
        for person_id, relationship, restricted, objected, email, phone, address in rows:
            found[person_id] = (
                relationship == "customer",
                bool(restricted),
                bool(objected),
                purpose_text(held.get(person_id, ())),
                bool(email),
                bool(phone),
                bool(address),
            )
    return found


def people_changed(conn: Connection, person_ids: Sequence[str]) -> None:
    """Write each person's facts afresh from contacts' rows into their ``audience_people`` row
    and every one of their ``permissions`` rows; a person no longer there loses their row."""
    facts = facts_from_rows(conn, person_ids)
    for person_id in person_ids:
        if person_id not in facts:
            conn.execute(delete(AudiencePerson).where(AudiencePerson.person_id == person_id))
            continue
        values = dict(zip(FACT_COLUMNS, encode(facts[person_id]), strict=True))
        updated = conn.execute(
            update(AudiencePerson).where(AudiencePerson.person_id == person_id).values(**values)
        )
        if updated.rowcount == 0:
            conn.execute(insert(AudiencePerson).values(person_id=person_id, **values))
        conn.execute(
            update(PermissionRow).where(PermissionRow.person_id == person_id).values(**values)
        )


def facts_of(conn: Connection, person_id: str) -> dict[str, Any]:
    """The person's facts as kept, for a new ``permissions`` row to copy. A person whose row is
    missing (written around Kluis) gets it first, from contacts' rows."""
    query = select(*(_PEOPLE.c[name] for name in FACT_COLUMNS)).where(
        _PEOPLE.c.person_id == person_id
    )
    row = conn.execute(query).first()
    if row is None:
        people_changed(conn, [person_id])
        row = conn.execute(query).first()
    if row is None:
        raise LookupError(f"there is no person {person_id}")
    return dict(row._mapping)


def kept_facts(conn: Connection, person_ids: Sequence[str]) -> dict[str, list[Facts]]:
    """Every copy kept of these people's facts: their ``audience_people`` row first, then one per
    ``permissions`` row (for the tests that hold the copies to ``facts_from_rows``)."""
    kept: dict[str, list[Facts]] = {}
    for table in (_PEOPLE, _PERMISSIONS):
        for start in range(0, len(person_ids), IN_CHUNK):
            chunk = list(person_ids[start : start + IN_CHUNK])
            rows = conn.execute(
                select(table.c.person_id, *(table.c[name] for name in FACT_COLUMNS))
                .where(table.c.person_id.in_(chunk))
                .order_by(table.c.person_id)
            )
            for person_id, bits, purposes in rows:
                facts = decode(int(bits), str(purposes))
                kept.setdefault(person_id, []).append(facts)
    return kept
