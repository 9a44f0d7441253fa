"""Opening Kluis: the stores (``kluis.runtime.open_stores``), then every slice's on-open hook
from the registry (``kluis.slices``): the erasure register's copies merged and what a store
lacks replayed (``kluis.backup.reconcile``).

Every entry point (server, CLI, tests, benchmarks) opens Kluis here, so none starts on a store
that still holds somebody erased (Art. 17). Only a restore opens the stores alone, as it
reconciles itself and reports the counts. This is the top floor: the hooks live in slices high
up, and the runtime below knows none of them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from kluis import console
from kluis.db import utcnow
from kluis.runtime import Kluis, open_stores
from kluis.settings import Settings
from kluis.slices import SLICES, load


def open_kluis(
    settings: Settings,
    *,
    create: bool = False,
    migrate: bool = True,
    reconcile: bool = True,
    now: datetime | None = None,
    engines: tuple[Engine, Engine] | None = None,
) -> Kluis:
    """Open the stores named by ``settings``; ``create`` makes the data directory and key file.

    With ``reconcile`` (on unless the caller reconciles itself), every slice's on-open hook
    runs: the copies of the erasure register are merged and what a store lacks is replayed, at
    ``now`` (default the clock: opening is an edge). ``engines``: see ``open_stores``."""
    kluis = open_stores(settings, create=create, migrate=migrate, engines=engines)
    if reconcile:
        at = now or utcnow()
        try:
            for entry in SLICES:
                if entry.on_open is not None:
                    load(entry.on_open)(kluis, at)
        except BaseException:
            kluis.close()
            raise
    return kluis


def for_commands() -> None:
    """Make the commands of ``kluis`` open Kluis here (``kluis.cli`` calls this when a command
    is loaded, so ``kluis --help`` imports no store)."""
    console.use_opener(open_kluis)
