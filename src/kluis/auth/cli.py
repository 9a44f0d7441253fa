"""The ``kluis users`` and ``kluis tokens`` commands: staff users, their roles and their API
tokens. Listed in ``kluis.slices``; they call the service, never SQL. A password or token is
printed once and stored only hashed."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import typer
from rich.table import Table

from kluis import console
from kluis.actors import Role
from kluis.auth import service as auth
from kluis.auth import users
from kluis.db import utcnow

users_app = console.Commands()
tokens_app = console.Commands()


@users_app.command("create")
def users_create(
    email: str,
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(r.value for r in Role)}.")],
) -> None:
    """Create a staff user; prints their one-time password once."""
    with console.opened() as kluis:
        user, password = auth.create_user(kluis.engine, console.actor(), email, role, utcnow())
    console.out.print(
        f"Created {user.email} ({user.role.value}); one-time password: {password}", markup=False
    )


@users_app.command("list")
def users_list(as_json: console.JsonOption = False) -> None:
    """List staff users and their roles."""
    with console.opened() as kluis:
        users = auth.list_users(kluis.engine)
    if as_json:
        console.print_json([dataclasses.asdict(u) for u in users])
        return
    table = Table("email", "role", "active")
    for u in users:
        table.add_row(u.email, u.role.value, "yes" if u.active else "no")
    console.out.print(table)


@users_app.command("reset-password")
def users_reset_password(email: str) -> None:
    """Give a user a new one-time password, printed once."""
    with console.opened() as kluis:
        password = auth.reset_password(kluis.engine, console.actor(), email, utcnow())
    console.out.print(f"New one-time password for {email}: {password}", markup=False)


@users_app.command("role")
def users_role(
    email: str,
    role: Annotated[str, typer.Argument(help=f"One of: {', '.join(r.value for r in Role)}.")],
) -> None:
    """Give a user another role; the last active admin stays admin."""
    with console.opened() as kluis:
        actor = console.actor()
        user_id = users.user_id_of(kluis.engine, actor, email)
        user = users.change_role(kluis.engine, actor, user_id, role, utcnow())
    console.out.print(f"{user.email} is now {user.role.value}.", markup=False)


@users_app.command("deactivate")
def users_deactivate(email: str) -> None:
    """Stop a user signing in (their sessions end, their API tokens stop working)."""
    with console.opened() as kluis:
        actor = console.actor()
        user_id = users.user_id_of(kluis.engine, actor, email)
        users.set_active(kluis.engine, actor, user_id, False, utcnow())
    console.out.print(f"Deactivated {email}.", markup=False)


@users_app.command("reactivate")
def users_reactivate(email: str) -> None:
    """Let a deactivated user sign in again."""
    with console.opened() as kluis:
        actor = console.actor()
        user_id = users.user_id_of(kluis.engine, actor, email)
        users.set_active(kluis.engine, actor, user_id, True, utcnow())
    console.out.print(f"Reactivated {email}.", markup=False)


@tokens_app.command("create")
def tokens_create(
    email: str,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "api",
) -> None:
    """Create an API token for a user; the token is printed once and stored only hashed."""
    with console.opened() as kluis:
        _, token = auth.create_token(kluis.engine, console.actor(), email, utcnow(), name)
    console.out.print(token, markup=False)


@tokens_app.command("revoke")
def tokens_revoke(token_id: int) -> None:
    """Revoke an API token by its id."""
    with console.opened() as kluis:
        auth.revoke_token(kluis.engine, console.actor(), token_id, utcnow())
    console.out.print(f"Revoked token {token_id}.")
