"""One writer of new people: a person created through ``contacts.collect.create_person`` and the
same person imported from a file are stored alike (``contacts.writer``): the same columns
filled, the same purposes, the same blind-index entries, the same times, and the same
``person.created`` audit entry but for its source."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from conftest import ADMIN, NOW
from kluis.audit.tables import AuditRow
from kluis.contacts import collect
from kluis.contacts import people as contacts
from kluis.contacts.tables import PersonIndex, PersonPurpose, people
from kluis.runtime import Kluis
from kluis.transfer import pipeline
from kluis.transfer.job import ImportOptions
from transfer.helpers import write_rows

FIELDS = {
    "given_name": "Anouk",
    "family_name": "van der Berg",
    "email": "anouk@example.com",
    "phone": "+31 6 12345678",
    "address": "Dorpsstraat 1, 1234 AB Ergens",
}


def _stored(kluis: Kluis, person_id: str) -> dict[str, Any]:
    """What is kept of a person, without the values: which columns are filled, purposes, index
    fields (with the digests of e-mail and phone, which do not depend on the person), the audit
    entry of their creation."""
    with kluis.engine.connect() as conn:
        row = conn.execute(select(people).where(people.c.id == person_id)).one()._mapping
        purposes = sorted(
            conn.scalars(
                select(PersonPurpose.purpose_key).where(PersonPurpose.person_id == person_id)
            )
        )
        index = sorted(
            (str(f), bytes(d) if f in ("email", "phone") else b"")
            for f, d in conn.execute(
                select(PersonIndex.field, PersonIndex.digest).where(
                    PersonIndex.person_id == person_id
                )
            )
        )
        created = conn.execute(
            select(AuditRow.details).where(
                AuditRow.person_id == person_id, AuditRow.action == "person.created"
            )
        ).scalar_one()
    filled = sorted(name for name, value in row.items() if value is not None and name != "id")
    times = {row["created_at"], row["updated_at"], row["last_interaction_at"]}
    details = {k: v for k, v in created.items() if k not in ("person_id", "source")}
    return {
        "filled": filled,
        "relationship": row["relationship"],
        "language": row["language"],
        "times": times,
        "purposes": purposes,
        "index": index,
        "created": details,
        "source": created["source"],
    }


def test_a_created_and_an_imported_person_are_stored_alike(kluis: Kluis, tmp_path: Path) -> None:
    path = write_rows(
        tmp_path / "one.csv",
        [["Voornaam", "Achternaam", "E-mail", "Telefoon", "Postadres"], list(FIELDS.values())],
    )
    options = ImportOptions(purposes=("customer_service",), relationship="customer")
    assert pipeline.run_import(kluis, ADMIN, path, options, NOW).counts.created == 1
    with kluis.engine.begin() as conn:
        (imported,) = conn.scalars(select(people.c.id)).all()
    from_file = _stored(kluis, imported)
    # the same e-mail address may not be held twice: the imported person's index is set aside
    with kluis.engine.begin() as conn:
        conn.execute(delete(PersonIndex).where(PersonIndex.person_id == imported))
    made = collect.create_person(
        kluis,
        ADMIN,
        contacts.NewPerson("customer", ["customer_service"], FIELDS, language="nl"),
        NOW,
    )
    created = _stored(kluis, made)
    assert (created.pop("source"), from_file.pop("source")) == ("api", "import")
    assert created == from_file
    assert len(created["times"]) == 1
    assert contacts.read_person(kluis, ADMIN, made, "customer_service", NOW).fields == (
        contacts.read_person(kluis, ADMIN, imported, "customer_service", NOW).fields
    )
