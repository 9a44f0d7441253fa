"""People through the service layer, on SQLite and PostgreSQL: purpose-bound reads, search,
rectification, duplicates, erasure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update

from conftest import ADMIN, MARKETING, NOW, SALES, SERVICE
from factories import add_person, new_person
from kluis.audit import service as audit
from kluis.contacts import collect, erasure, hooks, rectify
from kluis.contacts import people as contacts_people
from kluis.contacts.tables import people
from kluis.errors import (
    Conflict,
    DecryptionFailed,
    InvalidField,
    NotFound,
    PermissionDenied,
    PersonErased,
    PurposeRefused,
)
from kluis.runtime import Kluis
from kluis.vault.crypto import PersonCipher


def add_buyer(kluis: Kluis) -> str:
    """A customer whose birth date was collected for age verification only."""
    return add_person(
        kluis,
        ADMIN,
        NOW,
        purposes=("customer_service", "email_marketing", "age_verification"),
        birth_date="1984-07-21",
        interests=["wine", "cheese"],
    )


def test_birth_date_is_absent_from_a_marketing_read(kluis: Kluis) -> None:
    person_id = add_buyer(kluis)
    marketing = contacts_people.read_person(kluis, MARKETING, person_id, "email_marketing", NOW)
    assert "birth_date" not in marketing.fields
    assert marketing.fields["email"] == "fenna.brouwersma1@example.com"
    assert marketing.fields["interests"] == ["wine", "cheese"]
    assert "phone" not in marketing.fields
    checked = contacts_people.read_person(kluis, SERVICE, person_id, "age_verification", NOW)
    assert checked.fields == {"birth_date": "1984-07-21"}


def test_a_role_cannot_read_under_a_purpose_it_does_not_hold(kluis: Kluis) -> None:
    person_id = add_buyer(kluis)
    with pytest.raises(PurposeRefused, match="does not hold purpose 'age_verification'"):
        contacts_people.read_person(kluis, MARKETING, person_id, "age_verification", NOW)


def test_a_person_is_read_only_under_purposes_they_were_collected_for(kluis: Kluis) -> None:
    person_id = add_person(kluis, ADMIN, NOW, purposes=("customer_service",))
    with pytest.raises(PurposeRefused, match="not collected for purpose 'sales_follow_up'"):
        contacts_people.read_person(kluis, SALES, person_id, "sales_follow_up", NOW)
    everything = contacts_people.read_person(kluis, ADMIN, person_id, "privacy_requests", NOW)
    assert set(everything.fields) == {"given_name", "family_name", "email", "phone"}


def test_every_read_is_audited_with_purpose_and_fields(kluis: Kluis) -> None:
    person_id = add_buyer(kluis)
    contacts_people.read_person(kluis, MARKETING, person_id, "email_marketing", NOW)
    reads = audit.list_entries(kluis.engine, person_id=person_id, action="person.read")
    assert len(reads) == 1
    assert reads[0].actor == MARKETING.ref
    assert reads[0].purpose == "email_marketing"
    assert reads[0].details["fields"] == ["email", "family_name", "given_name", "interests"]


def test_collecting_a_field_no_purpose_uses_is_refused(kluis: Kluis) -> None:
    with pytest.raises(PurposeRefused, match="birth_date") as caught:
        add_person(kluis, ADMIN, NOW, purposes=("sales_follow_up",), birth_date="1990-01-01")
    assert caught.value.field == "birth_date"


def test_bad_values_name_the_field(kluis: Kluis) -> None:
    with pytest.raises(InvalidField) as caught:
        add_person(kluis, ADMIN, NOW, email="not-an-address")
    assert caught.value.field == "email"
    assert "not-an-address" not in caught.value.detail
    with pytest.raises(InvalidField) as caught:
        add_person(kluis, ADMIN, NOW, phone="call me")
    assert caught.value.field == "phone"
    with pytest.raises(InvalidField, match="future") as caught:
        add_person(
            kluis,
            ADMIN,
            NOW,
            purposes=("customer_service", "age_verification"),
            birth_date=(NOW + timedelta(days=2)).date().isoformat(),
        )
    with pytest.raises(InvalidField) as caught:
        collect.create_person(
            kluis, ADMIN, contacts_people.NewPerson("friend", ["customer_service"], {}), NOW
        )
    assert caught.value.field == "relationship"
    with pytest.raises(InvalidField) as caught:
        collect.create_person(kluis, ADMIN, contacts_people.NewPerson("customer", [], {}), NOW)
    assert caught.value.field == "purposes"


def test_the_same_email_address_is_not_kept_twice(kluis: Kluis) -> None:
    first = add_person(kluis, ADMIN, NOW, 1)
    with pytest.raises(Conflict, match=first):
        add_person(kluis, ADMIN, NOW, 2, email="FENNA.BROUWERSMA1@example.com")
    with pytest.raises(Conflict, match="same e-mail"):
        collect.create_people(
            kluis, ADMIN, [new_person(5), new_person(6, email="fenna.brouwersma5@example.com")], NOW
        )


def test_search_by_email_phone_and_name_tokens(kluis: Kluis) -> None:
    a = add_person(kluis, ADMIN, NOW, 1, given_name="Élodie", family_name="van der Berg")
    b = add_person(kluis, ADMIN, NOW, 2, given_name="Joost", family_name="Bergman")
    add_person(kluis, ADMIN, NOW, 3, purposes=("sales_follow_up",), family_name="Berg")

    def ids(text: str) -> list[str]:
        page = contacts_people.search_people(kluis, SERVICE, "customer_service", NOW, text=text)
        return [v.id for v in page.items]

    assert ids("elodie berg") == [a]
    assert ids("BERG") == [a]
    assert ids("bergman") == [b]
    assert ids("Fenna.Brouwersma2@EXAMPLE.com") == [b]
    assert ids("06 10000001") == [a]
    assert ids("+31610000002") == [b]
    assert ids("nobody") == []
    assert sorted(ids("")) == sorted([a, b])


def test_search_pages(kluis: Kluis) -> None:
    created = collect.create_people(kluis, ADMIN, [new_person(n) for n in range(7)], NOW)
    first = contacts_people.search_people(kluis, SERVICE, "customer_service", NOW, limit=3)
    last = contacts_people.search_people(kluis, SERVICE, "customer_service", NOW, limit=3, offset=6)
    assert first.total == 7
    assert {v.id for v in first.items} | {v.id for v in last.items} <= set(created)
    assert len(last.items) == 1
    with pytest.raises(InvalidField):
        contacts_people.search_people(kluis, SERVICE, "customer_service", NOW, limit=0)


def test_rectification_audits_field_names_never_values(kluis: Kluis) -> None:
    person_id = add_person(kluis, ADMIN, NOW)
    later = NOW + timedelta(days=1)
    view = rectify.update_person(
        kluis,
        SERVICE,
        person_id,
        "customer_service",
        {"family_name": "Hoekstra", "phone": None},
        later,
    )
    assert view.fields["family_name"] == "Hoekstra"
    assert "phone" not in view.fields
    assert view.updated_at == later
    entry = audit.list_entries(kluis.engine, person_id=person_id, action="person.updated")[0]
    assert entry.details == {"fields": ["family_name", "phone"]}
    assert "Hoekstra" not in str(entry)
    found = contacts_people.search_people(
        kluis, SERVICE, "customer_service", later, text="hoekstra"
    )
    assert [v.id for v in found.items] == [person_id]
    gone = contacts_people.search_people(
        kluis, SERVICE, "customer_service", later, text="brouwersma1"
    )
    assert gone.items == []


def test_rectification_only_of_fields_the_purpose_uses(kluis: Kluis) -> None:
    person_id = add_buyer(kluis)
    with pytest.raises(PurposeRefused) as caught:
        rectify.update_person(
            kluis, MARKETING, person_id, "email_marketing", {"birth_date": "1970-01-01"}, NOW
        )
    assert caught.value.field == "birth_date"


def test_purposes_change_is_audited(kluis: Kluis) -> None:
    person_id = add_person(kluis, ADMIN, NOW)
    view = rectify.update_person(
        kluis,
        ADMIN,
        person_id,
        "customer_service",
        {"purposes": ["customer_service", "invoicing"]},
        NOW,
    )
    assert view.purposes == ("customer_service", "invoicing")
    entry = audit.list_entries(kluis.engine, action="person.purposes_changed")[0]
    assert entry.details == {"added": ["invoicing"], "removed": []}


def test_erasure_destroys_the_key_and_the_rows(kluis: Kluis) -> None:
    person_id = add_buyer(kluis)
    with kluis.engine.connect() as conn:
        blob = conn.execute(select(people.c.email).where(people.c.id == person_id)).scalar_one()
    key_before = kluis.vault.cipher(person_id)
    assert key_before.open("email", blob) == "fenna.brouwersma1@example.com"

    with pytest.raises(PermissionDenied):
        erasure.erase_person(kluis, SALES, person_id, NOW)
    assert erasure.erase_person(kluis, ADMIN, person_id, NOW) is True
    assert erasure.erase_person(kluis, ADMIN, person_id, NOW) is False

    with pytest.raises(PersonErased):
        contacts_people.read_person(kluis, ADMIN, person_id, "privacy_requests", NOW)
    with pytest.raises(PersonErased):
        kluis.vault.cipher(person_id)
    assert kluis.vault.erased([person_id]) == {person_id}
    with kluis.engine.connect() as conn:
        assert conn.execute(select(people.c.id).where(people.c.id == person_id)).first() is None
    with pytest.raises(NotFound):
        erasure.erase_person(kluis, ADMIN, "00000000-0000-0000-0000-000000000000", NOW)


def test_an_erasure_runs_only_the_hooks_whose_probe_says_they_have_work(
    kluis: Kluis, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, list[str]]] = []

    def hook(name: str) -> hooks.BeforeErasure:
        return lambda _k, _conn, _actor, ids, _now, _reason: calls.append((name, list(ids)))

    monkeypatch.setattr(hooks, "_before_erasure", {})
    hooks.register_before_erasure("idle", hook("idle"), lambda _conn: False)
    hooks.register_before_erasure("busy", hook("busy"), lambda _conn: True)
    first, second = add_person(kluis, ADMIN, NOW, 1), add_person(kluis, ADMIN, NOW, 2)
    assert erasure.erase_people(kluis, ADMIN, [second, first], NOW) == [second, first]
    assert calls == [("busy", sorted([first, second]))]
    # people erased before: nothing present, no probe, no hook
    assert erasure.erase_people(kluis, ADMIN, [first], NOW) == []
    assert len(calls) == 1


def test_an_erasure_with_no_hook_work_commits_the_data_store_once(
    kluis: Kluis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no hook to run, the rows go in the transaction that found the person (it wrote
    nothing before the keys went); a hook's writes still commit before the keys go."""
    commits: list[str] = []

    def committed(_conn: Any) -> None:
        commits.append("commit")

    monkeypatch.setattr(hooks, "_before_erasure", {})
    quiet, busy = add_person(kluis, ADMIN, NOW, 1), add_person(kluis, ADMIN, NOW, 2)
    event.listen(kluis.engine, "commit", committed)
    try:
        assert erasure.erase_person(kluis, ADMIN, quiet, NOW)
        assert len(commits) == 1
        hooks.register_before_erasure(
            "busy", lambda _k, _conn, _actor, _ids, _now, _reason: None, lambda _conn: True
        )
        assert erasure.erase_person(kluis, ADMIN, busy, NOW)
        assert len(commits) == 3
    finally:
        event.remove(kluis.engine, "commit", committed)
    assert kluis.vault.erased([quiet, busy]) == {quiet, busy}


