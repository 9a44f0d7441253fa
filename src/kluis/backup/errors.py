"""What a backup, check or restore refuses or fails with."""

from __future__ import annotations

from kluis.errors import KluisError


class BackupInvalid(KluisError):
    """A backup that is damaged, altered, incomplete or not a Kluis backup."""

    slug = "backup-invalid"
    title = "Backup refused"
    status = 422


class BackupFailed(KluisError):
    """A backup tool (pg_dump, pg_restore) failed; the detail has its exit status."""

    slug = "backup-failed"
    title = "Backup failed"
    status = 500
