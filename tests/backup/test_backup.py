"""Backups that never bring the erased back (issue 6, DESIGN.md invariant 2), on SQLite and on
PostgreSQL (pg_dump / pg_restore from the installed binaries)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from conftest import ADMIN, NOW
from factories import new_person
from kluis.backup import service as backup
from kluis.backup.errors import BackupInvalid
from kluis.contacts import collect, erasure
from kluis.contacts import people as contacts
from kluis.errors import NotFound, PersonErased
from kluis.opening import open_kluis
from kluis.purposes.rules import parse_duration
from kluis.runtime import Kluis
from kluis.settings import Settings

GIVEN = "Zyxwvutsrq"
EMAIL = "zyxwvutsrq.backup@example.com"


def _people(k: Kluis) -> tuple[str, str]:
    erased = collect.create_person(
        k, ADMIN, new_person(1, given_name=GIVEN, email=EMAIL, family_name="Quorlmann"), NOW
    )
    kept = collect.create_person(k, ADMIN, new_person(2), NOW)
    return erased, kept


def _with_pg_tools(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    if settings.database_url is None:
        return settings
    server = request.getfixturevalue("pg")
    return settings.model_copy(update={"pg_bindir": server.bindir})


@pytest.fixture
def conf(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    return _with_pg_tools(settings, request)


def _bytes_of(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file())


def test_restore_removes_people_erased_since_the_backup(
    kluis: Kluis, conf: Settings, tmp_path: Path
) -> None:
    k = open_kluis(conf, migrate=False)
    try:
        gone, kept = _people(k)
        first = backup.create(k, ADMIN, tmp_path / "backups", NOW)
        assert first.manifest["counts"]["people"] == 2
        erasure.erase_person(k, ADMIN, gone, NOW + timedelta(minutes=1))
        second = backup.create(k, ADMIN, tmp_path / "backups", NOW + timedelta(minutes=2))
        assert second.manifest["counts"]["people"] == 1
    finally:
        k.close()

    done = backup.restore(conf, ADMIN, first.data_dir, NOW + timedelta(minutes=3))

    assert (done.removed_erased, done.removed_keyless) == (1, 0)
    k = open_kluis(conf)
    try:
        with pytest.raises(PersonErased):
            contacts.read_person(k, ADMIN, gone, "customer_service", NOW)
        view = contacts.read_person(k, ADMIN, kept, "customer_service", NOW)
        assert view.fields["given_name"] == "Fenna2"
    finally:
        k.close()
    for made in (first, second):
        raw = _bytes_of(made.data_dir) + made.keyring_file.read_bytes()
        for value in (GIVEN, EMAIL, "Quorlmann"):
            assert value.encode() not in raw
            assert value.encode("utf-16-le") not in raw


def test_restore_again_is_harmless(kluis: Kluis, conf: Settings, tmp_path: Path) -> None:
    k = open_kluis(conf, migrate=False)
    try:
        gone, _ = _people(k)
        made = backup.create(k, ADMIN, tmp_path / "b", NOW)
        erasure.erase_person(k, ADMIN, gone, NOW)
    finally:
        k.close()
    assert backup.restore(conf, ADMIN, made.data_dir, NOW).removed_erased == 1
    assert backup.restore(conf, ADMIN, made.data_dir, NOW).removed_erased == 1
    k = open_kluis(conf)
    try:
        assert backup.replay(k, NOW) == (0, 0)
    finally:
        k.close()


def test_a_damaged_backup_is_refused_and_nothing_changes(
    kluis: Kluis, conf: Settings, tmp_path: Path
) -> None:
    k = open_kluis(conf, migrate=False)
    try:
        _, kept = _people(k)
        made = backup.create(k, ADMIN, tmp_path / "b", NOW)
        late = collect.create_person(k, ADMIN, new_person(3), NOW)
    finally:
        k.close()
    (name,) = made.manifest["files"]
    with (made.data_dir / name).open("r+b") as handle:
        handle.seek(200)
        byte = handle.read(1)
        handle.seek(200)
        handle.write(bytes([byte[0] ^ 0xFF]))

    with pytest.raises(BackupInvalid, match="checksum"):
        backup.restore(conf, ADMIN, made.data_dir, NOW)

    k = open_kluis(conf)
    try:
        contacts.read_person(k, ADMIN, late, "customer_service", NOW)
        contacts.read_person(k, ADMIN, kept, "customer_service", NOW)
    finally:
        k.close()


def test_a_missing_or_foreign_manifest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BackupInvalid, match="no manifest"):
        backup.check(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "other"}))
    with pytest.raises(BackupInvalid, match="not a Kluis data backup"):
        backup.check(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(BackupInvalid, match="not JSON"):
        backup.check(tmp_path)


def test_restore_onto_a_fresh_data_directory(
    kluis: Kluis, conf: Settings, tmp_path: Path, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("a fresh PostgreSQL database is the same database emptied; see the test above")
    k = open_kluis(conf, migrate=False)
    try:
        gone, kept = _people(k)
        made = backup.create(k, ADMIN, tmp_path / "b", NOW)
        erasure.erase_person(k, ADMIN, gone, NOW)
        later = backup.create(k, ADMIN, tmp_path / "b", NOW + timedelta(seconds=5))
    finally:
        k.close()
    fresh = Settings(
        data_dir=tmp_path / "fresh", master_key=SecretStr(conf.master_key.get_secret_value())
    )  # type: ignore[union-attr]
    open_kluis(fresh, create=True).close()

    with pytest.raises(BackupInvalid, match="restore the keyring first"):
        backup.restore(fresh, ADMIN, made.data_dir, NOW)

    assert backup.restore_keyring(fresh, ADMIN, later.keyring_file, NOW) == 0
    done = backup.restore(fresh, ADMIN, made.data_dir, NOW)
    assert done.removed_erased == 1
    k = open_kluis(fresh)
    try:
        assert contacts.read_person(k, ADMIN, kept, "customer_service", NOW).fields["email"]
        with pytest.raises((PersonErased, NotFound)):
            contacts.read_person(k, ADMIN, gone, "customer_service", NOW)
    finally:
        k.close()


def test_keyring_restore_replays_erasures_recorded_since(
    kluis: Kluis, conf: Settings, tmp_path: Path
) -> None:
    k = open_kluis(conf, migrate=False)
    try:
        gone, kept = _people(k)
        made = backup.create(k, ADMIN, tmp_path / "b", NOW)
        erasure.erase_person(k, ADMIN, gone, NOW + timedelta(minutes=1))
    finally:
        k.close()

    assert backup.restore_keyring(conf, ADMIN, made.keyring_file, NOW) == 1

    k = open_kluis(conf)
    try:
        assert k.vault.erased([gone]) == {gone}
        assert k.vault.has_keys([gone, kept]) == {kept}
    finally:
        k.close()


def test_an_altered_keyring_snapshot_is_refused(
    kluis: Kluis, conf: Settings, tmp_path: Path
) -> None:
    k = open_kluis(conf, migrate=False)
    try:
        made = backup.create(k, ADMIN, tmp_path / "b", NOW)
        raw = bytearray(made.keyring_file.read_bytes())
        raw[-5] ^= 0x01
        made.keyring_file.write_bytes(bytes(raw))
        with pytest.raises(BackupInvalid, match="does not decrypt"):
            backup.open_keyring_snapshot(k, made.keyring_file)
    finally:
        k.close()


def test_prune_deletes_keyring_snapshots_past_the_window(
    kluis: Kluis, conf: Settings, tmp_path: Path
) -> None:
    k = open_kluis(conf, migrate=False)
    try:
        old = backup.create(k, ADMIN, tmp_path / "b", NOW - timedelta(days=40))
        recent = backup.create(k, ADMIN, tmp_path / "b", NOW - timedelta(days=3))
    finally:
        k.close()
    done = backup.prune(tmp_path / "b" / "keyrings", parse_duration("P35D"), NOW)
    assert done.deleted == [old.keyring_file]
    assert done.kept == 1
    assert recent.keyring_file.exists()
    assert old.data_dir.exists()


def test_restore_replays_partial_erasures(kluis: Kluis, conf: Settings, tmp_path: Path) -> None:
    """An erasure that kept invoicing data (Art. 17(3)(b)) cleared the birth date and dropped
    the marketing purpose; restoring a backup from before must not bring them back."""
    k = open_kluis(conf, migrate=False)
    try:
        person = collect.create_person(
            k,
            ADMIN,
            new_person(
                5,
                purposes=("invoicing", "email_marketing", "age_verification"),
                phone=None,
                birth_date="1990-04-05",
            ),
            NOW,
        )
        made = backup.create(k, ADMIN, tmp_path / "b", NOW)
        with k.engine.begin() as conn:
            gone = erasure.keep_only(
                k, ADMIN, person, ["invoicing"], NOW, reason="request 1", conn=conn, ledger=True
            )
        assert gone.cleared == ("birth_date",)
        assert set(gone.removed_purposes) == {"email_marketing", "age_verification"}
    finally:
        k.close()

    backup.restore(conf, ADMIN, made.data_dir, NOW + timedelta(minutes=1))

    k = open_kluis(conf)
    try:
        view = contacts.read_person(k, ADMIN, person, "privacy_requests", NOW)
        assert "birth_date" not in view.fields
        assert view.fields["email"] == "fenna.brouwersma5@example.com"
        assert view.purposes == ("invoicing",)
        assert backup.replay(k, NOW) == (0, 0)
    finally:
        k.close()
