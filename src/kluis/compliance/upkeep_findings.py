"""Findings about upkeep: accounts that can read everyone but lie unused (Art. 32(1)(b),
25(2)), data kept past its retention (Art. 5(1)(e)), and keyring snapshots that outlive their
window and so keep erased people's keys (Art. 17). Split from ``findings`` for size; its
``CHECKS`` run there."""

from __future__ import annotations

from datetime import datetime

from kluis.actors import ALL_PURPOSES_ROLES
from kluis.backup import service as backup
from kluis.compliance import repository, rules
from kluis.compliance.rules import Finding, Severity
from kluis.locale import N_
from kluis.purposes.rules import Duration
from kluis.retention import service as retention_service
from kluis.runtime import Kluis


def idle_broad_users(k: Kluis, now: datetime) -> list[Finding]:
    """Accounts that can read everyone should be in use or gone (Art. 32(1)(b), 25(2)).

    "Use" is the later of the last sign-in to the web app and the last use of any of the user's
    API tokens; a user who did neither counts from the day they were created.
    """
    found = []
    limit = now - rules.STAFF_IDLE
    with k.engine.connect() as conn:
        users = repository.broad_users(conn, [r.value for r in ALL_PURPOSES_ROLES])
    for user_id, email, role, created, last_used, signed_in in users:
        used = max((t for t in (last_used, signed_in) if t is not None), default=None)
        since = used or created
        if since > limit:
            continue
        what = f"was last active {used:%Y-%m-%d}" if used else "never signed in or used a token"
        found.append(
            Finding(
                "user.idle_broad_role",
                Severity.MEDIUM,
                "Art. 32(1)(b), 25(2)",
                f"user {user_id} ({role}) {what}: an unused account that can read everyone",
                "deactivate the user or give them a narrower role; if they still need it, use it",
                subject=f"user:{user_id}",
                details={"email": email, "role": role},
                said=N_(
                    "User %(id)s (%(role)s) was last active %(used)s: an unused account that can "
                    "read everyone."
                )
                if used
                else N_(
                    "User %(id)s (%(role)s) never signed in or used a token: an unused account "
                    "that can read everyone."
                ),
                said_values={"id": user_id, "role": role, "used": used},
            )
        )
    return found


def retention_overdue(k: Kluis, now: datetime) -> list[Finding]:
    """Data kept past its purposes' retention (Art. 5(1)(e)): what a sweep at ``now`` would
    do, asked of the retention rules without changing anything. A purpose whose retention
    cannot be read stops the sweep; ``purposes_incomplete`` names it, so nothing is added here."""
    try:
        report = retention_service.sweep(k, now, dry_run=True, keep_actions=False)
    except ValueError:
        return []
    found = []
    if report.erased:
        found.append(
            Finding(
                "person.no_live_purpose",
                Severity.HIGH,
                "Art. 5(1)(e), 17(1)(a)",
                f"{report.erased} people have no purpose left whose retention still runs, and "
                "are still held",
                "run `kluis retention run --dry-run` to see who and why, then `kluis retention "
                "run` (the server runs it daily unless KLUIS_SCHEDULE_HOURS is 0)",
                details={"people": report.erased},
                said=N_(
                    "%(people)s people have no purpose left whose retention still runs, and are "
                    "still held."
                ),
                said_values={"people": report.erased},
            )
        )
    if report.minimised:
        found.append(
            Finding(
                "person.fields_past_retention",
                Severity.MEDIUM,
                "Art. 5(1)(c), 5(1)(e)",
                f"{report.minimised} people hold fields or purposes whose retention ran out "
                f"({report.fields_cleared} fields, {report.purposes_removed} purposes)",
                "run `kluis retention run`",
                details={"people": report.minimised},
                said=N_(
                    "%(people)s people hold fields or purposes whose retention ran out "
                    "(%(fields)s fields, %(purposes)s purposes)."
                ),
                said_values={
                    "people": report.minimised,
                    "fields": report.fields_cleared,
                    "purposes": report.purposes_removed,
                },
            )
        )
    return found


def keyring_backups_too_old(k: Kluis, now: datetime) -> list[Finding]:
    """No keyring snapshot outlives its window, or an erased person's key still exists
    (Art. 17; DESIGN.md invariant 2). Looks in ``KLUIS_BACKUP_DIR`` when it is set."""
    directory = k.settings.backup_dir
    if directory is None:
        return []
    keyrings = directory / "keyrings" if (directory / "keyrings").is_dir() else directory
    window = Duration(days=k.settings.keyring_backup_days)
    old = backup.expired_keyrings(keyrings, window, now)
    if not old:
        return []
    return [
        Finding(
            "backup.keyring_too_old",
            Severity.HIGH,
            "Art. 17, 5(1)(e)",
            f"{len(old)} keyring snapshots in {keyrings} are older than "
            f"{k.settings.keyring_backup_days} days: they still hold the keys of people erased "
            "since",
            f"run `kluis backup prune {directory}` (daily, from cron)",
            details={"files": [p.name for p in old]},
            said=N_(
                "%(count)s keyring snapshots in %(folder)s are older than %(days)s days: they "
                "still hold the keys of people erased since."
            ),
            said_values={
                "count": len(old),
                "folder": str(keyrings),
                "days": k.settings.keyring_backup_days,
            },
        )
    ]


CHECKS = (idle_broad_users, retention_overdue, keyring_backups_too_old)
