"""Kill a real ``kluis contacts import`` process mid-way, run it again, and compare the people with
an uninterrupted import of the same file into another data directory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pydantic import SecretStr

from conftest import MASTER_KEY
from kluis.opening import open_kluis
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.transfer import repository
from transfer.helpers import everyone, write_rows

ROWS = 3000
ARGS = ["--purpose", "customer_service", "--purpose", "sales_follow_up", "--batch-size", "50"]


def _file(tmp: Path) -> Path:
    rows = [["Voornaam", "Achternaam", "E-mail", "Telefoon", "Interesses"]]
    for n in range(ROWS):
        rows.append(
            [f"Daan{n}", f"Jansen {n}", f"daan{n}@example.com", f"+31 6 {40000000 + n}", "koffie"]
        )
        if n % 500 == 7:
            rows.append([f"Twee{n}", "Keer", f"daan{n}@example.com", "", ""])  # a duplicate
        if n % 700 == 3:
            rows.append(["Fout", "Adres", "geen-adres", "", ""])  # a reject
    return write_rows(tmp / "groot.csv", rows, delimiter=";")


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KLUIS_")}
    env["KLUIS_DATA_DIR"] = str(settings.data_dir)
    env["KLUIS_MASTER_KEY"] = MASTER_KEY
    if settings.database_url:
        env["KLUIS_DATABASE_URL"] = settings.database_url
    if settings.keyring_url:
        env["KLUIS_KEYRING_URL"] = settings.keyring_url
    return env


def _kluis_cmd(path: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "kluis", "contacts", "import", str(path), *ARGS, *extra]


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def _running(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie, waiting for init to reap it, has stopped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _position(kluis: Kluis) -> int:
    jobs = repository.list_jobs(kluis.engine)
    return jobs[0].position if jobs else 0


def test_killed_import_resumes_to_the_same_result(
    kluis: Kluis, settings: Settings, tmp_path: Path
) -> None:
    path = _file(tmp_path)
    log = tmp_path / "stderr.txt"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            _kluis_cmd(path, "--json"), env=_env(settings), stdout=subprocess.DEVNULL, stderr=stderr
        )
    try:
        deadline = time.monotonic() + 300  # bounds a hang; the loop waits for progress
        while process.poll() is None and _position(kluis) == 0:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.01)
        # Frozen the moment it shows progress: on a loaded machine this test may not run again
        # before the importer has finished the whole file, and a finished importer has already
        # reaped its worker. The worker keeps running and waits on its full queue.
        process.send_signal(signal.SIGSTOP)
        assert process.poll() is None, log.read_text()
        workers = _children(process.pid)
        frozen_at = _position(kluis)
        process.send_signal(signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()  # a step above failed: never wait on a frozen process
        process.wait()
    # the worker that reads and seals (``--workers 1``, the default)
    assert len(workers) == 1, (frozen_at, log.read_text())
    deadline = time.monotonic() + 300  # it notices its importer is gone and stops: wait for that
    while any(_running(pid) for pid in workers):
        assert time.monotonic() < deadline, "the import's worker outlived its importer"
        time.sleep(0.01)
    stopped = _position(kluis)
    assert 0 < stopped < ROWS
    again = subprocess.run(
        _kluis_cmd(path, "--json"), env=_env(settings), capture_output=True, text=True, check=False
    )
    assert again.returncode == 0, again.stderr
    assert f'"resumed_from": {stopped}' in again.stdout

    reference_dir = tmp_path / "reference"
    reference = Settings(data_dir=reference_dir, master_key=SecretStr(MASTER_KEY))
    open_kluis(reference, create=True).close()
    from kluis.purposes.service import load_default_catalogue

    ref = open_kluis(reference)
    try:
        from conftest import NOW

        load_default_catalogue(ref.engine, NOW)
    finally:
        ref.close()
    whole = subprocess.run(
        _kluis_cmd(path, "--json"), env=_env(reference), capture_output=True, text=True, check=False
    )
    assert whole.returncode == 0, whole.stderr
    for key in ('"created": 3000', '"skipped": 6', '"rejected": 5'):
        assert key in again.stdout
        assert key in whole.stdout
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ref = open_kluis(reference)
    try:
        assert everyone(kluis, tmp_path / "a") == everyone(ref, tmp_path / "b")
    finally:
        ref.close()
