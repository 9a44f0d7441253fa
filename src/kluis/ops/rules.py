"""Pure decisions of the operations slice: deadline buckets, the age of the newest backup, the
metrics token. No I/O; ``now`` is passed in (DESIGN.md invariant 7)."""

from __future__ import annotations

import hmac
import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

DEADLINE_BUCKETS: tuple[float, ...] = (0, 3, 7, 14, 30)
"""Upper bounds, in whole days left, of the histogram of open privacy requests' deadlines:
0 is due today or overdue, 7 the week the requests page marks as near (Art. 12(3))."""


def histogram(values: Sequence[int], bounds: Sequence[float]) -> list[tuple[str, float]]:
    """Cumulative counts per upper bound, ``+Inf`` last, in Prometheus' bucket form."""
    buckets = [
        (repr(float(bound)), float(sum(1 for v in values if v <= bound))) for bound in bounds
    ]
    return [*buckets, ("+Inf", float(len(values)))]


def backup_stamp(name: str, prefix: str, stamp: str) -> datetime | None:
    """When the data snapshot in directory ``name`` was taken (``prefix`` then the time in
    ``stamp``'s format, as ``kluis backup create`` names it), or None for another name."""
    if not name.startswith(prefix):
        return None
    try:
        return datetime.strptime(name.removeprefix(prefix), stamp).replace(tzinfo=UTC)
    except ValueError:
        return None


def backup_age(names: Iterable[str], prefix: str, stamp: str, now: datetime) -> float:
    """Seconds since the newest data snapshot among ``names``; infinite when there is none, so
    an alert on age fires for a backup directory that never received one."""
    found = [backup_stamp(name, prefix, stamp) for name in names]
    stamps = [s for s in found if s is not None]
    if not stamps:
        return math.inf
    return max(0.0, (now - max(stamps)).total_seconds())


def token_matches(header: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``token`` as a bearer token (RFC 6750),
    compared in constant time so the comparison's duration tells nothing of the token."""
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())
