"""kluis.jsonout writes what json.dumps(ensure_ascii=False, indent=2) writes."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kluis.jsonout import dumps

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
_KEYS = st.text() | st.integers() | st.floats(allow_nan=False) | st.booleans() | st.none()
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.tuples(inner, inner)
        | st.dictionaries(_KEYS, inner, max_size=5)
    ),
    max_leaves=40,
)


def _standard(value: Any, default: Any = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=default)


@given(_VALUES)
def test_the_same_text_as_the_standard_encoder(value: Any) -> None:
    assert dumps(value) == _standard(value)


def test_escapes_controls_quotes_and_keeps_other_characters() -> None:
    value = {"naam": 'Zoë "de" \\ Vries\n\x01\u2028', "lijst": [[], {}, [1.5, -0.0, math.inf]]}
    assert dumps(value) == _standard(value)


def test_default_and_its_refusals_as_the_standard_encoder() -> None:
    moment = datetime(2026, 1, 5, 12, tzinfo=UTC)
    assert dumps({"at": moment}, default=str) == _standard({"at": moment}, default=str)
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps({"at": moment})
    with pytest.raises(TypeError, match="keys must be"):
        dumps({(1, 2): "a tuple key"})
    looped: list[Any] = []
    looped.append(looped)
    with pytest.raises(ValueError, match="Circular reference"):
        dumps(looped)
