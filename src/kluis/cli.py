"""The ``kluis`` command line (Typer): the assembly of the slices' commands, nothing else.

Each slice owns its commands in its own ``cli.py`` (``kluis.console`` holds what they share);
the registry (``kluis.slices``) names them with their help texts, and this module lists them as
lazy commands: ``kluis --help`` imports no slice and no store, a command imports its own slice's
CLI module when it runs (``build``), and only ``serve`` the web stack. Commands open Kluis
through ``kluis.opening.open_kluis``, so the erasure register is reconciled before any runs.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

import typer
import typer.main
from typer import _click as click  # Typer 0.29 vendors Click: its commands are these
from typer.core import TyperCommand, TyperGroup

from kluis.slice_types import Command, Group
from kluis.slices import SLICES, load

OWN = (
    Command(
        "init",
        "Create the data directory, master key and stores, load the default purposes and make a"
        "\nfirst admin, whose one-time password is printed once. Safe to run again.",
        "kluis.cli_init:commands",
    ),
    Command(
        "serve",
        "Serve the API (OpenAPI page at /docs). Migrations are applied at start. The access log"
        "\nholds no query strings and no link tokens (see docs/operations.md).",
        "kluis.cli_serve:commands",
    ),
)
"""The commands of no one slice: the first run and the server."""

PREPARE = "kluis.opening:for_commands"
"""Run once before a command is built: it hands the commands the opener of Kluis."""


def entries() -> list[Command | Group]:
    """Every command and group of ``kluis`` in the order of its help: the commands (the
    slices', then its own), then the groups (the order Typer lists them in)."""
    listed = [c for s in SLICES for c in s.cli]
    return [
        *(c for c in listed if isinstance(c, Command)),
        *OWN,
        *(c for c in listed if isinstance(c, Group)),
    ]


def build(entry: Command | Group) -> click.Command:
    """The real command or group of ``entry``, its modules imported now (the lazy loading)."""
    load(PREPARE)()
    holder = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)
    if isinstance(entry, Command):
        source: typer.Typer = load(entry.source)
        holder.registered_commands.extend(
            c for c in source.registered_commands if c.name == entry.name
        )
    else:
        group = typer.Typer(help=entry.help, no_args_is_help=True)
        for path in entry.sources:
            part: typer.Typer = load(path)
            group.registered_commands.extend(part.registered_commands)
        holder.add_typer(group, name=entry.name)
    return typer.main.get_group(holder).commands[entry.name]


class LazyCommand(TyperCommand):
    """A command known by its name and help text; ``load`` builds the real one. Its options
    (``params``) are the real command's, read on demand (the docs test reads them)."""

    def __init__(self, name: str, help: str, load: Callable[[], click.Command]) -> None:
        super().__init__(name, help=help)
        self._load = load
        self._loaded: click.Command | None = None

    def load(self) -> click.Command:
        if self._loaded is None:
            self._loaded = self._load()
        return self._loaded

    @property
    def params(self) -> list[click.Parameter]:
        return self.load().params if "_load" in self.__dict__ else []

    @params.setter
    def params(self, _value: list[click.Parameter]) -> None:
        """Click sets the (empty) options in ``__init__``; the real command's are used."""


class LazyGroup(LazyCommand):
    """A command group known by its name and help text; its commands are the real group's."""

    @property
    def commands(self) -> MutableMapping[str, click.Command]:
        loaded = self.load()
        assert isinstance(loaded, TyperGroup)
        return loaded.commands


def _lazy(entry: Command | Group) -> LazyCommand:
    kind = LazyGroup if isinstance(entry, Group) else LazyCommand
    return kind(entry.name, entry.help, lambda: build(entry))


class Root(TyperGroup):
    """The root of ``kluis``: its commands are listed from their help texts and built only
    when one runs (``resolve_command``)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for entry in entries():
            self.add_command(_lazy(entry))

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if isinstance(command, LazyCommand):
            command = command.load()
        return name, command, rest


app = typer.Typer(
    cls=Root,
    help="Kluis: a customer-data system in which the GDPR holds by construction.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def root() -> None:
    """Typer builds a group only for an app with a callback or commands; the commands here are
    ``Root``'s lazy ones."""


def main() -> None:
    app()
