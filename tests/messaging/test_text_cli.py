"""The campaign commands on text channels: an SMS and a WhatsApp draft created from files,
a draft deleted, phone refused."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kluis.cli import app
from kluis.settings import Settings

runner = CliRunner()


def test_text_campaigns_from_the_command_line(kluis_env: Settings, tmp_path: Path) -> None:
    body = tmp_path / "nl.txt"
    body.write_text("Hallo {{ given_name }}!", encoding="utf-8")
    made = runner.invoke(
        app,
        [
            "campaigns",
            "create",
            "--channel",
            "sms",
            "--topic",
            "offers",
            "--name",
            "Lente",
            "--body-nl",
            str(body),
            "--json",
        ],
    )
    assert made.exit_code == 0, made.output
    campaign = json.loads(made.output)
    assert campaign["channel"] == "sms"
    template = tmp_path / "template.json"
    template.write_text(json.dumps({"name": "spring", "content": {"nl": "HX1"}}), encoding="utf-8")
    whatsapp = runner.invoke(
        app,
        [
            "campaigns",
            "create",
            "--channel",
            "whatsapp",
            "--topic",
            "offers",
            "--name",
            "WA",
            "--body-nl",
            str(body),
            "--whatsapp-template",
            str(template),
            "--json",
        ],
    )
    assert whatsapp.exit_code == 0, whatsapp.output
    assert json.loads(whatsapp.output)["template"]["name"] == "spring"
    gone = runner.invoke(app, ["campaigns", "delete", str(campaign["id"])])
    assert gone.exit_code == 0, gone.output
    phone = runner.invoke(
        app,
        [
            "campaigns",
            "create",
            "--channel",
            "fax",
            "--topic",
            "offers",
            "--name",
            "x",
            "--body-nl",
            str(body),
        ],
    )
    assert phone.exit_code != 0
    assert "channel is not one of email, phone, sms, whatsapp, post" in phone.output
