"""An erasure's register line and its suppression lines are formatted directly (a sweep writes
thousands); each must be the very text the general JSON encoding gives, so every copy, old
lines included, computes the same MAC and ``decode`` reads it back."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from kluis.vault import register

KEY = b"\x07" * 32


@settings(max_examples=examples(300), deadline=None)
@given(
    person_id=st.uuids().map(str) | st.text(max_size=40),
    at=st.datetimes(
        min_value=datetime(1970, 1, 2),
        max_value=datetime(2999, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))]),
    ),
    reason=st.text(max_size=50),
)
def test_an_erasure_line_is_the_general_encoding(person_id: str, at: datetime, reason: str) -> None:
    item = register.erasure(person_id, at, reason)
    assert register._canonical(item) == register._json(item)
    line = register.encode(KEY, item)
    text = register._json(item).encode()
    assert (
        line == hmac.new(KEY, text, hashlib.sha256).hexdigest()[:32].encode() + b" " + text + b"\n"
    )
    assert register.decode(KEY, line) == item


@settings(max_examples=examples(300), deadline=None)
@given(
    kind=st.sampled_from(["email", "phone"]) | st.text(max_size=20),
    digest=st.binary(max_size=40),
    at=st.datetimes(
        min_value=datetime(1970, 1, 2),
        max_value=datetime(2999, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=3))]),
    ),
    reason=st.sampled_from(["erased", "objected"]) | st.text(max_size=50),
)
def test_a_suppression_line_is_the_general_encoding(
    kind: str, digest: bytes, at: datetime, reason: str
) -> None:
    item = register.suppression(kind, digest, reason, at)
    assert register._canonical(item) == register._json(item)
    assert register.decode(KEY, register.encode(KEY, item)) == item


def test_other_entries_keep_the_general_encoding() -> None:
    at = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    for item in (
        register.lift(b"\x02" * 16, at),
        register.minimisation("p-1", ["birth_date"], ["age_verification"], False, at, "retention"),
    ):
        assert register._canonical(item) == register._json(item)
        assert register.decode(KEY, register.encode(KEY, item)) == item
