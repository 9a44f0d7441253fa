"""The pure rules of text messages: SMS length (GSM-7 and UCS-2 parts), opt-out replies, the
opt-out line and the providers' webhook signatures."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kluis.messaging import text_rules as rules


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "gsm7", 0, 0),
        ("a" * 160, "gsm7", 160, 1),
        ("a" * 161, "gsm7", 161, 2),
        ("a" * 306, "gsm7", 306, 2),
        ("a" * 307, "gsm7", 307, 3),
        ("€" * 80, "gsm7", 160, 1),
        ("€" * 81, "gsm7", 162, 2),  # 76 pairs fill 152 of 153 septets: the 77th moves on
        ("a" + "€" * 80, "gsm7", 161, 2),
        ("é" * 70, "gsm7", 70, 1),
        ("ł" * 70, "ucs2", 70, 1),
        ("ł" * 71, "ucs2", 71, 2),
        ("ł" * 134, "ucs2", 134, 2),
        ("ł" * 135, "ucs2", 135, 3),
        ("😀" * 35, "ucs2", 70, 1),
        ("a" + "😀" * 35, "ucs2", 71, 2),
        ("Hallo Fenna, 50% korting!", "gsm7", 25, 1),
    ],
)
def test_measure(text: str, encoding: str, units: int, segments: int) -> None:
    length = rules.measure(text)
    assert (length.encoding, length.units, length.segments) == (encoding, units, segments)


@given(st.text(alphabet=st.sampled_from(sorted(rules.GSM7_BASIC)), max_size=1000))
def test_plain_gsm7_parts_follow_the_formula(text: str) -> None:
    length = rules.measure(text)
    assert length.encoding == "gsm7"
    expected = (1 if text else 0) if len(text) <= 160 else math.ceil(len(text) / 153)
    assert length.segments == expected
    assert length.remaining >= 0


@given(st.text(max_size=600))
def test_any_text_fits_its_parts(text: str) -> None:
    length = rules.measure(text)
    room = rules.SINGLE if length.segments <= 1 else rules.PART
    assert length.units <= max(length.segments, 1) * room[length.encoding]
    assert length.segments >= (1 if text else 0)


@pytest.mark.parametrize(
    "body", ["STOP", "stop", "  Stop  ", "AFMELDEN", "afmelden.", "Stop!", "stopall", "UNSUBSCRIBE"]
)
def test_opt_out_words(body: str) -> None:
    assert rules.is_opt_out(body)


@pytest.mark.parametrize("body", ["", "stop please", "don't stop", "afmelden morgen", "STOPPEN?"])
def test_not_opt_out(body: str) -> None:
    assert not rules.is_opt_out(body)


def test_opt_out_line_per_language() -> None:
    assert rules.with_opt_out("Kaas!\n", "nl", "+3197010") == "Kaas!\nAfmelden: STOP aan +3197010"
    assert rules.with_opt_out("Cheese!", "en", "+3197010").endswith(
        "Reply STOP to +3197010 to opt out"
    )
    assert rules.with_opt_out("Cheese!", "de", "+3197010").endswith("to opt out")


def test_confirmation_names_the_channel() -> None:
    assert "WhatsApp" in rules.confirmation("nl", "Kluis", "whatsapp")
    assert "SMS" in rules.confirmation("en", "Kluis", "sms")


def test_twilio_signature_of_the_documented_example() -> None:
    """The example of Twilio's webhook security documentation."""
    params = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+14158675310"),
        ("Digits", "1234"),
        ("From", "+14158675310"),
        ("To", "+18005551212"),
    ]
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    signature = rules.twilio_signature("12345", url, params)
    assert signature == "GvWf1cFY/Q7PnoempGyD5oXAezc="
    assert rules.twilio_valid("12345", url, reversed(params), signature)
    assert not rules.twilio_valid("12345", url + "&x=1", params, signature)
    assert not rules.twilio_valid("12345", url, params[1:], signature)
    assert not rules.twilio_valid("54321", url, params, signature)
    assert not rules.twilio_valid("12345", url, params, None)


def test_meta_signature() -> None:
    body = b'{"object":"whatsapp_business_account"}'
    signature = rules.meta_signature("s3cret", body)
    assert signature.startswith("sha256=")
    assert len(signature) == 7 + 64
    assert rules.meta_valid("s3cret", body, signature)
    assert not rules.meta_valid("s3cret", body + b" ", signature)
    assert not rules.meta_valid("other", body, signature)
    assert not rules.meta_valid("s3cret", body, "")
