"""``kluis deals add|list|move|won|lost``."""

from __future__ import annotations

import pytest

from cli_helpers import ok_json, refused
from conftest import NOW
from deal_helpers import pipeline
from kluis.runtime import Kluis


@pytest.mark.usefixtures("kluis_env")
def test_the_deal_commands(kluis: Kluis) -> None:
    pipeline(kluis, NOW)
    made = ok_json("deals", "add", "Ovens", "--value", "250.50", "--close", "2026-04-01")
    assert (made["stage"], made["value"]) == ("lead", "250.50")
    deal = str(made["id"])
    assert ok_json("deals", "move", deal, "negotiation")["probability"] == 75
    refused("deals", "lost", deal, "--reason", " ", field="lost_reason")
    assert ok_json("deals", "lost", deal, "--reason", "price")["kind"] == "lost"
    assert ok_json("deals", "won", deal)["kind"] == "won"
    listed = ok_json("deals", "list", "--month", "2026-04")
    assert listed["total"] == 1
    assert listed["items"][0]["stage"] == "won"
    refused("deals", "add", "x", "--currency", "EU", field="currency")
