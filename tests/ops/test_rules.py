"""The pure rules of the operations slice."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from kluis.backup.service import DATA_PREFIX, STAMP
from kluis.ops import rules

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def test_the_histogram_is_cumulative_with_inf_last() -> None:
    assert rules.histogram([-2, 0, 3, 5, 40], (0, 3, 7)) == [
        ("0.0", 2.0),
        ("3.0", 3.0),
        ("7.0", 4.0),
        ("+Inf", 5.0),
    ]


def test_an_empty_histogram_has_every_bucket_at_zero() -> None:
    assert rules.histogram([], rules.DEADLINE_BUCKETS)[-1] == ("+Inf", 0.0)
    assert all(count == 0 for _le, count in rules.histogram([], rules.DEADLINE_BUCKETS))


def test_the_backup_age_is_that_of_the_newest_data_snapshot() -> None:
    names = [
        DATA_PREFIX + (NOW - timedelta(days=3)).strftime(STAMP),
        DATA_PREFIX + (NOW - timedelta(hours=2)).strftime(STAMP),
        "keyrings",
        f"{DATA_PREFIX}not-a-time",
    ]
    assert rules.backup_age(names, DATA_PREFIX, STAMP, NOW) == 2 * 3600


def test_no_backup_is_infinitely_old() -> None:
    assert rules.backup_age(["keyrings"], DATA_PREFIX, STAMP, NOW) == math.inf


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer s3cret-token", True),
        ("bearer s3cret-token", True),
        ("Bearer s3cret-tokex", False),
        ("Basic s3cret-token", False),
        ("Bearer ", False),
        ("s3cret-token", False),
        (None, False),
    ],
)
def test_the_metrics_token_is_a_bearer_token(header: str | None, expected: bool) -> None:
    assert rules.token_matches(header, "s3cret-token") is expected
