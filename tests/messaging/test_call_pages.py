"""Call lists through the staff pages (plain forms, no JavaScript, in Dutch), the JSON API and
the CLI, on both backends: a list drawn, a call opened with its ``tel:`` link and script, an
outcome posted with a recording, an opt-out, a refusal shown when the person may no longer be
called."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from api_helpers import client_for
from call_helpers import PHONE, WAV, phone_kluis
from conftest import ADMIN, MARKETING, NOW
from kluis.cli import app
from kluis.contacts import flags
from kluis.messaging import calls, campaigns
from kluis.runtime import Kluis
from kluis.settings import Settings
from staff_helpers import signed_in
from test_dutch import Seen
from text_helpers import phone_of, population

runner = CliRunner()


def test_work_a_call_list_on_the_staff_pages_in_dutch(kluis: Kluis) -> None:
    k = phone_kluis(kluis)
    people = population(k, "phone")
    draft = campaigns.create_campaign(k, MARKETING, PHONE, NOW)
    client, csrf = signed_in(k, "marketing", "email_marketing")
    assert client.post("/app/language", data={"csrf": csrf, "language": "nl"}).status_code == 303
    seen = Seen(k)

    page = seen.page("campaign", client.get(f"/app/campaigns/{draft.id}"))
    assert "Stel de bellijst op" in page
    drawn = client.post(f"/app/campaigns/{draft.id}/calls", data={"csrf": csrf})
    assert drawn.status_code == 303
    listed = seen.page("call list", client.get(drawn.headers["location"]))
    found = {i.person_id: i for i in calls.call_list(k, MARKETING, draft.id).items}
    reached, leaving = found[people["consenting"]], found[people["consenting_nl"]]
    assert f'href="/app/calls/{reached.id}"' in listed

    call = seen.page("call", client.get(f"/app/calls/{reached.id}"))
    assert f'href="tel:{phone_of(2)}"' in call
    assert "Good afternoon, this is Kluis" in call  # the script in the person's language
    logged = client.post(
        f"/app/calls/{reached.id}/outcome",
        data={"csrf": csrf, "outcome": "reached"},
        files={"recording": ("ja.wav", WAV, "audio/wav")},
    )
    assert logged.status_code == 303
    assert logged.headers["location"].endswith(f"/calls#call-{reached.id}")
    client.get(f"/app/calls/{leaving.id}")
    opted = client.post(
        f"/app/calls/{leaving.id}/outcome", data={"csrf": csrf, "outcome": "opt_out"}
    )
    assert opted.status_code == 303
    forged = client.post(f"/app/calls/{leaving.id}/outcome", data={"outcome": "reached"})
    assert forged.status_code == 403

    after = seen.page("call list after", client.get(f"/app/campaigns/{draft.id}/calls"))
    assert 'data-result="reached">1<' in after
    assert 'data-result="opt_out">1<' in after
    refused = seen.page("call refused", client.get(f"/app/calls/{leaving.id}"))
    assert 'id="call-refused"' in refused
    assert "tel:" not in refused
    compose = client.get("/app/campaigns/new?channel=phone")
    assert 'id="phone-hint"' in compose.text
    made = client.post(
        "/app/campaigns/new",
        data={"csrf": csrf, "channel": "phone", "name": "Zomer", "topic": "offers"}
        | {"body_nl": "Goedemiddag!", "rate_per_minute": "600"},
    )
    assert made.status_code == 303, made.text
    seen.check()


def test_the_api_and_the_cli_of_call_lists(kluis: Kluis, kluis_env: Settings) -> None:
    k = phone_kluis(kluis)
    people = population(k, "phone")
    draft = campaigns.create_campaign(k, MARKETING, PHONE, NOW)
    api = client_for(k, "marketing", now=NOW)
    made = api.post(f"/api/v1/campaigns/{draft.id}/calls")
    assert made.status_code == 200, made.text
    items = {i["person_id"]: i for i in made.json()["items"]}
    call_id = items[people["consenting"]]["id"]
    early = api.post(f"/api/v1/calls/{call_id}/outcome", json={"outcome": "reached"})
    assert early.status_code == 409
    opened = api.get(f"/api/v1/calls/{call_id}")
    assert opened.status_code == 200, opened.text
    assert opened.json()["allowed"] is True
    assert opened.json()["phone"].replace(" ", "") == phone_of(2)
    bad = api.post(f"/api/v1/calls/{call_id}/outcome", json={"outcome": "shouted"})
    assert bad.status_code == 422
    done = api.post(f"/api/v1/calls/{call_id}/outcome", json={"outcome": "no_answer"})
    assert done.status_code == 200, done.text
    assert done.json()["outcome"] == "no_answer"
    assert api.post(f"/api/v1/campaigns/{draft.id}/send").status_code == 409

    other = items[people["consenting_nl"]]["id"]
    flags.set_flag(k, ADMIN, people["consenting_nl"], "restriction", True, "phone", NOW)
    refused = api.get(f"/api/v1/calls/{other}").json()
    assert refused["allowed"] is False
    assert refused["phone"] is None
    assert refused["reason"] == "restricted"
    results = api.get(f"/api/v1/campaigns/{draft.id}/calls").json()["results"]
    assert results["called"] == 1
    assert results["no_answer"] == 1
    assert results["refused"] == {"restricted": 1}
    sales = client_for(k, "sales", now=NOW).get(f"/api/v1/campaigns/{draft.id}/calls")
    assert sales.status_code == 403

    shown = runner.invoke(app, ["campaigns", "calls", str(draft.id), "--json"])
    assert shown.exit_code == 0, shown.output
    out = json.loads(shown.output)
    assert out["results"]["no_answer"] == 1
    assert len(out["calls"]) == len(items)
    assert phone_of(2) not in shown.output
    text = runner.invoke(app, ["campaigns", "calls", str(draft.id), "--make"])
    assert text.exit_code == 0, text.output
    assert "refused when opened, restricted: 1" in text.output
