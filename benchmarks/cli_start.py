"""The CPU time a ``kluis`` command takes from start to exit (issue 15: under 0.3 s).

    python benchmarks/cli_start.py [--runs 5] [--before SRC]
    python benchmarks/cli_start.py --floor [--runs 5]

Each command runs in a fresh interpreter against one ``kluis init`` data directory (SQLite
stores, nothing in them but the default catalogue and an admin), so what it costs is its start:
the imports, the settings, opening the stores, the migration check, the erasure register's
reconcile, and a small read. CPU time is the children's user + system time
(``RUSAGE_CHILDREN``), which load inflates less than wall time but does inflate: so each round
runs the two floors and every command in turn (A B A B ...), and the speed share of a command
against the ``import sqlalchemy`` floor of the same round (floor CPU / command CPU, the
convention of docs/performance.md) is printed beside its seconds.

The floors: ``python -c pass`` (the interpreter alone) and ``python -c "import sqlalchemy"``,
which every command that opens a store cannot do without. Every command runs once before the
rounds, and ``PYTHONDONTWRITEBYTECODE`` is dropped for the children, so the compiled modules are
there as in an installed Kluis. ``--before SRC`` runs every command a second time in each round
with ``SRC`` (the ``src`` folder of an older checkout, e.g. from ``git archive main src``) first
on ``PYTHONPATH``, and prints the new source's CPU over the old one's per round. ``--floor``
prints instead what each library a store command imports adds, layer after layer (``LAYERS``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import Result, report
from kluis.slices import SLICES

ON_OPEN = tuple(s.on_open.partition(":")[0] for s in SLICES if s.on_open is not None)
"""The modules of the slices' on-open hooks, as ``kluis.opening`` finds them."""

GOAL = 0.3
"""Seconds of CPU (user + system) for ``kluis --help`` and each command (issue 15)."""

FLOORS = {
    "python -c pass": ["-c", "pass"],
    "import sqlalchemy": ["-c", "import sqlalchemy"],
}
COMMANDS = (
    ("--help",),
    ("purposes", "--help"),
    ("purposes", "list", "--help"),
    ("init", "--help"),
    ("purposes", "list"),
    ("audit", "verify"),
    ("topics", "list"),
    ("users", "list"),
    ("requests", "list"),
    ("contacts", "search", "nobody@example.com", "--purpose", "customer_service"),
    ("retention", "forecast", "--days", "30"),
)
KLUIS = ["-c", "from kluis.cli import main; main()"]

LAYERS = (
    ("Typer and Click", "typer, typer.core, typer.main"),
    ("Rich (console, table)", "rich.console, rich.table"),
    ("pydantic and pydantic-settings", "pydantic, pydantic_settings"),
    ("SQLAlchemy Core and the SQLite dialect", "sqlalchemy, sqlalchemy.dialects.sqlite"),
    ("SQLAlchemy ORM", "sqlalchemy.orm"),
    ("Kluis settings, runtime, console", "kluis.settings, kluis.runtime, kluis.console"),
    ("the on-open hooks' modules", "kluis.opening, " + ", ".join(ON_OPEN)),
    ("the command's module (purposes)", "kluis.purposes.cli"),
)
"""What a command that opens a store imports, one layer after the other in one process: each
layer's CPU is what it adds to those above it (``--floor``)."""


