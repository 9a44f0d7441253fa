"""Person ids are UUIDv7 (RFC 9562): version and variant bits right, the millisecond time in the
first 48 bits, consecutive within a call, ordered by time across calls, never repeated."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from kluis.ids import new_person_ids

AT_NS = 1_798_000_000_123_456_789  # 2026-12-23, in nanoseconds since the epoch


def test_version_variant_and_time() -> None:
    for text in new_person_ids(50, at_ns=AT_NS):
        value = uuid.UUID(text)
        assert value.version == 7
        assert value.variant == uuid.RFC_4122
        assert value.int >> 80 == AT_NS // 1_000_000
        assert str(value) == text


def test_one_call_gives_consecutive_ids() -> None:
    ids = [uuid.UUID(t).int for t in new_person_ids(1000, at_ns=AT_NS)]
    # the counter runs through rand_a and rand_b; the version and variant bits sit between
    counters = [((v >> 64) & 0xFFF) << 62 | (v & ((1 << 62) - 1)) for v in ids]
    assert counters == list(range(counters[0], counters[0] + 1000))
    assert ids == sorted(ids)


@settings(max_examples=examples(200), deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 10**9))
def test_later_calls_sort_after(earlier_ms: int, gap_ms: int) -> None:
    first = new_person_ids(3, at_ns=(AT_NS // 10**6 + earlier_ms) * 10**6)
    second = new_person_ids(3, at_ns=(AT_NS // 10**6 + earlier_ms + gap_ms) * 10**6)
    assert max(first) < min(second)


def test_no_repeats_across_calls_in_one_millisecond() -> None:
    seen: set[str] = set()
    for _ in range(200):
        batch = new_person_ids(50, at_ns=AT_NS)
        assert not seen.intersection(batch)
        seen.update(batch)
    assert len(seen) == 200 * 50


def test_zero_ids() -> None:
    assert new_person_ids(0) == []
