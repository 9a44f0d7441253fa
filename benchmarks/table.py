"""Print every benchmark goal, figure and ratio of a ``make bench`` run as one table.

    python benchmarks/table.py RESULTS.jsonl

The benchmarks append one JSON line per goal to the file ``KLUIS_BENCH_RESULTS`` names
(``benchmarks/harness.py``); this reads them back in order. docs/performance.md keeps the latest
table with the machine and the date.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    rows = [
        json.loads(line)
        for line in Path(sys.argv[1]).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    cores = len(os.sched_getaffinity(0))
    title = (
        f"Kluis benchmarks, {datetime.now(UTC):%Y-%m-%d}, {platform.machine()}, {cores} cores, "
        f"Python {platform.python_version()}"
    )
    table = Table(title=title)
    for column in ("workload", "goal", "figure", "ratio", "verdict"):
        table.add_column(column)
    for row in rows:
        verdict = {True: "met", False: "NOT met", None: "-"}[row["met"]]
        table.add_row(row["workload"], row["goal"], row["figure"], row["ratio"], verdict)
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
