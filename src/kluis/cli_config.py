"""``kluis config show`` and ``kluis config check``: the configuration as Kluis reads it.

``show`` lists every setting with its value and where it came from (argument, environment,
secret file, the file with its line, or the default), secrets masked: a password in a URL, a
master key or a token never reaches the terminal or a support ticket. ``check`` loads the
settings as the server would and exits 1 with every problem, so a deployment can check its
configuration before it starts (a typo in the file is an error, not a setting silently
ignored). Neither opens the stores. Listed by ``kluis.slices``.
"""

from __future__ import annotations

import os
from typing import Any

import typer
from pydantic import SecretStr

from kluis import console, setting_sources
from kluis.settings import ConfigError, Settings

config_app = console.Commands()


def _shown(settings: Settings, name: str) -> str:
    value: Any = getattr(settings, name)
    if setting_sources.is_secret(Settings, name):
        return setting_sources.masked(value)
    if isinstance(value, SecretStr):
        return setting_sources.MASK
    return "" if value is None else str(value)


def rows(settings: Settings) -> list[dict[str, str]]:
    """Each setting: its name, its variable, its value as it may be shown, where it came from."""
    origins = setting_sources.origins(Settings, os.environ)
    return [
        {
            "name": name,
            "variable": setting_sources.variable(name),
            "value": _shown(settings, name),
            "source": origins[name],
        }
        for name in Settings.model_fields
    ]


@config_app.command("show")
def show(as_json: console.JsonOption = False) -> None:
    """Every setting, its value (secrets masked) and where it came from: default, file,
    environment or secret file."""
    settings = Settings()
    found = setting_sources.config_file(Settings, {}, os.environ)
    listed = rows(settings)
    if as_json:
        console.print_json({"file": str(found.path), "settings": listed})
        return
    state = "read" if found.path.is_file() else "not present"
    console.out.print(f"Configuration file: {found.path} ({state})", markup=False)
    width = max(len(row["name"]) for row in listed)
    for row in listed:
        console.out.print(
            f"{row['name']:<{width}}  {row['value'] or '-'}  [{row['source']}]", markup=False
        )


@config_app.command("check")
def check() -> None:
    """Load and validate the configuration as the server would: exit 1 with every problem, 0
    with "ok" (and a warning for each ``KLUIS_`` variable no setting reads)."""
    try:
        Settings()
    except ConfigError as exc:
        for problem in exc.problems:
            console.err.print(f"error: {problem}", markup=False)
        raise typer.Exit(1) from None
    for warning in setting_sources.unknown_variables(Settings, os.environ):
        console.err.print(f"warning: {warning}", markup=False)
    console.out.print("ok")
