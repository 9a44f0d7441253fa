"""The sliding windows that limit the public forms that send e-mail, counted in the data store
(on SQLite and PostgreSQL), shared by every process that opens the same stores."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from kluis.opening import open_kluis
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.ui import limits
from kluis.ui.tables import MailLimitHit

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def other(settings: Settings, kluis: Kluis) -> Iterator[Kluis]:
    """A second Kluis on the same stores, with engines of its own: another process."""
    second = open_kluis(settings, migrate=False)
    try:
        yield second
    finally:
        second.close()


def _hits(k: Kluis) -> int:
    with k.engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(MailLimitHit)) or 0


def test_allows_the_limit_within_the_window_and_then_again_after_it(kluis: Kluis) -> None:
    at = [T0 + timedelta(minutes=m) for m in range(limits.PER_ADDRESS + 1)]
    assert [limits.address_allowed(kluis, "a@example.com", t) for t in at] == [
        *[True] * limits.PER_ADDRESS,
        False,
    ]
    assert limits.address_allowed(kluis, "b@example.com", T0)
    assert not limits.address_allowed(kluis, "a@example.com", T0 + timedelta(minutes=59))
    assert limits.address_allowed(kluis, "a@example.com", T0 + timedelta(minutes=60))


def test_an_address_is_compared_trimmed_and_in_lower_case(kluis: Kluis) -> None:
    for _ in range(limits.PER_ADDRESS):
        assert limits.address_allowed(kluis, "Some.One@example.com ", T0)
    assert not limits.address_allowed(kluis, "some.one@EXAMPLE.com", T0)


def test_refusals_are_not_counted(kluis: Kluis) -> None:
    for _ in range(limits.PER_ADDRESS):
        assert limits.address_allowed(kluis, "a@example.com", T0)
    for m in range(1, 50):
        assert not limits.address_allowed(kluis, "a@example.com", T0 + timedelta(minutes=m))
    assert _hits(kluis) == limits.PER_ADDRESS
    assert limits.address_allowed(kluis, "a@example.com", T0 + timedelta(hours=1))


def test_clients_and_addresses_are_counted_apart_and_an_unknown_client_is_one_client(
    kluis: Kluis,
) -> None:
    for _ in range(limits.PER_CLIENT):
        assert limits.client_allowed(kluis, None, T0)
    assert not limits.client_allowed(kluis, None, T0)
    assert limits.client_allowed(kluis, "192.0.2.7", T0)
    assert limits.address_allowed(kluis, "-", T0)


def test_expired_hits_are_deleted_by_the_next_post(kluis: Kluis) -> None:
    for n in range(10):
        limits.client_allowed(kluis, f"192.0.2.{n}", T0)
    assert _hits(kluis) == 10
    limits.client_allowed(kluis, "198.51.100.1", T0 + limits.WINDOW)
    assert _hits(kluis) == 1


def test_the_store_holds_keyed_digests_never_the_addresses(kluis: Kluis) -> None:
    limits.address_allowed(kluis, "wessel.vandenbroek@example.com", T0)
    limits.client_allowed(kluis, "192.0.2.44", T0)
    with kluis.engine.connect() as conn:
        stored = {bytes(d) for d in conn.scalars(select(MailLimitHit.digest))}
    assert stored == {
        limits.digest(kluis, "address", "wessel.vandenbroek@example.com"),
        limits.digest(kluis, "client", "192.0.2.44"),
    }
    assert limits.digest(kluis, "address", "x@example.com") != kluis.vault.blind_index(
        "email", "x@example.com"
    )


def test_two_processes_on_one_store_share_the_limit(kluis: Kluis, other: Kluis) -> None:
    answers = [
        limits.address_allowed(k, "shared@example.com", T0 + timedelta(minutes=n))
        for n, k in enumerate([kluis, other] * limits.PER_ADDRESS)
    ]
    assert answers == [*[True] * limits.PER_ADDRESS, *[False] * limits.PER_ADDRESS]


def test_concurrent_posts_from_two_processes_never_pass_the_limit(
    kluis: Kluis, other: Kluis
) -> None:
    """Threads on two engines race for the last places: the count and the hit are one step."""
    results: list[bool] = []
    start = threading.Barrier(8)

    def post(k: Kluis) -> None:
        start.wait()
        for _ in range(4):
            results.append(limits.address_allowed(k, "race@example.com", T0))

    threads = [threading.Thread(target=post, args=(k,)) for k in [kluis, other] * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 32
    assert results.count(True) == limits.PER_ADDRESS
