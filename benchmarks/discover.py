"""Searching old files for one person: MB/s of CSV on one core, and the ratio to ``grep``.

    python benchmarks/discover.py [--mb 1024] [--pairs 3]

Issue 21 asks at least 100 MB/s of CSV or text on one core. A generated CSV of ``--mb``
megabytes (invented people, example.com addresses, Dutch mobile numbers; the person planted
once every ~64 MB) is searched by ``kluis.discover.scan`` for the person's e-mail address,
phone number and full name, and by ``grep -F -c -i`` (C locale) for the same three identifiers
as fixed strings, A B A B in the same run (``harness.alternate``): grep is the fair floor of
"read the file once and look for these strings", though it neither normalises phone notations
nor folds accents nor reports which identifier matched. The file is read once before timing so
both read it from the page cache. Both report the same planted lines. The goal is judged on CPU
time (the scan is one thread), since a shared machine's wall clock measures the other load.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

from harness import Result, Timing, alternate, report, stopwatch
from kluis.discover import rules, scan

GIVEN = ["Anna", "Piet", "Kees", "Sanne", "Jan", "Lotte", "Daan", "Emma", "Fenna", "Bram"]
FAMILY = ["Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"]
PERSON = ("Wietske", "Hoogeveen", "wietske.hoogeveen@example.com", "06-48213377")
IDENTIFIERS = rules.Identifiers(
    emails=(PERSON[2],), phones=("+31648213377",), names=((PERSON[0], PERSON[1]),)
)
PLANT_EVERY = 64 * 1024 * 1024


def _block(rng: random.Random, rows: int) -> bytes:
    lines = []
    for i in range(rows):
        g, f = rng.choice(GIVEN), rng.choice(FAMILY)
        local = f"{g}.{f.replace(' ', '')}{rng.randint(1, 99999)}".lower()
        lines.append(
            f"{i};{g};{f};{local}@example.com;06-{rng.randint(10_000_000, 99_999_999)};"
            f"Dorpsstraat {rng.randint(1, 300)};{rng.randint(1000, 9999)} AB;Utrecht\n"
        )
    return "".join(lines).encode()


def generate(path: Path, megabytes: int) -> int:
    """Write the file; returns how many times the person was planted."""
    rng = random.Random(21)
    block = _block(rng, 40_000)
    planted_line = f"0;{PERSON[0]};{PERSON[1]};{PERSON[2]};{PERSON[3]};Kerkweg 1;1234 AB;Ede\n"
    target = megabytes * 1024 * 1024
    written = planted = since = 0
    with path.open("wb") as out:
        out.write(b"id;given;family;email;phone;street;postcode;city\n")
        while written < target:
            out.write(block)
            written += len(block)
            since += len(block)
            if since >= PLANT_EVERY:
                out.write(planted_line.encode())
                planted += 1
                since = 0
    return planted


def _grep(path: Path) -> Timing:
    command = ["grep", "-F", "-c", "-i"]
    for needle in (PERSON[2], PERSON[3], f"{PERSON[0]};{PERSON[1]}"):
        command += ["-e", needle]
    with stopwatch() as sw:
        done = subprocess.run(  # noqa: S603 (fixed arguments)
            [shutil.which("grep") or "grep", *command[1:], str(path)],
            capture_output=True,
            check=False,
            env={"LC_ALL": "C"},
        )
    _GREP_COUNTS.append(int(done.stdout.decode().strip() or 0))
    return sw.timing


_GREP_COUNTS: list[int] = []
_OUR_COUNTS: list[int] = []


def _kluis(path: Path) -> Timing:
    m = rules.matcher(IDENTIFIERS)
    with stopwatch() as sw:
        searched = list(scan.scan_paths([path], m))
    _OUR_COUNTS.append(len({h.place for s in searched for h in s.hits}))
    return sw.timing


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=1024)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kluis-discover-bench-") as folder:
        path = Path(folder) / "old-export.csv"
        planted = generate(path, args.mb)
        size = path.stat().st_size
        with path.open("rb") as warm:
            while warm.read(16 * 1024 * 1024):
                pass
        comparison = alternate(args.pairs, lambda _: _grep(path), lambda _: _kluis(path))
    megabytes = size / 1e6
    wall = megabytes / comparison.median("kluis")
    # the scan is one thread: MB per CPU second is its speed on one core, whatever the load
    cpu = megabytes / statistics.median(pair[1].cpu for pair in comparison.pairs)
    print(
        f"  {megabytes:.0f} MB, person planted {planted} times; lines found: kluis "
        f"{sorted(set(_OUR_COUNTS))}, grep {sorted(set(_GREP_COUNTS))}",
        flush=True,
    )
    report(
        Result(
            "discover: CSV search",
            ">= 100 MB/s on one core",
            f"{cpu:.0f} MB/s of one core's CPU time ({wall:.0f} MB/s wall at load "
            f"{os.getloadavg()[0]:.1f}) over {megabytes:.0f} MB",
            f"speed vs grep -F -c -i: {comparison.summary()}",
            cpu >= 100 and set(_OUR_COUNTS) == {planted},
        )
    )


if __name__ == "__main__":
    main()
