"""The image's entry point, run as a script without Docker: each role becomes the right ``kluis``
command (checked with a stand-in that records its arguments), and ``migrate`` runs the real
``kluis init`` on an empty data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
ANY = "0.0.0.0"  # noqa: S104 (the container's address, published by the container runtime)


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/sh", str(ENTRYPOINT), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An environment whose ``kluis`` only appends its arguments, one call a line, to a file."""
    record = tmp_path / "argv"
    stand_in = tmp_path / "kluis"
    stand_in.write_text(f'#!/bin/sh\necho "$*" >> {record}\n')
    stand_in.chmod(0o755)
    env = {"PATH": os.environ["PATH"], "KLUIS_BIN": str(stand_in)}
    return env, record


@pytest.mark.parametrize(
    ("args", "extra_env", "expected"),
    [
        ([], {}, [f"serve --host {ANY} --port 8000"]),
        (["web"], {"KLUIS_PORT": "9000"}, [f"serve --host {ANY} --port 9000"]),
        (["web", "-w", "2"], {"KLUIS_HOST": "::"}, ["serve --host :: --port 8000 -w 2"]),
        (["web"], {"KLUIS_MIGRATE": "1"}, ["init", f"serve --host {ANY} --port 8000"]),
        (["worker"], {}, ["worker"]),
        (["worker", "--concurrency", "4"], {}, ["worker --concurrency 4"]),
        (["worker"], {"KLUIS_MIGRATE": "1"}, ["init", "worker"]),
        (["migrate"], {}, ["init"]),
        (["migrate", "--admin-email", "a@example.com"], {}, ["init --admin-email a@example.com"]),
        (["audit", "verify"], {"KLUIS_MIGRATE": "1"}, ["audit verify"]),
        (["kluis", "backup", "create", "/backups"], {}, ["backup create /backups"]),
    ],
)  # fmt: skip
def test_each_role_runs_its_command(
    recorded: tuple[dict[str, str], Path],
    args: list[str],
    extra_env: dict[str, str],
    expected: list[str],
) -> None:
    env, record = recorded
    done = _run(args, {**env, **extra_env})
    assert done.returncode == 0, done.stderr
    assert record.read_text().splitlines() == expected


def test_the_entry_point_passes_the_commands_exit_status_on(
    recorded: tuple[dict[str, str], Path], tmp_path: Path
) -> None:
    env, _record = recorded
    failing = tmp_path / "failing"
    failing.write_text("#!/bin/sh\nexit 3\n")
    failing.chmod(0o755)
    assert _run(["worker"], {**env, "KLUIS_BIN": str(failing)}).returncode == 3


def test_migrate_creates_and_migrates_the_stores_and_may_run_again(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "KLUIS_DATA_DIR": str(data),
    }
    first = _run(["migrate", "--admin-email", "owner@example.com"], env)
    assert first.returncode == 0, first.stderr
    assert (data / "kluis.db").exists()
    assert (data / "keyring.db").exists()
    again = _run(["migrate"], env)
    assert again.returncode == 0, again.stderr
    verified = _run(["audit", "verify"], env)
    assert verified.returncode == 0, verified.stderr
