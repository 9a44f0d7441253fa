"""The bulk create with the import's worker process (``create_people(workers=1)``): the same
people, rows, keys and audit chain as preparing in this process, and a refusal in the worker
reaches the caller as the same error, naming the person, with the batches before it written
and no key stored for the refused batch."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from conftest import ADMIN, NOW, SERVICE
from factories import new_person
from kluis.audit import service as audit
from kluis.contacts import collect, index_keys
from kluis.contacts import people as contacts_people
from kluis.contacts.tables import PersonIndex, people
from kluis.errors import Conflict, InvalidField
from kluis.runtime import Kluis
from kluis.vault.tables import PersonKey


def _keys(kluis: Kluis) -> int:
    with kluis.vault.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(PersonKey)) or 0)


@pytest.mark.parametrize("workers", [0, 1])
def test_workers_create_the_same_people(kluis: Kluis, workers: int) -> None:
    ids = collect.create_people(
        kluis, ADMIN, (new_person(n) for n in range(23)), NOW, batch_size=5, workers=workers
    )

    assert len(set(ids)) == 23
    views = contacts_people.read_people(kluis, SERVICE, ids, "customer_service", NOW)
    assert [v.fields["given_name"] for v in views] == [f"Fenna{n}" for n in range(23)]
    found = contacts_people.search_people(
        kluis, SERVICE, "customer_service", NOW, text="fenna.brouwersma17@example.com"
    )
    assert [v.id for v in found.items] == [ids[17]]
    with kluis.engine.connect() as conn:
        listed = {
            r.id: r.index_keys for r in conn.execute(select(people.c.id, people.c.index_keys))
        }
        rows = list(conn.execute(select(PersonIndex.person_id, PersonIndex.field)))
    assert {p: len(index_keys.unpack(listed[p])) for p in ids} == {
        p: sum(1 for person, _ in rows if person == p) for p in ids
    }
    assert _keys(kluis) == 23
    assert audit.verify(kluis.engine).ok


def test_a_refusal_in_the_worker_names_the_person_and_keeps_earlier_batches(
    kluis: Kluis,
) -> None:
    items = [new_person(n) for n in range(12)]
    items[7] = new_person(7, language="xx")

    with pytest.raises(InvalidField) as refused:
        collect.create_people(kluis, ADMIN, items, NOW, batch_size=5, workers=1)

    assert refused.value.detail.startswith("person 8: language is not supported")
    assert refused.value.field == "language"
    with kluis.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(people)) == 5
    assert _keys(kluis) == 5


def test_a_duplicate_found_while_writing_stores_no_key_for_its_batch(kluis: Kluis) -> None:
    items = [new_person(n) for n in range(8)]
    items[6] = new_person(2)

    with pytest.raises(Conflict) as refused:
        collect.create_people(kluis, ADMIN, items, NOW, batch_size=4, workers=1)

    assert refused.value.detail.startswith("person 7: a person with this e-mail address exists")
    assert _keys(kluis) == 4
