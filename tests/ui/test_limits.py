"""The sliding window that limits the public forms that send e-mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kluis.ui.limits import SlidingWindow

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_allows_the_limit_within_the_window_and_then_again_after_it() -> None:
    window = SlidingWindow(3, timedelta(hours=1))
    assert [window.allow("a", T0 + timedelta(minutes=m)) for m in range(4)] == [
        True,
        True,
        True,
        False,
    ]
    assert window.allow("b", T0)
    assert not window.allow("a", T0 + timedelta(minutes=59))
    assert window.allow("a", T0 + timedelta(minutes=60))


def test_refusals_are_not_counted() -> None:
    window = SlidingWindow(1, timedelta(hours=1))
    assert window.allow("a", T0)
    for m in range(1, 50):
        assert not window.allow("a", T0 + timedelta(minutes=m))
    assert window.allow("a", T0 + timedelta(hours=1))


def test_memory_stays_bounded() -> None:
    window = SlidingWindow(1, timedelta(hours=1), max_keys=10)
    for n in range(100):
        window.allow(str(n), T0)
    assert len(window._seen) == 10
    assert window.allow("0", T0)  # forgotten, so allowed again
