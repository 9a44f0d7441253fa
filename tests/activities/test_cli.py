"""``kluis activities`` end to end through Typer's CliRunner, on SQLite and PostgreSQL. The CLI
reads the clock itself, so moments here are taken from today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from activity_helpers import BODY, SUBJECT, WAV
from cli_helpers import ok, ok_json, refused
from conftest import ADMIN
from factories import add_person
from kluis.runtime import Kluis
from kluis.settings import Settings


def test_log_list_and_show_a_call_with_a_recording(
    kluis_env: Settings, kluis: Kluis, tmp_path: Path
) -> None:
    today = datetime.now(UTC)
    person = add_person(kluis, ADMIN, today - timedelta(days=1))
    wav = tmp_path / "gesprek.wav"
    wav.write_bytes(WAV)
    made = ok_json(
        "activities", "log", person,
        "--purpose", "customer_service",
        "--type", "call",
        "--subject", SUBJECT,
        "--body", BODY,
        "--duration", "12",
        "--recording", str(wav),
    )  # fmt: skip
    listed = ok_json("activities", "list", person, "--purpose", "customer_service")
    [item] = listed["items"]
    assert (item["id"], item["subject"], item["body"]) == (made["id"], SUBJECT, BODY)
    assert item["recording_id"] is not None
    assert item["author"].startswith("cli:")
    shown = ok("activities", "show", made["id"], "--purpose", "customer_service").stdout
    assert SUBJECT in shown
    table = ok("activities", "list", person, "--purpose", "customer_service").stdout
    assert made["id"] in table


def test_a_scheduled_meeting_and_the_refusals(kluis_env: Settings, kluis: Kluis) -> None:
    today = datetime.now(UTC)
    person = add_person(kluis, ADMIN, today - timedelta(days=1))
    later = (today + timedelta(days=2)).strftime("%Y-%m-%dT10:00")
    made = ok_json(
        "activities", "log", person, "--purpose", "customer_service",
        "--type", "meeting", "--subject", "Showroombezoek", "--at", later,
    )  # fmt: skip
    shown = ok_json("activities", "show", made["id"], "--purpose", "customer_service")
    assert shown["scheduled"] is True
    refused(
        "activities", "log", person, "--purpose", "email_marketing", "--subject", "x",
        field="purpose",
    )  # fmt: skip
    refused(
        "activities", "log", person, "--purpose", "customer_service", "--subject", "x",
        "--type", "fax",
        field="type",
    )  # fmt: skip
    refused("activities", "show", made["id"], "--purpose", "invoicing", field="purpose")
