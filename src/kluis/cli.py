"""The ``kluis`` command line (Typer): the assembly of the slices' commands, nothing else.

Each slice owns its commands in its own ``cli.py`` (``kluis.console`` holds what they share);
the registry (``kluis.slices``) names them with their help texts, the index (``INDEX``) names
each group's sub-commands with theirs, and this module lists them as lazy commands: ``kluis
--help`` and ``kluis <group> --help`` import no slice and no store (issue 15: a help costs
Typer and Rich, nothing of SQLAlchemy), and a command imports only the CLI module that holds it
when it runs (``command_of``), and only ``serve`` the web stack. Commands open Kluis through
``kluis.opening.open_kluis``, so the erasure register is reconciled before any runs.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, MutableMapping
from pathlib import Path
from typing import Any

import typer
import typer.main
from typer import _click as click  # Typer 0.29 vendors Click: its commands are these
from typer._coercion import PassThroughRuntimeParam
from typer.core import TyperCommand, TyperGroup, _TyperParameter
from typer.models import CommandInfo

from kluis.cli_cards import HelpCard, card_of
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

INDEX = Path(__file__).with_name("cli_index.json")
"""Every group's sub-commands: name, help text and the ``Commands`` app (``source``) that holds
it. Written by ``scripts/cli_index.py`` from the commands themselves, and checked against them
by ``tests/test_cli_registry.py``: so a group's help and the choice of the one module a
sub-command needs are known without importing any."""

ROOT = ""
"""The index's key for the root's own commands (``init``, ``serve`` and the slices'): their
help cards (``kluis.cli_cards``), so that ``kluis init --help`` imports no module either."""

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
    """The real command or group of ``entry``, all its modules imported now: what the index
    (``INDEX``) is made from and checked against."""
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


def commands_of(source: str) -> dict[str, click.Command]:
    """The commands of one ``kluis.console.Commands`` app, by name, its module imported now."""
    holder = typer.Typer()
    part: typer.Typer = load(source)
    holder.registered_commands.extend(part.registered_commands)
    return dict(typer.main.get_group(holder).commands)


def command_of(source: str, name: str) -> click.Command:
    """The real sub-command ``name`` of ``source``: only its own module is imported (issue 15:
    ``kluis requests list`` loads the reads, not every command of the group)."""
    load(PREPARE)()
    return commands_of(source)[name]


LISTED = ("short_help", "hidden", "deprecated", "rich_help_panel")
"""What a group's help reads of its sub-commands besides the name and help text."""


def index_of(entry: Group) -> list[dict[str, Any]]:
    """The sub-commands of ``entry`` as the index holds them, in the group's order: name,
    source, help, and what else of ``LISTED`` is set (``scripts/cli_index.py`` writes them)."""
    real = build(entry)
    assert isinstance(real, TyperGroup)
    found = []
    for source in entry.sources:
        part: typer.Typer = load(source)
        for info, name in zip(part.registered_commands, commands_of(source), strict=True):
            command = real.commands[name]
            card = card_of(command, click.Context(command, info_name=name))
            found.append(
                {
                    "name": name,
                    "source": home(info, source),
                    "help": command.help,
                    **{k: getattr(command, k) for k in LISTED if getattr(command, k, None)},
                    **({} if card is None else {"card": card}),
                }
            )
    return found


def root_index() -> list[dict[str, Any]]:
    """The root's own commands as the index holds them (under ``ROOT``): name and help card."""
    found = []
    for entry in entries():
        if isinstance(entry, Command):
            real = build(entry)
            card = card_of(real, click.Context(real, info_name=entry.name))
            found.append({"name": entry.name, **({} if card is None else {"card": card})})
    return found


def home(info: CommandInfo, source: str) -> str:
    """The app of the module that defines the command: a group's module may take in a command
    of a lighter module to keep its place in the help (``kluis.requests.list_cli``), and the
    command then loads that module alone."""
    assert info.callback is not None
    module = sys.modules[info.callback.__module__]
    for attribute, value in vars(module).items():
        if isinstance(value, typer.Typer) and info in value.registered_commands:
            return f"{module.__name__}:{attribute}"
    return source


def read_index() -> dict[str, list[dict[str, Any]]]:
    """The index of every group's sub-commands (``INDEX``)."""
    index: dict[str, list[dict[str, Any]]] = json.loads(INDEX.read_text(encoding="utf-8"))
    return index


class LazyCommand(TyperCommand):
    """A command known by its name and help text; ``load`` builds the real one. Its options
    (``params``) are the real command's, read on demand (the docs test reads them)."""

    def __init__(
        self,
        name: str,
        help: str,
        load: Callable[[], click.Command],
        card: dict[str, Any] | None = None,
        **listed: Any,
    ) -> None:
        super().__init__(name, help=help, **listed)
        self._load = load
        self._loaded: click.Command | None = None
        self._card = card
        self._listed = listed

    def help_card(self) -> HelpCard | None:
        """The command as far as its own help goes, from the index, or None if it has no card."""
        if self._card is None or self.help is None:
            return None
        return HelpCard(self.name or "", self.help, self._card, **self._listed)

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
    """A command group known by its name and help text; its commands are those of ``group``."""

    @property
    def commands(self) -> MutableMapping[str, click.Command]:
        loaded = self.load()
        assert isinstance(loaded, TyperGroup)
        return loaded.commands


class Lazy(TyperGroup):
    """A group whose lazy commands are built only when one runs (``resolve_command``); its
    help lists them from their names and help texts alone."""

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        """The group's flags (``--help``, the completion ones) without Pydantic: Typer 0.29
        builds a Pydantic ``TypeAdapter`` for a flag that was not given (its value ``None``,
        which it passes through untouched whatever the adapter), and that import alone took
        0.2 s of ``kluis <group> --help`` (issue 15). A flag's value is a bool or ``None``, so
        the plain check Typer uses for types Pydantic cannot take gives the same result."""
        params = super().get_params(ctx)
        for param in params:
            if (
                isinstance(param, _TyperParameter)
                and param.type_descriptor.annotation is bool
                and param._runtime_param is None
            ):
                param._runtime_param = PassThroughRuntimeParam(
                    annotation=bool, parameter_info=param.type_descriptor.parameter_info
                )
        return params

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if isinstance(command, LazyCommand):
            card = None
            if len(rest) == 1 and rest[0] in ctx.help_option_names and not ctx.resilient_parsing:
                card = command.help_card()  # its own help alone: no module to import
            command = card or command.load()
        return name, command, rest


def group(entry: Group, listed: list[dict[str, Any]]) -> click.Command:
    """The group of ``entry`` as Typer builds it, with the sub-commands of the index as lazy
    commands: ``kluis <group> --help`` imports no slice and no store, ``kluis <group> <name>``
    only the module of ``name``."""
    holder = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)
    holder.add_typer(typer.Typer(cls=Lazy, help=entry.help, no_args_is_help=True), name=entry.name)
    built = typer.main.get_group(holder).commands[entry.name]
    assert isinstance(built, Lazy)
    for sub in listed:
        name, source, help = sub["name"], sub["source"], sub["help"]
        built.add_command(
            LazyCommand(
                name,
                help,
                functools.partial(command_of, source, name),
                sub.get("card"),
                **{k: sub[k] for k in LISTED if k in sub},
            )
        )
    return built


def _lazy(entry: Command | Group, index: dict[str, list[dict[str, Any]]]) -> LazyCommand:
    if isinstance(entry, Group):
        return LazyGroup(entry.name, entry.help, functools.partial(group, entry, index[entry.name]))
    card = next((c.get("card") for c in index[ROOT] if c["name"] == entry.name), None)
    return LazyCommand(entry.name, entry.help, functools.partial(build, entry), card)


class Root(Lazy):
    """The root of ``kluis``: its commands and groups are listed from their help texts and
    built only when one runs."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        index = read_index()
        for entry in entries():
            self.add_command(_lazy(entry, index))


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
