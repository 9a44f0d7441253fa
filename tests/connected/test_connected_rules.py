"""The pure rules of connected systems: which events call for a notice, the backoff and its
window, the Standard Webhooks signature (checked against the reference receiver's own
verification and a known vector), and what answer means done."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import NOW
from kluis.connected import rules
from webhook_receiver import verify


@pytest.mark.parametrize(
    ("action", "details", "kind"),
    [
        ("person.updated", {"fields": ["email", "family_name"]}, "rectification"),
        ("person.updated", {"fields": []}, None),
        ("person.minimised", {"cleared": ["email"], "removed_purposes": ["a"]}, "erasure"),
        ("person.flag_changed", {"flag": "restriction", "active": True}, "restriction"),
        ("person.flag_changed", {"flag": "restriction", "active": False}, "restriction_lifted"),
        ("person.flag_changed", {"flag": "objection", "active": True}, "objection"),
        ("person.flag_changed", {"flag": "objection", "active": False}, "objection_lifted"),
        ("consent.recorded", {"consent_action": "withdrawn"}, "consent_withdrawn"),
        ("consent.recorded", {"consent_action": "granted"}, None),
        ("consent.recorded", {"consent_action": "expired"}, None),
        ("person.read", {"fields": ["email"]}, None),
        ("person.erased", {"reason": "request"}, None),
    ],
)
def test_trigger_of(action: str, details: dict[str, object], kind: str | None) -> None:
    found = rules.trigger_of(action, details, "p1")
    assert (found.kind if found else None) == kind
    if found is not None:
        assert action in rules.WATCHED
    assert rules.trigger_of(action, details, None) is None


def test_a_rectification_names_the_fields_sorted_and_a_partial_erasure_its_purposes() -> None:
    found = rules.trigger_of("person.updated", {"fields": ["phone", "email"]}, "p1")
    assert found is not None
    assert found.fields == ("email", "phone")
    partial = rules.trigger_of(
        "person.minimised",
        {"cleared": ["email"], "removed_purposes": ["shop"], "kept_purposes": ["invoicing"]},
        "p1",
    )
    assert partial is not None
    assert partial.purposes == ("invoicing", "shop")


def test_backoff_grows_four_times_and_stops_at_twelve_hours() -> None:
    assert [rules.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 240, 960, 3840]
    assert rules.backoff(20) == timedelta(hours=12)


def test_no_attempt_after_the_window() -> None:
    assert rules.next_attempt(NOW, 1, NOW, 3) == NOW + timedelta(minutes=1)
    late = NOW + timedelta(days=3)
    assert rules.next_attempt(NOW, 9, late, 3) is None


def test_the_signature_is_the_documented_one() -> None:
    # Standard Webhooks' own example secret and message
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    signature = rules.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


@given(st.binary(max_size=200), st.integers(min_value=0, max_value=2**33))
def test_the_reference_receiver_accepts_what_kluis_signs(body: bytes, timestamp: int) -> None:
    old, new = rules.new_secret(), rules.new_secret()
    headers = rules.headers([new, old], "msg_abc", timestamp, body)
    assert verify(old, headers, body)
    assert verify(new, headers, body)
    assert not verify(rules.new_secret(), headers, body)
    assert not verify(new, headers, body + b"x")


def test_a_secret_is_whsec_and_24_random_bytes() -> None:
    secret = rules.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret[6:])) == 24
    mac = hmac.new(rules.secret_bytes(secret), b"x", hashlib.sha256).digest()
    assert len(mac) == 32


@pytest.mark.parametrize(
    ("status", "body", "done"),
    [
        (200, b'{"status": "done"}', True),
        (202, b'{"status": "Confirmed"}', True),
        (200, b'{"status": "accepted"}', False),
        (200, b"", False),
        (200, b"not json", False),
        (200, b"[1]", False),
        (500, b'{"status": "done"}', False),
    ],
)
def test_says_done(status: int, body: bytes, done: bool) -> None:
    assert rules.says_done(status, body) is done


def test_overdue_counts_open_and_failed_notices_only() -> None:
    old = NOW - timedelta(days=7)
    assert rules.overdue("sent", old, NOW, 7)
    assert rules.overdue("failed", old, NOW, 7)
    assert not rules.overdue("confirmed", old, NOW, 7)
    assert not rules.overdue("pending", NOW - timedelta(days=6), NOW, 7)
