"""The e-mail fast path (domain validated once per domain) agrees with email-validator."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email

from kluis.contacts.rules import normalise_email
from kluis.errors import InvalidField

CASES = [
    "a@example.com",
    "Fenna.Brouwer@EXAMPLE.com",
    "a+tag@example.co.uk",
    "a..b@example.com",
    ".a@example.com",
    "a.@example.com",
    "a@localhost",
    "a@example",
    "a@-example.com",
    "a@exa_mple.com",
    "a@123.123",
    "a@[127.0.0.1]",
    "x" * 64 + "@example.com",
    "x" * 65 + "@example.com",
    "a@" + "b" * 63 + ".com",
    "a@" + "b" * 64 + ".com",
    "a@" + ".".join(["c" * 60] * 4) + ".com",
    "a@münchen.de",
    "jan@xn--mnchen-3ya.de",
    "Jan <jan@example.com>",
    "a@b@example.com",
    "a b@example.com",
    "a@example.com.",
    "a@invalid",
    "a@test",
    "é@example.com",
    " a@example.com ",
]


@pytest.mark.parametrize("address", CASES)
def test_fast_path_agrees_with_email_validator(address: str) -> None:
    try:
        expected: str | None = validate_email(
            address.strip(), check_deliverability=False
        ).normalized
    except EmailNotValidError:
        expected = None
    try:
        got: str | None = normalise_email(address)
    except InvalidField:
        got = None
    assert got == expected