def cpu_of(args: list[str], env: dict[str, str]) -> float:
    """User + system seconds of one run of ``python *args`` (which must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(  # noqa: S603 (our own command lines)
        [sys.executable, *args], env=env, check=True, capture_output=True, timeout=300
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def layers(runs: int) -> None:
    """Print the CPU each layer of ``LAYERS`` adds, imported one after the other in a fresh
    interpreter: min and median of ``runs`` interpreters."""
    script = (
        "import json, time\n"
        "spent = []\n"
        f"for modules in {[m for _, m in LAYERS]!r}:\n"
        "    start = time.process_time()\n"
        "    exec('import ' + modules)\n"
        "    spent.append(time.process_time() - start)\n"
        "print(json.dumps(spent))\n"
    )
    found: list[list[float]] = [[] for _ in LAYERS]
    load = os.getloadavg()[0]
    for _ in range(runs):
        done = subprocess.run(  # noqa: S603 (our own command line)
            [sys.executable, "-c", script], check=True, capture_output=True, text=True, timeout=300
        )
        for layer, spent in zip(found, json.loads(done.stdout), strict=True):
            layer.append(spent)
    load = max(load, os.getloadavg()[0])
    print(f"CPU seconds each layer adds, {runs} interpreters, load up to {load:.1f}")
    for (name, _), values in zip(LAYERS, found, strict=True):
        print(f"  {name:40} min {min(values):.3f}  median {statistics.median(values):.3f}")
    total = [sum(run) for run in zip(*found, strict=True)]
    print(f"  {'all':40} min {min(total):.3f}  median {statistics.median(total):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds (at least 3)")
    parser.add_argument("--before", type=Path, help="an older checkout's src, run in turn")
    parser.add_argument("--floor", action="store_true", help="the CPU of each library instead")
    options = parser.parse_args()
    runs = max(3, options.runs)
    if options.floor:
        layers(runs)
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith("KLUIS_") and k != "PYTHONDONTWRITEBYTECODE"
            },
            "KLUIS_DATA_DIR": str(Path(tmp) / "data"),
        }
        old = None if options.before is None else {**env, "PYTHONPATH": str(options.before)}
        cpu_of([*KLUIS, "init"], env)
        for command in COMMANDS:
            cpu_of([*KLUIS, *command], env)
            if old is not None:
                cpu_of([*KLUIS, *command], old)
        before: dict[str, list[float]] = {" ".join(c): [] for c in COMMANDS}
        seconds: dict[str, list[float]] = {name: [] for name in (*FLOORS, *map(" ".join, COMMANDS))}
        ratios: dict[str, list[float]] = {" ".join(c): [] for c in COMMANDS}
        load = os.getloadavg()[0]
        for _ in range(runs):
            for name, args in FLOORS.items():
                seconds[name].append(cpu_of(args, env))
            floor = seconds["import sqlalchemy"][-1]
            for command in COMMANDS:
                name = " ".join(command)
                if old is not None:
                    before[name].append(cpu_of([*KLUIS, *command], old))
                seconds[name].append(cpu_of([*KLUIS, *command], env))
                ratios[name].append(floor / seconds[name][-1])
        load = max(load, os.getloadavg()[0])
    print(f"CPU seconds (user + system), {runs} rounds, load up to {load:.1f}")
    for name, values in seconds.items():
        line = f"  {name:20} min {min(values):.3f}  median {statistics.median(values):.3f}"
        if name in ratios:
            line += f"  import sqlalchemy / it: median {statistics.median(ratios[name]):.2f}"
        if before.get(name):
            pairs = [new / was for new, was in zip(values, before[name], strict=True)]
            line += (
                f"  before: median {statistics.median(before[name]):.3f} s,"
                f" new / old min {min(pairs):.2f} median {statistics.median(pairs):.2f}"
            )
        print(line)
    floor = statistics.median(seconds["import sqlalchemy"])
    for command in COMMANDS:
        name = " ".join(command)
        median = statistics.median(seconds[name])
        report(
            Result(
                workload=f"`kluis {name}` start to exit, CPU (load up to {load:.1f})",
                goal=f"< {GOAL} s CPU",
                figure=f"median {median:.2f} s, min {min(seconds[name]):.2f} s "
                f"(`import sqlalchemy` {floor:.2f} s)",
                ratio=f"`import sqlalchemy` / it: {statistics.median(ratios[name]):.2f}",
                met=median < GOAL,
            )
        )


if __name__ == "__main__":
    main()
