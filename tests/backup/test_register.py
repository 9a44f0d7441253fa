"""The erasure register survives the restore of either store, in any order (issue 14 point 1,
Art. 17, DESIGN.md invariant 2): it is kept in the keyring, in the data store and in an
append-only file beside the master key, and every start and every restore merges the three."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from conftest import ADMIN, NOW
from factories import new_person
from kluis.backup import service as backup
from kluis.contacts import service as contacts
from kluis.errors import NotFound, PersonErased
from kluis.runtime import Kluis, open_kluis
from kluis.settings import Settings


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
        contacts.erase_person(k, ADMIN, gone, NOW + timedelta(minutes=1))
    finally:
        k.close()

    first = backup.restore(conf, ADMIN, snap.data_dir, NOW + timedelta(minutes=2))
    assert first.removed_erased == 1
    backup.restore_keyring(conf, ADMIN, snap.keyring_file, NOW + timedelta(minutes=3))
    backup.restore(conf, ADMIN, snap.data_dir, NOW + timedelta(minutes=4))

    k = open_kluis(conf)
    try:
        with pytest.raises((PersonErased, NotFound)):
            contacts.read_person(k, ADMIN, gone, "customer_service", NOW)
        assert k.vault.erased([gone]) == {gone}
        assert k.vault.has_keys([gone, kept]) == {kept}
        assert contacts.read_person(k, ADMIN, kept, "customer_service", NOW).fields["email"]
    finally:
        k.close()
