"""``kluis systems``: add (the secret printed once), list, show, purposes, rotate-secret, link
and deliver, as an operator sees them, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from cli_helpers import ok, ok_json, refused
from conftest import ADMIN, NOW
from factories import add_person
from kluis.connected.tables import ConnectedIdentity
from kluis.runtime import Kluis
from kluis.settings import Settings


def test_systems_commands(kluis: Kluis, kluis_env: Settings) -> None:
    added = ok_json(
        "systems",
        "add",
        "Shop",
        "--reach",
        "webhook",
        "--webhook-url",
        "https://shop.example.com/kluis",
        "--purpose",
        "customer_service",
    )
    assert added["secret"].startswith("whsec_")
    assert added["system"]["purposes"] == ["customer_service"]
    shown = ok("systems", "add", "Ledger", "--instructions", "Close the account.").stdout
    assert "Ledger" in shown
    assert "manual" in shown
    listed = ok_json("systems", "list")
    assert [s["name"] for s in listed] == ["Shop", "Ledger"]
    assert "whsec_" not in ok("systems", "list").stdout
    assert ok_json("systems", "show", "Shop")["secrets"] == 1
    assert ok_json("systems", "purposes", "Ledger", "--purpose", "invoicing")["purposes"] == [
        "invoicing"
    ]
    rotated = ok_json("systems", "rotate-secret", "Shop")["secret"]
    assert rotated.startswith("whsec_")
    assert rotated != added["secret"]
    assert ok_json("systems", "show", "Shop")["secrets"] == 2
    refused("systems", "rotate-secret", "Ledger", field="system")
    person = add_person(kluis, ADMIN, NOW, 1)
    ok("systems", "link", person, "--system", "Shop", "--external-id", "S-1")
    with kluis.engine.connect() as conn:
        [sealed] = conn.scalars(select(ConnectedIdentity.external_id)).all()
    assert b"S-1" not in sealed
    refused("systems", "link", person, "--system", "Nope", "--external-id", "x", field="system")
    assert ok_json("systems", "deliver") == {"sent": 0, "confirmed": 0, "retried": 0, "failed": 0}
