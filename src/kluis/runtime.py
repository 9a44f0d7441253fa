"""Opening the stores of a Kluis: settings, the two engines, the master key and the vault,
migrations applied.

Every entry point (server, CLI, tests) opens through ``kluis.opening.open_kluis``, which calls
``open_stores`` and then each slice's on-open hook (the erasure register's reconcile, so none
starts on a store that still holds somebody erased, Art. 17). Only a restore opens the stores
alone, as it reconciles itself and reports the counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine

from kluis import db
from kluis.errors import KluisError
from kluis.settings import Settings
from kluis.vault.keys import derive_keys, load_master_key
from kluis.vault.register import FILE_NAME
from kluis.vault.service import Vault
from kluis.wal import DeferredCheckpoint


@dataclass
class Kluis:
    """What services need: the data engine, the vault (keyring engine and keys), the settings."""

    settings: Settings
    engine: Engine
    vault: Vault
    owns_engines: bool = True
    """Whether :meth:`close` disposes the two engines: not when the caller passed in engines it
    keeps for several openings (the test suite keeps one pair per test database)."""
    data_checkpoint: DeferredCheckpoint = field(init=False, repr=False)
    """The data store's write-ahead-log checkpoint after an erasure, deferred by at most a
    second (``kluis.wal``); run at the latest when Kluis closes."""

    def __post_init__(self) -> None:
        self.data_checkpoint = DeferredCheckpoint(self.engine)

    def close(self) -> None:
        try:
            self.data_checkpoint.close()
        finally:
            if self.owns_engines:
                self.engine.dispose()
                self.vault.engine.dispose()


def open_stores(
    settings: Settings,
    *,
    create: bool = False,
    migrate: bool = True,
    engines: tuple[Engine, Engine] | None = None,
) -> Kluis:
    """Open the stores named by ``settings``; ``create`` makes the data directory and key file,
    ``migrate`` applies the migrations of both stores. ``engines`` (data store, keyring) are used
    instead of new ones and stay the caller's: closing this Kluis leaves them open."""
    if create:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    elif settings.database_url is None and not settings.data_dir.exists():
        raise KluisError(
            f"there is no data directory {settings.data_dir.resolve()}; run `kluis init` first "
            "or set KLUIS_DATA_DIR"
        )
    secret = settings.master_key.get_secret_value() if settings.master_key else None
    keys = derive_keys(load_master_key(secret, settings.master_key_file, create=create))
    engine, keyring_engine = engines or (
        db.make_engine(settings.resolved_database_url),
        db.make_engine(settings.resolved_keyring_url),
    )
    if migrate:
        db.upgrade(keyring_engine, "keyring")
        db.upgrade(engine, "data")
    vault = Vault(keyring_engine, keys, register_file=settings.data_dir / FILE_NAME)
    return Kluis(settings=settings, engine=engine, vault=vault, owns_engines=engines is None)
