"""The daily backup as a periodic job: when ``KLUIS_BACKUP_DIR`` is set, a data snapshot and a
keyring snapshot once a day, then keyring snapshots past ``KLUIS_KEYRING_BACKUP_DAYS`` pruned
(the short keyring window of DESIGN.md, "Keys, erasure and backups"). Queued once per day across
all workers; a run cut off halfway leaves a snapshot directory without its manifest, which a
restore refuses, and the next day's run writes a whole one."""

from __future__ import annotations

import logging

from kluis.actors import SYSTEM
from kluis.backup import service
from kluis.jobs import Job, JobContext
from kluis.purposes.rules import parse_duration
from kluis.settings import Settings

log = logging.getLogger(__name__)


def _daily(settings: Settings) -> int | None:
    return 24 if settings.backup_dir is not None else None


def _backup(context: JobContext) -> None:
    k = context.kluis
    directory = k.settings.backup_dir
    if directory is None:
        return
    now = context.clock()
    made = service.create(k, SYSTEM, directory, now)
    keyrings = directory / "keyrings"
    window = parse_duration(f"P{k.settings.keyring_backup_days}D")
    pruned = service.prune(keyrings, window, now)
    counts = ", ".join(
        f"{v} {name.replace('_', ' ')}" for name, v in made.manifest["counts"].items()
    )
    log.info(
        "daily backup done: data snapshot with %s; %s old keyring snapshots pruned",
        counts,
        len(pruned.deleted),
    )


daily = Job("backup.daily", _backup, every=_daily, max_attempts=2)
