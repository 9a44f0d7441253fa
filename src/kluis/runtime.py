"""Opening a Kluis: settings, the two engines, the master key and the vault, migrations applied,
the erasure register's copies merged and replayed.

Every entry point (server, CLI, tests) goes through ``open_kluis`` so they all run on the same
schema and the same keys, and none starts on a store that still holds somebody erased (Art. 17).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from kluis import db
from kluis.register.service import reconcile as reconcile_register
from kluis.settings import Settings
from kluis.vault.keys import derive_keys, load_master_key
from kluis.vault.register import FILE_NAME
from kluis.vault.service import Vault


@dataclass
class Kluis:
    """What services need: the data engine, the vault (keyring engine and keys), the settings."""

    settings: Settings
    engine: Engine
    vault: Vault

    def close(self) -> None:
        self.engine.dispose()
        self.vault.engine.dispose()


def open_kluis(
    settings: Settings,
    *,
    create: bool = False,
    migrate: bool = True,
    reconcile: bool = True,
    now: datetime | None = None,
) -> Kluis:
    """Open the stores named by ``settings``; ``create`` makes the data directory and key file.

    With ``reconcile`` (off only for a restore, which reconciles itself and reports the counts),
    the copies of the erasure register are merged and what a store lacks is replayed, at
    ``now`` (default the clock: opening is an edge)."""
    if create:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    elif settings.database_url is None and not settings.data_dir.exists():
        from kluis.errors import KluisError

        raise KluisError(
            f"there is no data directory {settings.data_dir.resolve()}; run `kluis init` first "
            "or set KLUIS_DATA_DIR"
        )
    secret = settings.master_key.get_secret_value() if settings.master_key else None
    keys = derive_keys(load_master_key(secret, settings.master_key_file, create=create))
    engine = db.make_engine(settings.resolved_database_url)
    keyring_engine = db.make_engine(settings.resolved_keyring_url)
    if migrate:
        db.upgrade(keyring_engine, "keyring")
        db.upgrade(engine, "data")
    vault = Vault(keyring_engine, keys, register_file=settings.data_dir / FILE_NAME)
    if reconcile:
        reconcile_register(engine, vault, now or db.utcnow())
    return Kluis(settings=settings, engine=engine, vault=vault)
