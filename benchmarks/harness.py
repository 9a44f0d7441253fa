"""What every benchmark shares: alternating runs, ratios per pair, one result line per goal.

Machines here are noisy, so a figure alone says little; what counts is the ratio of Kluis to a
baseline doing the same work, measured close together in time. ``alternate`` runs the baseline
and Kluis in turn (A B A B ..., at least three pairs) so both see the same load, and takes the
ratio per pair; the summary prints the minimum and the median, wall-clock and CPU time side by
side (a ratio that holds in CPU time but not in wall time points at waiting, not work).

Each benchmark ends with ``report``: one line per goal on the console and, when
``KLUIS_BENCH_RESULTS`` names a file, one JSON line appended to it. ``make bench`` sets that file
and ``benchmarks/table.py`` prints every goal, figure and ratio as one table at the end.

A baseline must be fair (docs/performance.md): the same keys Kluis uses (time-ordered UUIDs,
prebuilt outside the timed part), the same rows or messages, the same plan for a query.
"""

from __future__ import annotations

import json
import math
import os
import resource
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Timing:
    """Wall-clock and CPU seconds of one timed part. CPU time counts this process and any
    child processes it waited for (``RUSAGE_CHILDREN``), so work done in a worker process
    Kluis starts is counted too."""

    wall: float
    cpu: float


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class Stopwatch:
    """Filled in when the ``stopwatch()`` block ends."""

    timing: Timing = field(default_factory=lambda: Timing(0.0, 0.0))


@contextmanager
def stopwatch() -> Iterator[Stopwatch]:
    """Time a block: ``with stopwatch() as sw: ...`` then ``sw.timing``."""
    watch = Stopwatch()
    wall, cpu = time.perf_counter(), _cpu()
    try:
        yield watch
    finally:
        watch.timing = Timing(time.perf_counter() - wall, _cpu() - cpu)


@dataclass(frozen=True)
class Comparison:
    """Pairs of (baseline, Kluis) timings of the same work. ``speed`` ratios are Kluis's
    throughput as a share of the baseline's (baseline time / Kluis time: 0.5 means Kluis takes
    twice as long)."""

    pairs: tuple[tuple[Timing, Timing], ...]

    @property
    def wall_ratios(self) -> list[float]:
        return [base.wall / ours.wall for base, ours in self.pairs if ours.wall > 0]

    @property
    def cpu_ratios(self) -> list[float]:
        return [base.cpu / ours.cpu for base, ours in self.pairs if ours.cpu > 0]

    @property
    def ratio_min(self) -> float:
        return min(self.wall_ratios)

    @property
    def ratio_median(self) -> float:
        return statistics.median(self.wall_ratios)

    @property
    def cpu_ratio_median(self) -> float:
        return statistics.median(self.cpu_ratios) if self.cpu_ratios else float("nan")

    def median(self, which: str) -> float:
        """Median seconds of ``"baseline"`` or ``"kluis"`` (wall clock)."""
        index = 0 if which == "baseline" else 1
        return statistics.median(pair[index].wall for pair in self.pairs)

    def summary(self) -> str:
        return (
            f"ratio min {self.ratio_min:.3f} median {self.ratio_median:.3f} "
            f"(CPU median {self.cpu_ratio_median:.3f}; {len(self.pairs)} pairs)"
        )


def alternate(
    pairs: int, baseline: Callable[[int], Timing], kluis: Callable[[int], Timing]
) -> Comparison:
    """Run ``baseline(i)`` then ``kluis(i)`` for i in range(pairs), at least three pairs. Each
    callable does its own set-up and returns the ``Timing`` of only its timed part."""
    if pairs < 3:
        raise ValueError("alternate at least three pairs, so a ratio is not one noisy sample")
    runs = []
    for i in range(pairs):
        base = baseline(i)
        ours = kluis(i)
        runs.append((base, ours))
    return Comparison(tuple(runs))


@dataclass(frozen=True)
class Result:
    """One goal of one workload, as the table in docs/performance.md shows it."""

    workload: str
    goal: str
    figure: str
    ratio: str
    met: bool | None
    """True or False against the goal; None for a figure that has no goal."""


def report(result: Result) -> None:
    """Print the result and append it to ``KLUIS_BENCH_RESULTS`` when that is set."""
    verdict = {True: "met", False: "NOT met", None: "-"}[result.met]
    print(
        f"  {result.workload}: {result.figure}; {result.ratio}; goal {result.goal}: {verdict}",
        flush=True,
    )
    path = os.environ.get("KLUIS_BENCH_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(result)) + "\n")


def percentile(values: list[float], share: float) -> float:
    """The ``share`` (0..1) quantile by the nearest-rank method; at least 1/(1-share) values
    are needed for it to mean anything (1,000 for a p99 the issue trusts)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