def test_old_ciphertext_of_an_erased_person_cannot_be_opened(kluis: Kluis) -> None:
    """A copy made before erasure (a backup) stays ciphertext: the key it needs is gone."""
    person_id = add_buyer(kluis)
    with kluis.engine.connect() as conn:
        copied = conn.execute(select(people.c.email).where(people.c.id == person_id)).scalar_one()
    erasure.erase_person(kluis, ADMIN, person_id, NOW)
    fresh = type(kluis.vault)(kluis.vault.engine, _keys(kluis))
    assert fresh.ciphers([person_id]) == {}
    guessed = PersonCipher(person_id, b"\x00" * 32)
    with pytest.raises(DecryptionFailed):
        guessed.open("email", copied)


def _keys(kluis: Kluis):  # type: ignore[no-untyped-def]
    from kluis.vault.keys import derive_keys, load_master_key

    secret = kluis.settings.master_key
    assert secret is not None
    return derive_keys(
        load_master_key(secret.get_secret_value(), kluis.settings.master_key_file, create=False)
    )


def test_ciphertext_moved_to_another_person_or_field_fails(kluis: Kluis) -> None:
    a = add_person(kluis, ADMIN, NOW, 1)
    b = add_person(kluis, ADMIN, NOW, 2)
    with kluis.engine.begin() as conn:
        email_a = conn.execute(select(people.c.email).where(people.c.id == a)).scalar_one()
        conn.execute(update(people).where(people.c.id == b).values(email=email_a))
        conn.execute(update(people).where(people.c.id == a).values(given_name=email_a))
    with pytest.raises(DecryptionFailed, match="another person or field") as caught:
        contacts_people.read_person(kluis, SERVICE, b, "customer_service", NOW)
    assert caught.value.field == "email"
    with pytest.raises(DecryptionFailed) as caught:
        contacts_people.read_person(kluis, SERVICE, a, "customer_service", NOW)
    assert caught.value.field == "given_name"


def test_bulk_create_and_read(kluis: Kluis) -> None:
    ids = collect.create_people(
        kluis, ADMIN, (new_person(n) for n in range(25)), NOW, batch_size=10
    )
    assert len(set(ids)) == 25
    views = contacts_people.read_people(kluis, SERVICE, ids, "customer_service", NOW)
    assert [v.id for v in views] == ids
    assert views[24].fields["given_name"] == "Fenna24"
    assert audit.verify(kluis.engine).ok
