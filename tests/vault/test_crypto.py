"""Field encryption and blind indexes (kluis.vault.crypto): pure functions over keys."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.errors import DecryptionFailed
from kluis.vault import crypto

FIELD_NAMES = [f.name for f in PERSONAL_FIELDS]
KEY_A = bytes(range(32))
KEY_B = bytes(range(1, 33))

person_ids = st.uuids().map(str)
field_names = st.sampled_from(FIELD_NAMES)
keys = st.binary(min_size=32, max_size=32)


def a_cipher(person_id: str | None = None, key: bytes = KEY_A) -> crypto.PersonCipher:
    return crypto.PersonCipher(person_id or str(uuid.uuid4()), key)


@given(person_id=person_ids, field=field_names, value=st.text(max_size=500), key=keys)
def test_text_round_trips(person_id: str, field: str, value: str, key: bytes) -> None:
    cipher = crypto.PersonCipher(person_id, key)
    blob = cipher.seal(field, value)
    assert blob[:1] == crypto.FORMAT_V1
    assert crypto.PersonCipher(person_id, key).open(field, blob) == value


@given(person_id=person_ids, field=field_names, value=st.binary(max_size=2000))
def test_bytes_round_trip(person_id: str, field: str, value: bytes) -> None:
    cipher = crypto.PersonCipher(person_id, KEY_A)
    assert cipher.open_bytes(field, cipher.seal_bytes(field, value)) == value


@given(value=st.text(min_size=1, max_size=200))
def test_ciphertext_does_not_contain_the_plain_value(value: str) -> None:
    blob = a_cipher().seal("notes", value * 3)
    assert (value * 3).encode() not in blob


@given(one=person_ids, other=person_ids, field=field_names, value=st.text(max_size=100))
def test_ciphertext_moved_to_another_person_does_not_open(
    one: str, other: str, field: str, value: str
) -> None:
    if one == other:
        other = str(uuid.UUID(int=uuid.UUID(one).int ^ 1))
    blob = crypto.PersonCipher(one, KEY_A).seal(field, value)
    with pytest.raises(DecryptionFailed, match=f"field {field!r}") as caught:
        crypto.PersonCipher(other, KEY_A).open(field, blob)
    assert caught.value.field == field
    assert other in caught.value.detail


@given(
    person_id=person_ids,
    fields=st.lists(field_names, min_size=2, max_size=2, unique=True),
    value=st.text(max_size=100),
)
def test_ciphertext_moved_to_another_field_does_not_open(
    person_id: str, fields: list[str], value: str
) -> None:
    sealed_as, opened_as = fields
    cipher = crypto.PersonCipher(person_id, KEY_A)
    blob = cipher.seal(sealed_as, value)
    with pytest.raises(DecryptionFailed, match="sealed for another person or field") as caught:
        cipher.open(opened_as, blob)
    assert caught.value.field == opened_as
    assert repr(opened_as) in str(caught.value)


def test_ciphertext_under_another_data_key_does_not_open() -> None:
    person_id = str(uuid.uuid4())
    blob = crypto.PersonCipher(person_id, KEY_A).seal("email", "fenna@example.com")
    with pytest.raises(DecryptionFailed) as caught:
        crypto.PersonCipher(person_id, KEY_B).open("email", blob)
    assert caught.value.field == "email"


@given(value=st.text(max_size=50), data=st.data())
def test_a_flipped_bit_anywhere_is_detected(value: str, data: st.DataObject) -> None:
    cipher = a_cipher()
    blob = bytearray(cipher.seal("notes", value))
    index = data.draw(st.integers(0, len(blob) - 1), label="index")
    bit = data.draw(st.integers(0, 7), label="bit")
    blob[index] ^= 1 << bit
    with pytest.raises(DecryptionFailed) as caught:
        cipher.open("notes", bytes(blob))
    assert caught.value.field == "notes"


@given(value=st.text(max_size=50))
def test_truncated_ciphertext_is_refused(value: str) -> None:
    cipher = a_cipher()
    blob = cipher.seal("notes", value)
    with pytest.raises(DecryptionFailed):
        cipher.open("notes", blob[:-1])


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"\x01",
        b"fenna@example.com",
        b"\x01" + bytes(12) + bytes(15),
        b"\x02" + bytes(12) + bytes(32),
        b"\x00" + bytes(60),
    ],
)
def test_blobs_that_are_not_kluis_ciphertext_are_refused_clearly(blob: bytes) -> None:
    cipher = a_cipher()
    with pytest.raises(DecryptionFailed, match="is not a Kluis ciphertext") as caught:
        cipher.open("email", blob)
    assert caught.value.field == "email"
    assert cipher.person_id in caught.value.detail


def test_a_kluis_shaped_blob_with_garbage_fails_on_its_tag() -> None:
    blob = b"\x01" + bytes(12) + bytes(32)
    with pytest.raises(DecryptionFailed, match="does not decrypt"):
        a_cipher().open("phone", blob)


@given(value=st.text(max_size=100))
def test_the_same_value_sealed_twice_gives_different_ciphertext(value: str) -> None:
    cipher = a_cipher()
    first, second = cipher.seal("email", value), cipher.seal("email", value)
    assert first != second
    assert first[1 : 1 + crypto.NONCE_BYTES] != second[1 : 1 + crypto.NONCE_BYTES]
    assert cipher.open("email", first) == cipher.open("email", second) == value


def test_new_data_keys_are_random_and_32_bytes() -> None:
    made = {crypto.new_data_key() for _ in range(50)}
    assert len(made) == 50
    assert all(len(k) == crypto.DATA_KEY_BYTES == 32 for k in made)


@given(kek=keys, data_key=keys)
def test_wrap_and_unwrap_round_trip(kek: bytes, data_key: bytes) -> None:
    wrapped = crypto.wrap_key(kek, data_key)
    assert len(wrapped) == 40
    assert data_key not in wrapped
    assert crypto.unwrap_key(kek, wrapped, "p-1") == data_key


@given(kek=keys, other=keys, data_key=keys)
def test_unwrap_with_another_master_key_fails_with_a_message_about_it(
    kek: bytes, other: bytes, data_key: bytes
) -> None:
    if other == kek:
        other = bytes(b ^ 0xFF for b in kek)
    wrapped = crypto.wrap_key(kek, data_key)
    person_id = str(uuid.uuid4())
    with pytest.raises(DecryptionFailed, match="master key") as caught:
        crypto.unwrap_key(other, wrapped, person_id)
    assert person_id in caught.value.detail
    assert "KLUIS_MASTER_KEY" in caught.value.detail


@given(key=keys, kind=st.sampled_from(["email", "phone", "name"]), value=st.text(max_size=100))
def test_blind_index_is_deterministic_and_16_bytes(key: bytes, kind: str, value: str) -> None:
    digest = crypto.blind_index(key, kind, value)
    assert len(digest) == crypto.BLIND_INDEX_BYTES == 16
    assert crypto.blind_index(key, kind, value) == digest


@given(one=keys, other=keys, value=st.text(max_size=100))
def test_blind_index_depends_on_the_key(one: bytes, other: bytes, value: str) -> None:
    if one == other:
        other = bytes(b ^ 1 for b in one)
    assert crypto.blind_index(one, "email", value) != crypto.blind_index(other, "email", value)


@given(value=st.text(max_size=100))
def test_blind_index_depends_on_the_kind(value: str) -> None:
    digests = {crypto.blind_index(KEY_A, kind, value) for kind in ("email", "phone", "name")}
    assert len(digests) == 3


@given(one=st.text(max_size=50), other=st.text(max_size=50))
def test_blind_index_separates_different_values(one: str, other: str) -> None:
    same = crypto.blind_index(KEY_A, "name", one) == crypto.blind_index(KEY_A, "name", other)
    assert same == (one == other)


@pytest.mark.parametrize("size", [0, 1, 32, 63, 64, 65, 200])
@given(kind=st.sampled_from(["email", "phone", "name", "custom.city"]), value=st.text(max_size=100))
def test_blind_indexer_gives_the_keyed_hmac_of_blind_index(
    size: int, kind: str, value: str
) -> None:
    # keys shorter and longer than SHA-256's 64-byte block: HMAC hashes a longer key first
    key = bytes((7 * n + 3) % 256 for n in range(size))
    assert crypto.BlindIndexer(key)(kind, value) == crypto.blind_index(key, kind, value)


def test_blind_indexer_is_the_same_for_every_call() -> None:
    indexer = crypto.BlindIndexer(KEY_A)
    first = indexer("email", "fenna@example.com")
    indexer("name", "jansen")
    assert indexer("email", "fenna@example.com") == first


def test_kind_and_value_cannot_be_shifted_into_each_other() -> None:
    assert crypto.blind_index(KEY_A, "name", "x") != crypto.blind_index(KEY_A, "namex", "")
    assert crypto.blind_index(KEY_A, "email", "a") != crypto.blind_index(KEY_A, "emai", "la")


@given(
    person_id=person_ids,
    values=st.dictionaries(field_names, st.text(max_size=200), max_size=len(FIELD_NAMES)),
    key=keys,
)
def test_seal_all_seals_each_field_as_seal_does(
    person_id: str, values: dict[str, str], key: bytes
) -> None:
    """The bulk path's ``seal_all`` (nonces drawn in one call) gives ciphertexts that open like
    ``seal``'s, bound to the person and field, each with its own nonce."""
    cipher = crypto.PersonCipher(person_id, key)
    sealed = cipher.seal_all(values)
    assert sealed.keys() == values.keys()
    for field, blob in sealed.items():
        assert cipher.open(field, blob) == values[field]
        for other in FIELD_NAMES:
            if other != field:
                with pytest.raises(DecryptionFailed):
                    cipher.open(other, blob)
        with pytest.raises(DecryptionFailed):
            crypto.PersonCipher(str(uuid.uuid4()), key).open(field, blob)
    nonces = [blob[1 : 1 + crypto.NONCE_BYTES] for blob in sealed.values()]
    assert len(set(nonces)) == len(nonces)
