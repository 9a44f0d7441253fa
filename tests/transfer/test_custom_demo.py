"""Custom fields' part of ``kluis demo``: two fields, filled in under purposes that cover them."""

from __future__ import annotations

from conftest import ADMIN, NOW
from kluis.contacts import custom_fields
from kluis.runtime import Kluis
from kluis.transfer import demo
from kluis.transfer.custom_demo import demo_fields


def test_the_demo_declares_two_fields_and_fills_them(kluis: Kluis) -> None:
    summary = demo.populate(kluis, ADMIN, 30, NOW, parts=[demo_fields])
    assert summary["custom fields"] == 2
    assert summary["custom values"] > 0
    assert [f.key for f in custom_fields.fields(kluis)] == ["shoe_size", "tier"]
    again = demo.populate(kluis, ADMIN, 5, NOW, parts=[demo_fields])
    assert again["custom fields"] == 0
