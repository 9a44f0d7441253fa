"""The phone fast path (``+31 6 12345678``-like input, digits read without phonenumbers' general
parser) gives exactly what phonenumbers gives: the same E.164 form, and a refusal where it
refuses."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import examples
from kluis.contacts import rules
from kluis.errors import InvalidField

REGIONS = ("NL", "BE", "DE", "GB")
SEPARATORS = ("", "", "", " ", " ", "-", ".", "(", ")", " (", ") ", "--")
CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


def reference(value: str, region: str) -> str | None:
    """What normalise_phone gave before the fast path: phonenumbers alone."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number) or (
        number.italian_leading_zero and not phonenumbers.is_valid_number(number)
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def ours(value: str, region: str) -> str | None:
    try:
        return rules.normalise_phone(value, region)
    except InvalidField:
        return None


def spaced(digits: str, cuts: list[int], seps: list[str]) -> str:
    out = []
    for i, ch in enumerate(digits):
        if i in cuts:
            out.append(seps[cuts.index(i) % len(seps)])
        out.append(ch)
    return "".join(out)


@st.composite
def plus_numbers(draw: st.DrawFn) -> str:
    """+CC then digits, cut by separators; CC mostly NL, BE, DE or GB, sometimes any code."""
    code = draw(
        st.one_of(st.sampled_from(["31", "32", "49", "44"]), st.sampled_from(CODES).map(str))
    )
    national = draw(st.text("0123456789", min_size=0, max_size=18))
    if draw(st.booleans()) and national:
        national = draw(st.sampled_from("123456789")) + national[1:]
    digits = code + national
    cuts = draw(st.lists(st.integers(1, max(len(digits) - 1, 1)), max_size=6, unique=True))
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=1, max_size=6))
    lead = draw(st.sampled_from(["+", "+", "+ ", " +", "++", ""]))
    tail = draw(st.sampled_from(["", "", " ", "-", " x12", "#"]))
    return lead + spaced(digits, sorted(cuts), seps) + tail


@st.composite
def real_numbers(draw: st.DrawFn) -> str:
    """Example numbers of NL, BE, DE and GB of every type, written in each format, with digits
    changed."""
    region = draw(st.sampled_from(REGIONS))
    kind = draw(st.sampled_from(list(range(11))))
    example_number = phonenumbers.example_number_for_type(region, kind)
    if example_number is None:
        example_number = phonenumbers.example_number(region)
    assert example_number is not None
    form = draw(
        st.sampled_from(
            [
                phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                phonenumbers.PhoneNumberFormat.E164,
                phonenumbers.PhoneNumberFormat.NATIONAL,
            ]
        )
    )
    text = list(phonenumbers.format_number(example_number, form))
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    for i in draw(st.lists(st.sampled_from(positions), max_size=4)):
        text[i] = draw(st.sampled_from("0123456789"))
    if draw(st.booleans()):
        # drop or double a digit: lengths that are not possible
        i = draw(st.sampled_from(positions))
        text[i] = draw(st.sampled_from(["", text[i] * 2]))
    return "".join(text)


@settings(max_examples=examples(3000), deadline=None)
@given(plus_numbers(), st.sampled_from(REGIONS))
@example("+31 6 20000001", "NL")
@example("+31 (0)6 12345678", "NL")
@example("+31 06 12345678", "NL")
@example("+44 (0)20 7946 0958", "GB")
@example("+49 030 1234567", "DE")
@example("+32 0470 12 34 56", "BE")
@example("+39 06 1234 5678", "NL")
@example("+1 (415) 555-0100", "NL")
@example("+0031 6 12345678", "NL")
@example("+800 1234 5678", "NL")
@example("+31 6", "NL")
@example("+3", "NL")
def test_plus_forms_agree_with_phonenumbers(value: str, region: str) -> None:
    assert ours(value, region) == reference(value, region)


@settings(max_examples=examples(3000), deadline=None)
@given(real_numbers(), st.sampled_from(REGIONS))
def test_real_numbers_agree_with_phonenumbers(value: str, region: str) -> None:
    assert ours(value, region) == reference(value, region)


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("kind", range(11))
def test_every_example_number_takes_the_fast_path_and_agrees(region: str, kind: int) -> None:
    number = phonenumbers.example_number_for_type(region, kind)
    if number is None:
        pytest.skip("no example of this type")
    text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    expected = reference(text, region)
    assert expected is not None
    assert rules._plus_form(text) == expected
    assert ours(text, region) == expected
