"""Refusals name the field and the choices, never the refused value: a refused value may be a
person's (a cell of an import in the wrong column, an address typed in the wrong box), and error
texts travel into logs, import reports and screenshots (Art. 5(1)(f))."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conftest import ADMIN, NOW
from kluis.actors import parse_role
from kluis.auth import service as auth
from kluis.compliance.rules import parse_exemption
from kluis.consent import catalogue
from kluis.consent import grant_rules as consent_rules
from kluis.contacts.rules import parse_language, parse_relationship
from kluis.purposes.rules import parse_duration
from kluis.runtime import Kluis
from kluis.transfer.export import parse_format

VALUE = "Fenna Brouwersma <fenna.brouwersma@example.com>"


def _refusal(call: Callable[[], Any]) -> str:
    with pytest.raises(Exception) as caught:  # noqa: PT011 - each parser has its own type
        call()
    return str(caught.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda: parse_relationship(VALUE),
        lambda: parse_language(VALUE),
        lambda: catalogue.parse_channel(VALUE),
        lambda: catalogue.parse_kind(VALUE),
        lambda: consent_rules.check_grant(VALUE, 1),
        lambda: consent_rules.check_evidence(VALUE, b"x", 10),
        lambda: parse_role(VALUE),
        lambda: parse_exemption(VALUE),
        lambda: parse_duration(VALUE),
        lambda: parse_format(VALUE),
    ],
    ids=[
        "relationship",
        "language",
        "channel",
        "kind",
        "consent method",
        "evidence type",
        "role",
        "exemption",
        "duration",
        "export format",
    ],
)
def test_parsers_do_not_repeat_the_refused_value(call: Callable[[], Any]) -> None:
    detail = _refusal(call).lower()
    for fragment in ("fenna", "brouwersma", "example"):
        assert fragment not in detail, detail


def test_a_staff_address_that_is_refused_is_not_repeated(kluis: Kluis) -> None:
    detail = _refusal(
        lambda: auth.create_user(kluis.engine, ADMIN, "Fenna Brouwersma", "admin", NOW)
    )
    assert "fenna" not in detail.lower()
