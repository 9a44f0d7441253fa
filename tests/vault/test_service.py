"""The keyring (kluis.vault.service.Vault) on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conftest import MASTER_KEY, NOW
from kluis.errors import DecryptionFailed, PersonErased
from kluis.runtime import Kluis
from kluis.vault import crypto
from kluis.vault.keys import decode_master_key, derive_keys
from kluis.vault.service import Vault
from kluis.vault.tables import ErasureEntry, PersonKey


def ids(n: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(n)]


def fresh_vault(kluis: Kluis, *, cache_size: int = 20_000) -> Vault:
    """A second Vault over the same keyring and master key, with an empty cache."""
    keys = derive_keys(decode_master_key(MASTER_KEY))
    return Vault(kluis.vault.engine, keys, cache_size=cache_size)


def stored_keys(vault: Vault) -> int:
    with vault.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(PersonKey)).scalar_one()


def test_created_keys_are_returned_by_ciphers(kluis: Kluis) -> None:
    people = ids(3)
    created = kluis.vault.create_keys(people, NOW)
    assert set(created) == set(people)
    assert all(created[p].person_id == p for p in people)
    found = kluis.vault.ciphers(people)
    assert set(found) == set(people)
    for p in people:
        blob = created[p].seal("email", f"{p}@example.com")
        assert found[p].open("email", blob) == f"{p}@example.com"
    assert stored_keys(kluis.vault) == 3


def test_create_keys_with_no_people_does_nothing(kluis: Kluis) -> None:
    assert kluis.vault.create_keys([], NOW) == {}
    assert stored_keys(kluis.vault) == 0


def test_keys_are_stored_wrapped_not_plain(kluis: Kluis) -> None:
    (person_id,) = ids(1)
    kluis.vault.create_keys([person_id], NOW)
    with kluis.vault.engine.connect() as conn:
        wrapped = conn.execute(
            select(PersonKey.wrapped_key).where(PersonKey.person_id == person_id)
        ).scalar_one()
    assert len(wrapped) == 40
    keys = derive_keys(decode_master_key(MASTER_KEY))
    data_key = crypto.unwrap_key(keys.key_encryption_key, wrapped, person_id)
    assert data_key not in bytes(wrapped)


def test_a_new_vault_loads_and_unwraps_stored_keys(kluis: Kluis) -> None:
    people = ids(4)
    created = kluis.vault.create_keys(people, NOW)
    sealed = {p: created[p].seal("given_name", "Fenna") for p in people}
    other = fresh_vault(kluis)
    loaded = other.ciphers(people)
    assert set(loaded) == set(people)
    for p in people:
        assert loaded[p].open("given_name", sealed[p]) == "Fenna"
        assert other.cipher(p).open("given_name", sealed[p]) == "Fenna"


def test_each_person_has_their_own_key(kluis: Kluis) -> None:
    one, two = ids(2)
    created = kluis.vault.create_keys([one, two], NOW)
    blob = created[one].seal("email", "fenna@example.com")
    impostor = crypto.PersonCipher(
        one,
        crypto.unwrap_key(
            derive_keys(decode_master_key(MASTER_KEY)).key_encryption_key,
            _wrapped(kluis.vault, two),
            two,
        ),
    )
    with pytest.raises(DecryptionFailed):
        impostor.open("email", blob)


def _wrapped(vault: Vault, person_id: str) -> bytes:
    with vault.engine.connect() as conn:
        return bytes(
            conn.execute(
                select(PersonKey.wrapped_key).where(PersonKey.person_id == person_id)
            ).scalar_one()
        )


def test_a_vault_with_another_master_key_cannot_unwrap(kluis: Kluis) -> None:
    (person_id,) = ids(1)
    kluis.vault.create_keys([person_id], NOW)
    wrong = derive_keys(bytes(range(32)))
    assert wrong != derive_keys(decode_master_key(MASTER_KEY))
    with pytest.raises(DecryptionFailed, match="master key"):
        Vault(kluis.vault.engine, wrong).ciphers([person_id])


def test_unknown_people_are_absent_from_ciphers(kluis: Kluis) -> None:
    known, unknown = ids(2)
    kluis.vault.create_keys([known], NOW)
    assert set(fresh_vault(kluis).ciphers([known, unknown])) == {known}
    with pytest.raises(PersonErased, match=unknown):
        kluis.vault.cipher(unknown)


def test_shred_removes_the_key_and_registers_the_erasure(kluis: Kluis) -> None:
    gone, kept = ids(2)
    kluis.vault.create_keys([gone, kept], NOW)
    assert kluis.vault.erased([gone, kept]) == set()
    assert kluis.vault.register() == []
    kluis.vault.shred(gone, NOW, "request")
    assert kluis.vault.erased([gone, kept]) == {gone}
    assert kluis.vault.register() == [gone]
    assert stored_keys(kluis.vault) == 1
    assert set(kluis.vault.ciphers([gone, kept])) == {kept}
    assert set(fresh_vault(kluis).ciphers([gone, kept])) == {kept}


def test_cipher_of_a_shredded_person_raises_person_erased(kluis: Kluis) -> None:
    (person_id,) = ids(1)
    kluis.vault.create_keys([person_id], NOW)
    kluis.vault.cipher(person_id)  # cached now: shredding must drop it from the cache too
    kluis.vault.shred(person_id, NOW, "request")
    with pytest.raises(PersonErased, match="erased") as caught:
        kluis.vault.cipher(person_id)
    assert person_id in caught.value.detail
    with pytest.raises(PersonErased):
        fresh_vault(kluis).cipher(person_id)


def test_shred_is_idempotent(kluis: Kluis) -> None:
    (person_id,) = ids(1)
    kluis.vault.create_keys([person_id], NOW)
    kluis.vault.shred(person_id, NOW, "request")
    kluis.vault.shred(person_id, NOW + timedelta(days=3), "retention")
    assert kluis.vault.register() == [person_id]
    with kluis.vault.engine.connect() as conn:
        entry = conn.execute(select(ErasureEntry)).one()
    assert entry.erased_at == NOW
    assert entry.reason == "request"


def test_shredding_someone_without_a_key_still_registers_them(kluis: Kluis) -> None:
    (person_id,) = ids(1)
    kluis.vault.shred(person_id, NOW, "restore")
    assert kluis.vault.erased([person_id]) == {person_id}


def test_register_lists_erasures_oldest_first(kluis: Kluis) -> None:
    people = ids(3)
    kluis.vault.create_keys(people, NOW)
    for days, person_id in zip((5, 1, 3), people, strict=True):
        kluis.vault.shred(person_id, NOW + timedelta(days=days), "request")
    assert kluis.vault.register() == [people[1], people[2], people[0]]


def test_erased_looks_up_more_ids_than_one_chunk(kluis: Kluis) -> None:
    people = ids(1203)
    kluis.vault.shred(people[0], NOW, "request")
    kluis.vault.shred(people[-1], NOW, "request")
    assert kluis.vault.erased(people) == {people[0], people[-1]}


def test_ciphers_loads_more_ids_than_one_chunk(kluis: Kluis) -> None:
    people = ids(1203)
    kluis.vault.create_keys(people, NOW)
    assert set(fresh_vault(kluis).ciphers(people)) == set(people)


def test_the_cache_is_bounded_and_every_key_stays_loadable(kluis: Kluis) -> None:
    vault = fresh_vault(kluis, cache_size=2)
    people = ids(5)
    created = vault.create_keys(people, NOW)
    assert len(vault._cache) <= 2
    sealed = {p: created[p].seal("phone", "+31201234567") for p in people}
    for p in people:
        assert vault.cipher(p).open("phone", sealed[p]) == "+31201234567"
        assert len(vault._cache) <= 2
    found = vault.ciphers(people)
    assert set(found) == set(people)
    assert len(vault._cache) <= 2
    assert all(found[p].open("phone", sealed[p]) == "+31201234567" for p in people)


def test_the_cache_keeps_the_most_recently_used(kluis: Kluis) -> None:
    vault = fresh_vault(kluis, cache_size=2)
    a, b, c = ids(3)
    vault.create_keys([a, b], NOW)
    vault.cipher(a)
    vault.create_keys([c], NOW)
    assert set(vault._cache) == {a, c}


def test_blind_index_uses_the_derived_key(kluis: Kluis) -> None:
    keys = derive_keys(decode_master_key(MASTER_KEY))
    expected = crypto.blind_index(keys.blind_index_key, "email", "fenna@example.com")
    assert kluis.vault.blind_index("email", "fenna@example.com") == expected
    other = Vault(kluis.vault.engine, derive_keys(base64.urlsafe_b64decode(MASTER_KEY)[::-1]))
    assert other.blind_index("email", "fenna@example.com") != expected
