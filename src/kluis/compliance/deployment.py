"""Findings about the deployment rather than the data: what a first installation leaves to do
before it holds real people.

- the controller's name and privacy contact still the defaults: the privacy notice and the
  record of processing would name nobody (Art. 13(1)(a), 30(1)(a));
- no backup directory, or no data snapshot in it in the last two days: availability cannot be
  restored after an incident (Art. 32(1)(c));
- an admin or privacy officer, who can read everyone, signing in with a password alone
  (Art. 32(1)(b));
- consents waiting for re-confirmation while no mail server is configured: nobody is asked, so
  they lapse silently (Art. 7(1));
- a base URL on ``http://`` for a host other than this machine: sign-in passwords, session
  cookies and the tokens in mailed links would cross the network in clear (Art. 32(1)(a)).

Each check is a ``Check`` of ``kluis.compliance.findings``, which lists them in ``CHECKS``.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from kluis.actors import ALL_PURPOSES_ROLES
from kluis.backup.service import DATA_PREFIX, STAMP
from kluis.compliance import repository
from kluis.compliance.rules import Finding, Severity
from kluis.retention import service as retention
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.ui.vocabulary import N_

BACKUP_MAX_AGE = timedelta(days=2)
"""A data snapshot older than this is too old to rely on."""

FILE_HINT = "in kluis.toml (or the KLUIS_ variable)"


def organisation_defaults(k: Kluis, now: datetime) -> list[Finding]:
    """The controller must be named in the notice and the record (Art. 13(1)(a), 30(1)(a))."""
    fields = Settings.model_fields
    left = [
        name
        for name in ("organisation_name", "organisation_contact")
        if getattr(k.settings, name) == fields[name].default
    ]
    if not left:
        return []
    return [
        Finding(
            "deployment.organisation_default",
            Severity.MEDIUM,
            "Art. 13(1)(a), 30(1)(a)",
            f"{' and '.join(left)} still the default: the privacy notice and the record of "
            "processing name nobody people can reach",
            f"set {', '.join(left)} {FILE_HINT}",
            details={"settings": left},
            said=N_(
                "%(settings)s still the default: the privacy notice and the record of "
                "processing name nobody people can reach."
            ),
            said_values={"settings": ", ".join(f"KLUIS_{name.upper()}" for name in left)},
        )
    ]


def backups_missing(k: Kluis, now: datetime) -> list[Finding]:
    """Without recent backups, availability cannot be restored after an incident
    (Art. 32(1)(c)). The newest data snapshot's time is read from its directory's name."""
    directory = k.settings.backup_dir
    if directory is None:
        return [
            Finding(
                "deployment.no_backup_dir",
                Severity.MEDIUM,
                "Art. 32(1)(c)",
                "no backup directory is configured",
                f"set backup_dir {FILE_HINT} and run `kluis backup create` daily (cron or a "
                "systemd timer); keep the keyring snapshots apart (docs/operations.md)",
                said=N_("No backup directory is configured."),
            )
        ]
    stamps = []
    if directory.is_dir():
        for path in directory.glob(f"{DATA_PREFIX}*"):
            try:
                stamps.append(datetime.strptime(path.name[len(DATA_PREFIX) :], STAMP))
            except ValueError:
                continue
    newest = max(stamps, default=None)
    newest = newest.replace(tzinfo=UTC) if newest is not None else None
    if newest is not None and newest > now - BACKUP_MAX_AGE:
        return []
    when = f"the newest is from {newest:%Y-%m-%d %H:%M} UTC" if newest else "there is none"
    return [
        Finding(
            "deployment.no_recent_backup",
            Severity.MEDIUM,
            "Art. 32(1)(c)",
            f"no data backup in {directory} in the last 2 days: {when}",
            f"run `kluis backup create {directory}` now and daily (cron or a systemd timer)",
            details={"newest": newest.isoformat() if newest else None},
            said=N_("No data backup in %(folder)s in the last 2 days: the newest is from %(at)s.")
            if newest
            else N_("No data backup in %(folder)s in the last 2 days: there is none."),
            said_values={"folder": str(directory), "at": newest},
        )
    ]


def broad_users_without_second_factor(k: Kluis, now: datetime) -> list[Finding]:
    """An account that can read everyone needs more than a password (Art. 32(1)(b))."""
    with k.engine.connect() as conn:
        users = repository.without_second_factor(conn, [r.value for r in ALL_PURPOSES_ROLES])
    return [
        Finding(
            "user.no_second_factor",
            Severity.MEDIUM,
            "Art. 32(1)(b)",
            f"user {user_id} ({role}) can read everyone and signs in without two-step sign-in",
            "sign in as them and turn on two-step sign-in at /app/two-factor (an authenticator "
            "app, TOTP)",
            subject=f"user:{user_id}",
            details={"role": role},
            said=N_(
                "User %(id)s (%(role)s) can read everyone and signs in without two-step sign-in."
            ),
            said_values={"id": user_id, "role": role},
        )
        for user_id, role in users
    ]


def reconfirmation_without_mail(k: Kluis, now: datetime) -> list[Finding]:
    """Consents due for re-confirmation are asked about by mail; with no mail server nobody is
    asked and each consent lapses at its date (Art. 7(1): consent must stay demonstrable). The
    people counted are the ones the mailing would ask (``retention.due_for_reconfirmation``,
    the one rule); with a mail server ``compliance.job_forecast`` says when they go."""
    if k.settings.smtp_url:
        return []
    days = k.settings.reconfirm_days_before
    waiting = sum(1 for _ in retention.due_for_reconfirmation(k, now, days))
    if not waiting:
        return []
    return [
        Finding(
            "deployment.mail_not_configured",
            Severity.MEDIUM,
            "Art. 7(1)",
            f"{waiting} consents are due for re-confirmation within {days} days, but no mail "
            "server is configured: nobody will be asked, and they will lapse",
            f"set smtp_url {FILE_HINT}; the requests then go at the next scheduled run, all "
            "at once: check first that they are expected",
            count=waiting,
            said=N_(
                "%(count)s consents are due for re-confirmation within %(days)s days, but no "
                "mail server is configured: nobody will be asked, and they will lapse."
            ),
            said_values={"count": waiting, "days": days},
        )
    ]


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_base_url(k: Kluis, now: datetime) -> list[Finding]:
    """Links, passwords and session cookies to another machine need TLS (Art. 32(1)(a))."""
    parts = urlsplit(k.settings.base_url)
    if parts.scheme != "http" or is_loopback(parts.hostname or ""):
        return []
    return [
        Finding(
            "deployment.plain_http",
            Severity.HIGH,
            "Art. 32(1)(a)",
            f"the base URL {k.settings.base_url} is plain http for a host other than this "
            "machine: passwords, session cookies and the tokens in mailed links cross the "
            "network unencrypted",
            "serve Kluis behind a TLS reverse proxy, set base_url to its https:// address and "
            "trusted_proxies to the proxy's address (docs/operations.md)",
            details={"base_url": k.settings.base_url},
            said=N_(
                "The base URL %(url)s is plain http for a host other than this machine: "
                "passwords, session cookies and the tokens in mailed links cross the network "
                "unencrypted."
            ),
            said_values={"url": k.settings.base_url},
        )
    ]


CHECKS = (
    organisation_defaults,
    backups_missing,
    broad_users_without_second_factor,
    reconfirmation_without_mail,
    plain_base_url,
)
CODES = frozenset(
    {
        "deployment.organisation_default",
        "deployment.no_backup_dir",
        "deployment.no_recent_backup",
        "user.no_second_factor",
        "deployment.mail_not_configured",
        "deployment.plain_http",
    }
)
"""The codes these checks give."""

STAFF_WORDING = {
    "deployment.organisation_default": (
        N_("Your organisation's name or privacy contact is still the default"),
        N_("Set them in the configuration file; the privacy notice names them."),
    ),
    "deployment.no_backup_dir": (
        N_("No backup directory is configured"),
        N_("Set a backup directory in the configuration file and make a backup every day."),
    ),
    "deployment.no_recent_backup": (
        N_("No backup was made in the last two days"),
        N_("Make a backup now, and every day from then on."),
    ),
    "user.no_second_factor": (
        N_("An account that can read everyone signs in without a second step"),
        N_("Turn on two-step sign-in for this user."),
    ),
    "deployment.mail_not_configured": (
        N_("Consents await re-confirmation, but no mail server is configured"),
        N_("Set the mail server in the configuration file so the people are asked."),
    ),
    "deployment.plain_http": (
        N_("Kluis is reached over plain HTTP from other machines"),
        N_("Put a reverse proxy with TLS in front and set the https:// base URL."),
    ),
}
"""Each finding's title and fix in words for the staff page (``compliance.staff_pages``)."""
