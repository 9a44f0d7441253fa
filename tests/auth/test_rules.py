"""The pure sign-in rules of kluis.auth.rules: failures counted per client address, their window
and their lock. Time is passed in."""

from __future__ import annotations

from datetime import timedelta

from conftest import NOW
from kluis.auth.rules import (
    CLIENT_WINDOW_MINUTES,
    LOCK_MINUTES,
    MAX_CLIENT_FAILURES,
    ClientFailures,
    client_after_failure,
    client_locked,
    totp_fresh,
)

WINDOW = timedelta(minutes=CLIENT_WINDOW_MINUTES)
LOCK = timedelta(minutes=LOCK_MINUTES)


def test_the_first_failure_starts_a_count() -> None:
    assert client_after_failure(None, NOW) == ClientFailures(1, NOW, None)
    assert not client_locked(None, NOW)


def test_failures_within_the_window_add_up_to_a_lock() -> None:
    state = None
    for n in range(MAX_CLIENT_FAILURES):
        state = client_after_failure(state, NOW + timedelta(seconds=n))
        assert state.count == n + 1
        assert state.since == NOW
        assert client_locked(state, NOW + timedelta(seconds=n)) is (n + 1 == MAX_CLIENT_FAILURES)
    assert state is not None
    last = NOW + timedelta(seconds=MAX_CLIENT_FAILURES - 1)
    assert state.locked_until == last + LOCK
    assert client_locked(state, last + LOCK - timedelta(seconds=1))
    assert not client_locked(state, last + LOCK)


def test_a_failure_after_the_window_starts_again() -> None:
    state = ClientFailures(MAX_CLIENT_FAILURES - 1, NOW)
    assert client_after_failure(state, NOW + WINDOW - timedelta(seconds=1)).locked_until
    assert client_after_failure(state, NOW + WINDOW) == ClientFailures(1, NOW + WINDOW, None)


def test_a_failure_during_a_lock_keeps_it_and_after_it_starts_again() -> None:
    locked = ClientFailures(MAX_CLIENT_FAILURES, NOW, NOW + LOCK)
    during = client_after_failure(locked, NOW + timedelta(minutes=1))
    assert during.locked_until == NOW + LOCK
    assert client_after_failure(locked, NOW + LOCK) == ClientFailures(1, NOW + LOCK, None)


def test_a_totp_code_signs_in_once_and_never_after_a_newer_one() -> None:
    """RFC 6238 section 5.2: no code accepted twice; none older than the last accepted."""
    assert totp_fresh(100, None)
    assert totp_fresh(101, 100)
    assert not totp_fresh(100, 100)
    assert not totp_fresh(99, 100)
    assert not totp_fresh(None, None)
    assert not totp_fresh(None, 100)
