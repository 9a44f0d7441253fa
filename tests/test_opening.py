"""What opening Kluis for a command imports (issue 15: a command starts in little CPU).

The slices' on-open hooks register their hooks by path (``kluis.slice_types.Deferred``), so a
command that reads the purposes imports neither the services behind those hooks nor the web,
mail, template, migration or queue libraries. Counted in a fresh interpreter, never timed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kluis.slice_types import Deferred

BEHIND_HOOKS = {
    "kluis.messaging.campaigns",
    "kluis.messaging.post_jobs",
    "kluis.contacts.people",
    "kluis.discover.capture",
    "kluis.activities.service",
    "kluis.activities.call_link",
    "kluis.connected.notices",
}
"""The modules the on-open hooks name by path: loaded by an erasure, a call or a change."""

UNNEEDED = {
    "alembic",
    "mako",
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "httpx",
    "babel",
    "procrastinate",
    "psycopg",
    "openpyxl",
    "pypdf",
    "fpdf",
    "fideslang",
    "email_validator",
}
"""Libraries no command that lists the purposes on SQLite uses."""


@pytest.fixture(scope="module")
def data_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A fresh ``kluis init`` data directory (SQLite stores), named in the environment."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KLUIS_")},
        "KLUIS_DATA_DIR": str(tmp_path_factory.mktemp("opening") / "data"),
    }
    subprocess.run(
        [sys.executable, "-c", "from kluis.cli import main; main()", "init"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return env


def _imported_after(env: dict[str, str], *args: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``kluis *args`` to the end."""
    script = (
        "import json, sys\n"
        "from kluis.cli import main\n"
        f"sys.argv = ['kluis', *{list(args)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_a_command_opens_kluis_without_the_services_behind_the_hooks(
    data_env: dict[str, str],
) -> None:
    modules = _imported_after(data_env, "purposes", "list")
    assert "kluis.purposes.cli" in modules
    assert "kluis.backup.reconcile" in modules  # the erasure register is still reconciled
    assert "sqlalchemy.dialects.sqlite" in modules
    assert "sqlalchemy.dialects.postgresql" not in modules
    assert not BEHIND_HOOKS & modules
    assert not UNNEEDED & {m.split(".")[0] for m in modules}
    assert not REPLAY & modules
    assert "kluis.consent.links" in modules  # contacts is given its consent steps on open


REPLAY = {"kluis.backup.replay", "kluis.contacts.repository"}
"""What replaying the register writes with: loaded only when a store lacks an entry."""


def test_the_audit_check_imports_no_other_slice_service(data_env: dict[str, str]) -> None:
    modules = _imported_after(data_env, "audit", "verify")
    assert "kluis.audit.cli" in modules
    assert not BEHIND_HOOKS & modules
    assert not UNNEEDED & {m.split(".")[0] for m in modules}


REQUESTS_SERVICE = {
    "kluis.requests.service",
    "kluis.requests.cli",
    "kluis.requests.steps",
    "kluis.requests.answers",
    "kluis.requests.export",
    "kluis.messaging.service",
}
"""What carrying out a request needs (the access package, the mails), not the list."""


def test_the_requests_list_imports_the_reads_and_not_the_service(
    data_env: dict[str, str],
) -> None:
    modules = _imported_after(data_env, "requests", "list")
    assert {"kluis.requests.list_cli", "kluis.requests.reads"} <= modules
    assert not REQUESTS_SERVICE & modules
    assert not BEHIND_HOOKS & modules
    assert not UNNEEDED & {m.split(".")[0] for m in modules}


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["purposes", "--help"],
        ["requests", "--help"],
        ["purposes", "list", "--help"],
        ["audit", "verify", "--help"],
        ["init", "--help"],
    ],
)
def test_a_help_imports_no_store_and_no_settings(data_env: dict[str, str], args: list[str]) -> None:
    """Typer and Rich build it from the registry and the index (``kluis.cli``)."""
    modules = _imported_after(data_env, *args)
    assert not {"sqlalchemy", "pydantic", "pydantic_settings", "cryptography"} & {
        m.split(".")[0] for m in modules
    }
    assert {m for m in modules if m.startswith("kluis.")} == {
        "kluis.cli",
        "kluis.cli_cards",
        "kluis.slices",
        "kluis.slice_types",
    }


def test_a_deferred_function_is_imported_at_its_first_call_and_kept() -> None:
    sys.modules.pop("colorsys", None)  # a module no one keeps a hold of
    later = Deferred("colorsys:rgb_to_hsv")
    assert "colorsys" not in sys.modules
    assert later(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
    assert "colorsys" in sys.modules
    sys.modules.pop("colorsys")
    assert later(0.0, 0.0, 1.0) == (2 / 3, 1.0, 1.0)
    assert "colorsys" not in sys.modules  # kept: not looked up again
    assert repr(later) == "Deferred('colorsys:rgb_to_hsv')"


def test_a_deferred_function_that_is_not_there_fails_when_called() -> None:
    later = Deferred("colorsys:no_such_function")
    with pytest.raises(AttributeError):
        later()
