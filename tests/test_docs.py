"""Docs are tested (STYLE.md habit 8): every command and option, setting, audit event and
problem type a user can meet is documented."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

from kluis import errors
from kluis.app import HTTP_PROBLEMS
from kluis.audit.catalogue import all_events
from kluis.cli import app
from kluis.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    subcommands = getattr(command, "commands", None)
    if subcommands:
        for name, sub in subcommands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), command


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_there_are_commands_to_check() -> None:
    names = {name for name, _ in COMMANDS}
    assert {"init", "serve", "contacts add", "audit verify"} <= names


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_and_option_is_documented(name: str, command: Any) -> None:
    docs = _read("docs/cli.md")
    assert f"`kluis {name}" in docs, f"`kluis {name}` is not in docs/cli.md"
    section = docs[docs.index(f"`kluis {name}") :].split("\n", 1)[0]
    for param in command.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--") and opt != "--help":
                assert opt in section, f"{opt} of `kluis {name}` is not in docs/cli.md"


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented(name: str) -> None:
    assert f"`KLUIS_{name.upper()}`" in _read("README.md")


@pytest.mark.parametrize("event", all_events(), ids=lambda e: e.action)
def test_every_audit_event_is_documented(event: type) -> None:
    assert f"`{event.action}`" in _read("docs/audit-events.md")  # type: ignore[attr-defined]


def _problems() -> list[type[errors.KluisError]]:
    found, pending = [errors.KluisError], list(errors.KluisError.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize("problem", _problems(), ids=lambda p: p.slug)
def test_every_problem_type_is_documented(problem: type[errors.KluisError]) -> None:
    assert f"`urn:kluis:problem:{problem.slug}`" in _read("docs/api.md")


@pytest.mark.parametrize("slug", [slug for slug, _detail in HTTP_PROBLEMS.values()])
def test_every_problem_type_of_the_framework_errors_is_documented(slug: str) -> None:
    assert f"`urn:kluis:problem:{slug}`" in _read("docs/api.md")
