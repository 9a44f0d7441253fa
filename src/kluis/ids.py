"""Identifiers of new people: UUIDv7 (RFC 9562, section 5.7), time-ordered.

A random (version 4) id puts every new person on a random page of each index that starts with
the person id (the people table's key, the blind index's person column, purposes, the keyring,
the audit log); a bulk import then rewrites pages all over those B-trees in every batch. Ids
that grow with time land next to each other, at the right-hand edge of each index. The 74 bits
after the millisecond timestamp are a counter that starts at a random value for each call
(RFC 9562 section 6.2, method 3), so the ids of one call are consecutive and still unguessable
from one another's neighbours outside the call. The id tells when the person was created, which
``created_at`` says anyway.
"""

from __future__ import annotations

import os
import time
import uuid

_COUNTER_BITS = 74
_START_BITS = 64
"""The counter starts below 2**64 of its 2**74 values, so a call never wraps it."""
_VERSION_7 = 0x7 << 76
_VARIANT = 0b10 << 62


def new_person_ids(count: int, *, at_ns: int | None = None) -> list[str]:
    """``count`` new, consecutive UUIDv7 strings (``at_ns``: the clock, for tests of order)."""
    millis = (time.time_ns() if at_ns is None else at_ns) // 1_000_000
    start = int.from_bytes(os.urandom(8), "big")
    ids: list[str] = []
    for n in range(count):
        counter = start + n
        # rand_a (12 bits) takes the counter's top bits, rand_b (62 bits) the rest
        value = (
            (millis & ((1 << 48) - 1)) << 80
            | _VERSION_7
            | (counter >> 62) << 64
            | _VARIANT
            | counter & ((1 << 62) - 1)
        )
        ids.append(str(uuid.UUID(int=value)))
    return ids
