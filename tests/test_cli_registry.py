"""The registry of slices (``kluis.slices``) and the lazy command line built from it: every
router it names is in the app, every command it names resolves with the help text the registry
shows for it, and ``kluis --help`` imports no slice (the start-up budget, measured in the
report, rests on that)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
import typer.main
from fastapi import APIRouter
from fastapi.routing import APIRoute
from typer import _click as click
from typer.testing import CliRunner

from kluis.app import create_app
from kluis.cli import OWN, ROOT, app, build, entries, index_of, read_index, root_index
from kluis.cli_cards import HelpCard
from kluis.settings import Settings
from kluis.slice_types import Command, Group
from kluis.slices import SLICES, load

ENTRIES = entries()


def _endpoints(routes: list[Any]) -> set[object]:
    """The endpoints of ``routes``, through included routers (FastAPI keeps those whole)."""
    found: set[object] = set()
    for route in routes:
        if isinstance(route, APIRoute):
            found.add(route.endpoint)
        elif hasattr(route, "original_router"):
            found |= _endpoints(route.original_router.routes)
    return found


def test_every_router_of_the_registry_is_in_the_app() -> None:
    served = _endpoints(list(create_app(settings=Settings()).routes))
    for entry in SLICES:
        for path in (*entry.api, *entry.staff_pages, *entry.public_pages):
            router = load(path)
            assert isinstance(router, APIRouter), path
            assert router.routes, path
            assert _endpoints(router.routes) <= served, path


def test_slices_are_named_once() -> None:
    names = [s.name for s in SLICES]
    assert len(names) == len(set(names))
    commands = [e.name for e in ENTRIES]
    assert len(commands) == len(set(commands))


def test_on_open_hooks_resolve() -> None:
    hooks = [s.on_open for s in SLICES if s.on_open is not None]
    assert hooks == [
        "kluis.messaging.open_hooks:on_open",
        "kluis.backup.reconcile:on_open",
        "kluis.discover.open_hooks:on_open",
        "kluis.activities.open_hooks:on_open",
        "kluis.connected.open_hooks:on_open",
    ]
    assert all(callable(load(h)) for h in hooks)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_every_command_resolves_with_the_registry_help(entry: Command | Group) -> None:
    built = build(entry)
    assert built.name == entry.name
    assert built.help == entry.help
    if isinstance(entry, Group):
        assert built.commands, entry.name  # type: ignore[attr-defined]
    else:
        assert not hasattr(built, "commands")


@pytest.mark.parametrize(
    "entry", [e for e in ENTRIES if isinstance(e, Group)], ids=lambda e: e.name
)
def test_the_index_lists_every_group_as_its_commands_do(entry: Group) -> None:
    """``kluis <group> --help`` lists the index, not the commands: run
    ``python scripts/cli_index.py`` after changing a sub-command."""
    assert read_index()[entry.name] == index_of(entry), "run python scripts/cli_index.py"


def test_the_index_holds_only_the_registry_groups() -> None:
    assert set(read_index()) == {ROOT} | {e.name for e in ENTRIES if isinstance(e, Group)}


def test_the_index_holds_the_cards_of_the_root_commands() -> None:
    assert read_index()[ROOT] == root_index(), "run python scripts/cli_index.py"


def test_a_lazy_sub_command_is_the_real_one() -> None:
    root = typer.main.get_command(app)
    lazy = root.commands["requests"].commands["list"]  # type: ignore[attr-defined]
    real = build(next(e for e in ENTRIES if e.name == "requests")).commands["list"]  # type: ignore[attr-defined]
    assert lazy.help == real.help
    assert [p.opts for p in lazy.params] == [p.opts for p in real.params]


def test_the_root_lists_the_registry_in_order() -> None:
    root = typer.main.get_command(app)
    assert list(root.commands) == [e.name for e in ENTRIES]  # type: ignore[attr-defined]
    assert {c.name for c in OWN} == {"init", "serve"}


LIGHT = {"kluis", "kluis.cli", "kluis.cli_cards", "kluis.slices", "kluis.slice_types"}
"""All of Kluis that a help imports: the lists of commands and the help cards."""


def _imported_after(*args: str, code: int = 0) -> list[str]:
    """The modules a fresh interpreter holds after running ``kluis *args`` (exit ``code``)."""
    script = (
        "import json, sys\n"
        "from typer.testing import CliRunner\n"
        "from kluis.cli import app\n"
        f"result = CliRunner().invoke(app, {list(args)!r})\n"
        f"assert result.exit_code == {code}, result.output\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return list(json.loads(done.stdout))


def test_help_imports_no_slice_and_no_store() -> None:
    modules = _imported_after("--help")
    ours = {m for m in modules if m.startswith("kluis")}
    assert ours == LIGHT
    assert not {"sqlalchemy", "fastapi", "pydantic"} & {m.split(".")[0] for m in modules}


@pytest.mark.parametrize("group", ["consent", "backup", "contacts", "requests"])
def test_a_group_help_imports_no_slice_and_no_store(group: str) -> None:
    modules = _imported_after(group, "--help")
    assert {m for m in modules if m.startswith("kluis")} == LIGHT
    assert not {"sqlalchemy", "pydantic"} & {m.split(".")[0] for m in modules}


@pytest.mark.parametrize(("group", "command"), [("consent", "grant"), ("backup", "check")])
def test_a_command_imports_its_slice_and_not_the_web_stack(group: str, command: str) -> None:
    modules = _imported_after(group, command, "--no-such-option", code=2)
    assert f"kluis.{group}.cli" in modules
    assert "kluis.messaging.cli" not in modules
    assert not {"fastapi", "starlette", "uvicorn"} & {m.split(".")[0] for m in modules}


def test_a_sub_command_imports_its_own_module_of_the_group() -> None:
    modules = _imported_after("contacts", "search", "--no-such-option", code=2)
    assert "kluis.contacts.cli" in modules
    assert not {"kluis.transfer.cli", "kluis.requests.export_cli", "kluis.retention.cli"} & set(
        modules
    )


@pytest.mark.parametrize(
    "args", [["consent", "grant", "--help"], ["purposes", "list", "--help"], ["init", "--help"]]
)
def test_a_sub_command_help_imports_no_slice_and_no_store(args: list[str]) -> None:
    """Its help card in the index stands for it (``kluis.cli_cards``)."""
    modules = _imported_after(*args)
    assert {m for m in modules if m.startswith("kluis")} == LIGHT
    assert not {"sqlalchemy", "pydantic"} & {m.split(".")[0] for m in modules}


def _help_of(command: click.Command, prog: str) -> str:
    """What ``command --help`` prints, 100 columns wide."""
    with CliRunner().isolation(env={"COLUMNS": "100"}) as (out, _err, _both):
        with pytest.raises(SystemExit) as done:
            command.main(["--help"], prog_name=prog)
        assert done.value.code in (0, None)
        return out.getvalue().decode()


SUB_COMMANDS = [
    (g, s["name"]) for g, listed in read_index().items() if g != ROOT for s in listed
] + [(ROOT, e.name) for e in ENTRIES if isinstance(e, Command)]


@pytest.mark.parametrize(
    ("group", "name"), SUB_COMMANDS, ids=[" ".join(c).strip() for c in SUB_COMMANDS]
)
def test_a_help_card_shows_the_help_of_its_command(group: str, name: str) -> None:
    """Rendered by Typer from the card, the help is the real command's, character for
    character (the index holds a card for every sub-command)."""
    root = typer.main.get_command(app)
    lazy = root.commands[group].commands[name] if group else root.commands[name]  # type: ignore[attr-defined]
    card = lazy.help_card()
    assert card is not None
    real = lazy.load()
    assert not isinstance(real, HelpCard)
    path = " ".join(["kluis", *([group] if group else []), name])
    shown = _help_of(card, path)
    wanted = _help_of(real, path)
    assert shown == wanted
    assert f"Usage: {path}" in wanted
