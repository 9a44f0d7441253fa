"""``record`` hashes entries without building them (time and actor encoded once per call);
what it computes must be exactly ``rules.entry_hash``, which ``verify`` recomputes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from kluis.audit import rules
from kluis.audit.activity_events import ActivityLogged
from kluis.audit.events import AuditEvent
from kluis.audit.people_events import PersonCreated
from kluis.audit.service import _HASH_JSON, _details_json, _hash

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


@settings(max_examples=examples(300), deadline=None)
@given(
    st.lists(
        st.tuples(
            st.booleans() | st.integers(0, 2),
            st.sampled_from(["call", "meeting", "note"]),
            st.none() | st.integers(0, 1),
            st.lists(st.sampled_from(["email", "phone", ""]), max_size=3).map(tuple),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_details_encoded_once_per_record_are_each_events_own(
    parts: list[tuple[Any, str, int | None, tuple[str, ...]]],
) -> None:
    """``record`` encodes equal details once; each entry must still carry its own event's
    details exactly (``True`` and ``1`` compare equal but encode apart)."""
    encoded: dict[tuple[Any, ...], str] = {}
    for n, (flag, kind, recording, fields) in enumerate(parts):
        events: list[AuditEvent] = [
            ActivityLogged(f"p{n}", "sales", f"a{n}", kind, flag, recording, None),
            PersonCreated(f"p{n}", kind, ("sales",), fields, "import"),
        ]
        for event in events:
            assert _details_json(event, encoded) == _HASH_JSON.encode(event.details())


def test_details_that_cannot_be_a_key_are_encoded_each_time() -> None:
    """A detail given as a list where the event declares a tuple (nothing checks it at run
    time) still gets its entry: the encoding is made, not looked up."""
    event = PersonCreated("p1", "customer", ("sales",), ["email", "phone"], "import")  # type: ignore[arg-type]
    encoded: dict[tuple[Any, ...], str] = {}
    assert _details_json(event, encoded) == _HASH_JSON.encode(event.details())
    assert encoded == {}
