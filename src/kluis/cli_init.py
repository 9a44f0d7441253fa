"""``kluis init``: the first run, which belongs to no one slice (the stores, the default
purposes and topics, the first admin, a commented configuration file). Listed by ``kluis.cli``.

The file is written only when none exists (an operator's edits are never overwritten) and sets
nothing: every line is a comment, so the defaults, the environment and ``kluis serve``'s own
address still apply until someone chooses. It starts with what a controller must say anyway
(who they are, Art. 13(1)(a)), then where Kluis is reached and how it mails.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from kluis import console, setting_sources
from kluis.auth import service as auth
from kluis.consent import catalogue as consent_catalogue
from kluis.db import utcnow
from kluis.deals import catalogue as deals_catalogue
from kluis.jobs import queue
from kluis.purposes import service as purposes
from kluis.settings import Settings

commands = console.Commands()

TEMPLATE = """\
# Kluis configuration. Every command and the server read this file; a KLUIS_<NAME> variable
# overrides a line here, and KLUIS_<NAME>_FILE reads a secret from a file. Remove the "# " of a
# line to set it; `kluis config check` tells you whether it reads well, `kluis config show` where
# each value comes from. Keep secrets (master key, passwords) out of this file: use *_FILE.

# --- Who you are: shown in the privacy notice and the record of processing (Art. 13, 30) ---
# organisation_name = "Example Ltd"
# organisation_address = "Main Street 1, 1234 AB Utrecht"
# organisation_contact = "privacy@example.com"
# dpo_name = ""
# dpo_contact = ""

# --- Where Kluis is reached: every link mailed to people starts with this ---
# Unset, `kluis serve` uses the address it listens on (http://127.0.0.1:8000).
# base_url = "https://crm.example.com"
# Behind a reverse proxy on the same machine:
# trusted_proxies = "127.0.0.1, ::1"

# --- Mail: without it nothing is sent (no confirmations, no re-confirmation requests) ---
# smtp_url = "smtp+starttls://user@mail.example.com:587"   (the password: KLUIS_SMTP_URL_FILE)
# mail_from_transactional = "service@example.com"
# mail_from_commercial = "news@example.com"
# unsubscribe_mailto = "unsubscribe@example.com"

# --- Backups: where `kluis backup create` writes and `kluis check` looks ---
# backup_dir = "/var/backups/kluis"
"""


def write_config(path: Path) -> bool:
    """Write the commented configuration file at ``path`` unless one exists there."""
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(TEMPLATE)
    except FileExistsError:
        return False
    path.chmod(0o600)
    return True


@commands.command("init")
def init(
    admin_email: Annotated[
        str, typer.Option(help="E-mail address of the first admin user.")
    ] = "admin@localhost",
) -> None:
    """Create the data directory, master key and stores, load the default purposes and make a
    first admin, whose one-time password is printed once. Safe to run again."""
    settings = Settings()
    with console.opened(create=True) as kluis:
        now = utcnow()
        added = purposes.load_default_catalogue(kluis.engine, now)
        consent_catalogue.load_default_topics(kluis, now)
        deals_catalogue.load_default_pipeline(kluis.engine, now)
        queue.prepare(kluis)
        console.out.print(f"Data directory: {settings.data_dir.resolve()}", markup=False)
        config = setting_sources.config_file(Settings, {}, os.environ).path
        if write_config(config):
            console.out.print(
                f"Wrote {config}: set your organisation, base URL and mail there.", markup=False
            )
        if added:
            console.out.print(f"Loaded {added} purposes from the default catalogue.")
        if not auth.list_users(kluis.engine):
            user, password = auth.create_user(
                kluis.engine, console.actor(), admin_email, "admin", now
            )
            console.out.print(
                f"Created admin {user.email} with one-time password: {password}", markup=False
            )
            console.out.print("Write it down now: it is shown only this once.")
        else:
            console.out.print("Already initialised.")
