"""``record`` hashes entries without building them (time and actor encoded once per call);
what it computes must be exactly ``rules.entry_hash``, which ``verify`` recomputes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from kluis.audit import rules
from kluis.audit.service import _HASH_JSON, _hash

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=examples(500), deadline=None)
@given(
    seq=st.integers(1, 10**12),
    at=st.datetimes(
        min_value=datetime(1970, 1, 2),
        max_value=datetime(2200, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=2))]),
    ),
    actor=st.text(),
    action=st.text(),
    person_id=st.none() | st.uuids().map(str),
    purpose=st.none() | st.text(),
    details=st.dictionaries(st.text(), json_values, max_size=6),
    prev=st.text("0123456789abcdef", min_size=64, max_size=64),
)
def test_record_hash_is_the_rules_hash(
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    person_id: str | None,
    purpose: str | None,
    details: dict[str, Any],
    prev: str,
) -> None:
    entry = rules.Entry(seq, at, actor, action, person_id, purpose, details, prev)
    fast = _hash(
        seq,
        _HASH_JSON.encode(rules.canonical_time(at)),
        _HASH_JSON.encode(actor),
        action,
        person_id,
        purpose,
        _HASH_JSON.encode(details),
        prev,
    )
    assert fast == rules.entry_hash(entry)
