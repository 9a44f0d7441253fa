"""The shared pieces of the ``kluis`` command line: the consoles, ``--json``, ``--as-of``, the
actor, opening Kluis, and a refusal (a ``KluisError``) printed as one ``error [field]: ...``
line with exit code 1.

A slice's commands live in its own ``cli.py`` on a ``Commands`` app, whose ``command``
decorator turns a refusal into that line and exit 1, so a command body is just the work.
``kluis.cli`` assembles the slices' apps from the registry (``kluis.slices``) as lazy commands:
this module, a slice's CLI module and the services they import are loaded only when a command
runs, so ``kluis --help`` reads the help texts from the registry alone.

Whoever runs the CLI holds the master key file, so the CLI acts as an admin; its audit entries
name the operating-system user (``cli:<user>``). This module stands on floor 3 (base, vault,
runtime): opening Kluis with the erasure register's reconcile is a slice's on-open hook, so the
opener is handed in at assembly (``use_opener``) instead of imported.
"""

from __future__ import annotations

import dataclasses
import functools
import getpass
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, ParamSpec, Protocol, TypeVar

import typer
from rich.console import Console
from typer.models import CommandFunctionType

from kluis.actors import Actor, Role
from kluis.db import utcnow
from kluis.errors import InvalidField, KluisError
from kluis.runtime import Kluis
from kluis.settings import Settings

out = Console(highlight=False, soft_wrap=True)
"""Standard output: what a command answers."""
err = Console(stderr=True, highlight=False, soft_wrap=True)
"""Standard error: refusals and progress."""

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]

P = ParamSpec("P")
R = TypeVar("R")


class Opener(Protocol):
    """How Kluis is opened for a command (``kluis.opening.open_kluis``)."""

    def __call__(self, settings: Settings, *, create: bool = False) -> Kluis: ...


_opener: list[Opener] = []


def use_opener(opener: Opener) -> None:
    """Set how commands open Kluis; the assembly (``kluis.cli``) calls this once."""
    _opener[:] = [opener]


@contextmanager
def opened(create: bool = False) -> Iterator[Kluis]:
    """Kluis opened from the environment's settings for one command, and closed after it."""
    if not _opener:
        raise RuntimeError("no opener: commands run through kluis.cli, which sets it")
    kluis = _opener[0](Settings(), create=create)
    try:
        yield kluis
    finally:
        kluis.close()


def actor() -> Actor:
    """The operator: an admin named by the operating-system user."""
    return Actor(ref=f"cli:{getpass.getuser()}", role=Role.ADMIN)


def moment(value: str | None) -> datetime:
    """``--as-of`` as an aware UTC datetime; now when not given."""
    if value is None:
        return utcnow()
    try:
        at = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidField(
            "as_of is not a date (YYYY-MM-DD) or an ISO date and time "
            "(YYYY-MM-DDTHH:MM, optionally with a zone)",
            field="as_of",
        ) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def when(value: datetime | None) -> str:
    """A time as ``YYYY-MM-DD HH:MM`` in UTC; empty for none."""
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def day(value: datetime | None) -> str:
    """A time's day as ``YYYY-MM-DD`` in UTC; empty for none."""
    return "" if value is None else value.astimezone(UTC).date().isoformat()


def print_json(value: Any) -> None:
    """``value`` as indented JSON on standard output (dataclasses and datetimes included)."""
    out.print(json.dumps(value, default=_json_default, ensure_ascii=False, indent=2), markup=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


def handled(command: Callable[P, R]) -> Callable[P, R]:
    """``command`` with a refusal printed as ``error [field]: detail`` on standard error and
    exit code 1 (Typer reads the signature and docstring through ``functools.wraps``)."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except KluisError as exc:
            field = f" [{exc.field}]" if exc.field else ""
            err.print(f"error{field}: {exc.detail}", markup=False)
            raise typer.Exit(1) from None

    return run


class Commands(typer.Typer):
    """A slice's commands: a Typer app whose every command is ``handled``. Its group name and
    help text are the registry's (``kluis.slices``), so they are known without importing it."""

    def command(
        self, name: str | None = None, **settings: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        register = super().command(name, **settings)

        def decorator(function: CommandFunctionType) -> CommandFunctionType:
            register(handled(function))
            return function

        return decorator
