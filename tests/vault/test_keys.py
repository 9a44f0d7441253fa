"""The master key and the keys derived from it (kluis.vault.keys)."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kluis.vault.keys import (
    MASTER_KEY_BYTES,
    MasterKeyError,
    decode_master_key,
    derive_keys,
    load_master_key,
    new_master_key_text,
)

KEY_TEXT = base64.urlsafe_b64encode(bytes(range(32))).decode()
OTHER_TEXT = base64.urlsafe_b64encode(bytes(range(100, 132))).decode()


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@given(master=st.binary(min_size=32, max_size=32))
def test_derive_keys_gives_two_different_32_byte_keys(master: bytes) -> None:
    keys = derive_keys(master)
    assert len(keys.key_encryption_key) == 32
    assert len(keys.blind_index_key) == 32
    assert keys.key_encryption_key != keys.blind_index_key
    assert master not in (keys.key_encryption_key, keys.blind_index_key)
    assert derive_keys(master) == keys


@given(one=st.binary(min_size=32, max_size=32), other=st.binary(min_size=32, max_size=32))
def test_different_master_keys_derive_different_keys(one: bytes, other: bytes) -> None:
    same = derive_keys(one) == derive_keys(other)
    assert same == (one == other)


@given(master=st.binary(max_size=64).filter(lambda b: len(b) != MASTER_KEY_BYTES))
def test_derive_keys_refuses_a_master_key_of_the_wrong_length(master: bytes) -> None:
    with pytest.raises(MasterKeyError, match=f"must be 32 bytes, got {len(master)}"):
        derive_keys(master)


def test_a_new_master_key_text_decodes_to_32_random_bytes() -> None:
    texts = {new_master_key_text() for _ in range(20)}
    assert len(texts) == 20
    assert all(len(decode_master_key(t)) == 32 for t in texts)


def test_load_creates_the_key_file_with_mode_0600(tmp_path: Path) -> None:
    key_file = tmp_path / "nested" / "master.key"
    key = load_master_key(None, key_file, create=True)
    assert len(key) == 32
    assert key_file.exists()
    assert mode_of(key_file) == 0o600
    assert decode_master_key(key_file.read_text()) == key


def test_the_key_file_is_0600_even_under_a_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        key_file = tmp_path / "master.key"
        load_master_key(None, key_file, create=True)
    finally:
        os.umask(old)
    assert mode_of(key_file) == 0o600


def test_load_reuses_the_key_file_the_second_time(tmp_path: Path) -> None:
    key_file = tmp_path / "master.key"
    first = load_master_key(None, key_file, create=True)
    written = key_file.read_text()
    assert load_master_key(None, key_file, create=True) == first
    assert load_master_key(None, key_file, create=False) == first
    assert key_file.read_text() == written


def test_two_key_files_hold_different_keys(tmp_path: Path) -> None:
    one = load_master_key(None, tmp_path / "a.key", create=True)
    other = load_master_key(None, tmp_path / "b.key", create=True)
    assert one != other


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    key_file = tmp_path / "master.key"
    key_file.write_text(KEY_TEXT + "\n")
    key_file.chmod(mode)
    with pytest.raises(MasterKeyError, match="chmod 600") as caught:
        load_master_key(None, key_file, create=True)
    assert str(key_file) in caught.value.detail
    assert f"{mode:o}" in caught.value.detail


def test_a_key_file_with_mode_0400_is_accepted(tmp_path: Path) -> None:
    key_file = tmp_path / "master.key"
    key_file.write_text(KEY_TEXT + "\n")
    key_file.chmod(0o400)
    assert load_master_key(None, key_file, create=False) == bytes(range(32))


def test_no_key_file_and_create_false_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "master.key"
    with pytest.raises(MasterKeyError, match="kluis init") as caught:
        load_master_key(None, key_file, create=False)
    assert "KLUIS_MASTER_KEY" in caught.value.detail
    assert not key_file.exists()


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    key_file = tmp_path / "master.key"
    key_file.write_text(OTHER_TEXT + "\n")
    key_file.chmod(0o600)
    assert load_master_key(KEY_TEXT, key_file, create=True) == bytes(range(32))
    assert key_file.read_text() == OTHER_TEXT + "\n"


def test_an_environment_key_creates_no_file(tmp_path: Path) -> None:
    key_file = tmp_path / "master.key"
    assert load_master_key(f"  {KEY_TEXT}\n", key_file, create=True) == bytes(range(32))
    assert not key_file.exists()


@pytest.mark.parametrize(
    "value",
    [
        "not base64 at all!",
        "abc",
        "ключ-ключ-ключ",
        base64.urlsafe_b64encode(bytes(16)).decode(),
        base64.urlsafe_b64encode(bytes(33)).decode(),
        base64.urlsafe_b64encode(bytes(31)).decode(),
    ],
)
def test_a_bad_environment_value_is_refused(tmp_path: Path, value: str) -> None:
    key_file = tmp_path / "master.key"
    with pytest.raises(MasterKeyError):
        load_master_key(value, key_file, create=True)
    assert not key_file.exists()


def test_a_wrong_length_key_says_how_long_it_is(tmp_path: Path) -> None:
    value = base64.urlsafe_b64encode(bytes(16)).decode()
    with pytest.raises(MasterKeyError, match="decodes to 16"):
        load_master_key(value, tmp_path / "master.key", create=False)


def test_a_non_base64_key_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError, match="not URL-safe base64"):
        load_master_key("abc", tmp_path / "master.key", create=False)


@given(raw=st.binary().filter(lambda b: len(b) != MASTER_KEY_BYTES))
def test_decode_refuses_every_wrong_length(raw: bytes) -> None:
    with pytest.raises(MasterKeyError):
        decode_master_key(base64.urlsafe_b64encode(raw).decode())


@given(text=st.text(max_size=80))
def test_decode_of_any_text_gives_32_bytes_or_master_key_error(text: str) -> None:
    try:
        raw = decode_master_key(text)
    except MasterKeyError:
        return
    assert len(raw) == MASTER_KEY_BYTES


@given(raw=st.binary(min_size=32, max_size=32))
def test_decode_round_trips_urlsafe_base64(raw: bytes) -> None:
    assert decode_master_key(base64.urlsafe_b64encode(raw).decode()) == raw
