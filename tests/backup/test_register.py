"""The erasure register survives the restore of either store, in any order (issue 14 point 1,
Art. 17, DESIGN.md invariant 2): it is kept in the keyring, in the data store and in an
append-only file beside the master key, and every start and every restore merges the three."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete

from conftest import ADMIN, NOW
from factories import new_person
from kluis.audit import service as audit
from kluis.backup import service as backup
from kluis.contacts import collect as contacts
from kluis.contacts import erasure as contacts_erasure
from kluis.contacts import people, rules
from kluis.errors import NotFound, PersonErased
from kluis.opening import open_kluis
from kluis.register import repository as register_repo
from kluis.register.tables import ErasedPerson, MinimisedPerson
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.vault import register
from kluis.vault.register import RegisterFile
from kluis.vault.tables import ErasureEntry, MinimisationEntry

PURPOSES = ("customer_service", "age_verification")


def _with_pg_tools(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    if settings.database_url is None:
        return settings
    server = request.getfixturevalue("pg")
    return settings.model_copy(update={"pg_bindir": server.bindir})


@pytest.fixture
def conf(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    return _with_pg_tools(settings, request)


def test_data_restore_then_old_keyring_then_data_restore_again_keeps_the_erased_away(
    kluis: Kluis, conf: Settings, tmp_path: Path
) -> None:
    """The reproduction of issue 14: backup, erase, restore the data (1 removed), restore the
    old keyring (the data restore rolled the audit log back), restore the data again."""
    k = open_kluis(conf, migrate=False)
    try:
        gone = contacts.create_person(k, ADMIN, new_person(1), NOW)
        kept = contacts.create_person(k, ADMIN, new_person(2), NOW)
        snap = backup.create(k, ADMIN, tmp_path / "b", NOW)
        contacts_erasure.erase_person(k, ADMIN, gone, NOW + timedelta(minutes=1))
    finally:
        k.close()

    first = backup.restore(conf, ADMIN, snap.data_dir, NOW + timedelta(minutes=2))
    assert first.removed_erased == 1
    backup.restore_keyring(conf, ADMIN, snap.keyring_file, NOW + timedelta(minutes=3))
    backup.restore(conf, ADMIN, snap.data_dir, NOW + timedelta(minutes=4))

    k = open_kluis(conf)
    try:
        with pytest.raises((PersonErased, NotFound)):
            people.read_person(k, ADMIN, gone, "customer_service", NOW)
        assert k.vault.erased([gone]) == {gone}
        assert k.vault.has_keys([gone, kept]) == {kept}
        assert people.read_person(k, ADMIN, kept, "customer_service", NOW).fields["email"]
    finally:
        k.close()


def test_an_erasure_whose_process_died_before_the_keyring_is_finished_at_the_next_start(
    kluis: Kluis, conf: Settings
) -> None:
    """The register file is written (fsync'ed) before a key is destroyed: if the process dies
    right after, the next start destroys the key and deletes the rows."""
    k = open_kluis(conf, migrate=False)
    try:
        person = contacts.create_person(k, ADMIN, new_person(1), NOW)
        assert k.vault.register_file is not None
        k.vault.register_file.append([register.erasure(person, NOW, "request")])
    finally:
        k.close()

    k = open_kluis(conf, migrate=False, now=NOW + timedelta(minutes=1))
    try:
        assert k.vault.erased([person]) == {person}
        assert not k.vault.has_keys([person])
        with pytest.raises((PersonErased, NotFound)):
            people.read_person(k, ADMIN, person, "customer_service", NOW)
        (entry,) = audit.list_entries(k.engine, action="register.replayed")
        assert entry.details["keys_destroyed"] == 1
        assert entry.details["people_removed"] == 1
    finally:
        k.close()


def test_each_copy_gets_back_what_it_lost(kluis: Kluis, conf: Settings) -> None:
    """Lose the register file and empty the keyring's register: the data store's copy brings
    both back at the next start; empty the data store's copy: the others bring it back."""
    k = open_kluis(conf, migrate=False)
    try:
        gone = contacts.create_person(k, ADMIN, new_person(1), NOW)
        cut = contacts.create_person(
            k, ADMIN, new_person(2, purposes=PURPOSES, birth_date="1990-04-05"), NOW
        )
        contacts_erasure.erase_person(k, ADMIN, gone, NOW)
        with k.engine.begin() as conn:
            contacts_erasure.keep_only(
                k, ADMIN, cut, ["customer_service"], NOW, reason="r", conn=conn
            )
        assert k.vault.register_file is not None
        k.vault.register_file.path.unlink()
        with k.vault.engine.begin() as conn:
            conn.execute(delete(ErasureEntry))
            conn.execute(delete(MinimisationEntry))
    finally:
        k.close()

    k = open_kluis(conf, migrate=False, now=NOW)
    try:
        assert k.vault.register_file is not None
        held = k.vault.register_file.read()
        assert [e.person_id for e in held.erasures] == [gone]
        assert [m.person_id for m in held.minimisations] == [cut]
        assert k.vault.erased([gone, cut]) == {gone}
        assert [m.person_id for m in k.vault.minimisation_entries()] == [cut]
        with k.engine.begin() as conn:
            conn.execute(delete(ErasedPerson))
            conn.execute(delete(MinimisedPerson))
    finally:
        k.close()

    k = open_kluis(conf, migrate=False, now=NOW)
    try:
        with k.engine.connect() as conn:
            assert [e.person_id for e in register_repo.erasures(conn)] == [gone]
            assert [m.person_id for m in register_repo.minimisations(conn)] == [cut]
    finally:
        k.close()


def test_a_forged_or_altered_line_of_the_register_file_is_ignored_and_counted(
    kluis: Kluis, conf: Settings
) -> None:
    """A line not made with the master key (written by hand, or altered) erases nobody: it
    could otherwise be used to delete people. It is counted in the audit log."""
    k = open_kluis(conf, migrate=False)
    try:
        person = contacts.create_person(k, ADMIN, new_person(1), NOW)
        path = k.vault.register_file.path if k.vault.register_file else None
    finally:
        k.close()
    assert path is not None
    forged = RegisterFile(path, b"\x01" * 32)
    forged.append([register.erasure(person, NOW, "request")])
    line = register.encode(b"\x02" * 32, register.erasure(person, NOW, "request"))
    with path.open("ab") as handle:
        handle.write(line[:10] + b"0" + line[11:])

    k = open_kluis(conf, migrate=False, now=NOW)
    try:
        assert people.read_person(k, ADMIN, person, "customer_service", NOW).fields["email"]
        assert k.vault.erased([person]) == set()
        (entry,) = audit.list_entries(k.engine, action="register.replayed")
        assert entry.details["rejected_lines"] == 2
        assert entry.details["keys_destroyed"] == 0
    finally:
        k.close()


def test_the_register_file_is_private_and_holds_no_personal_data(
    kluis: Kluis, conf: Settings
) -> None:
    k = open_kluis(conf, migrate=False)
    try:
        gone = contacts.create_person(k, ADMIN, new_person(1, given_name="Zyxwvutsrq"), NOW)
        cut = contacts.create_person(
            k, ADMIN, new_person(2, purposes=PURPOSES, birth_date="1990-04-05"), NOW
        )
        contacts_erasure.erase_person(k, ADMIN, gone, NOW)
        with k.engine.begin() as conn:
            contacts_erasure.keep_only(
                k, ADMIN, cut, ["customer_service"], NOW, reason="r", conn=conn
            )
        assert k.vault.register_file is not None
        path = k.vault.register_file.path
    finally:
        k.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = path.read_bytes()
    assert gone.encode() in raw
    assert b'"birth_date"' in raw
    for value in ("Zyxwvutsrq", "Brouwersma", "example.com", "1990-04-05", "+31"):
        assert value.encode() not in raw


def _email_digest(k: Kluis, email: str) -> bytes:
    return k.vault.blind_index("email", rules.email_index_term(rules.normalise_email(email)))


def test_an_old_keyring_snapshot_does_not_forget_the_suppression_list(
    kluis: Kluis, conf: Settings, tmp_path: Path
) -> None:
    """The suppression list lives in the keyring only: restoring a keyring snapshot from before
    an erasure must not take the erased person's address off it, nor put back an address a
    double opt-in lifted since (Art. 17, 21(3), 7)."""
    k = open_kluis(conf, migrate=False)
    try:
        gone = contacts.create_person(k, ADMIN, new_person(1), NOW)
        signed_up = _email_digest(k, "fenna.brouwersma7@example.com")
        k.vault.suppress([("email", signed_up)], "objected", NOW)
        snap = backup.create(k, ADMIN, tmp_path / "b", NOW)
        contacts_erasure.erase_person(k, ADMIN, gone, NOW + timedelta(minutes=1))
        erased_address = _email_digest(k, "fenna.brouwersma1@example.com")
        assert k.vault.suppressed([erased_address]) == {erased_address}
        assert k.vault.unsuppress([signed_up], NOW + timedelta(minutes=2)) == 1
    finally:
        k.close()

    backup.restore_keyring(conf, ADMIN, snap.keyring_file, NOW + timedelta(minutes=3))

    k = open_kluis(conf)
    try:
        assert k.vault.suppressed([erased_address, signed_up]) == {erased_address}
    finally:
        k.close()
