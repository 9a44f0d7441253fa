"""``kluis init``: the first run, which belongs to no one slice (the stores, the default
purposes and topics, the first admin). Listed by ``kluis.cli``."""

from __future__ import annotations

from typing import Annotated

import typer

from kluis import console
from kluis.auth import service as auth
from kluis.consent import catalogue as consent_catalogue
from kluis.db import utcnow
from kluis.purposes import service as purposes
from kluis.settings import Settings

commands = console.Commands()


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
        console.out.print(f"Data directory: {settings.data_dir.resolve()}", markup=False)
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
