"""A post mailing through the API, the campaign's staff page and ``kluis campaigns post``:
files sent as attachments with ``Cache-Control: no-store``, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from pypdf import PdfReader
from typer.testing import CliRunner

from api_helpers import assert_problem, client_for
from conftest import MARKETING, NOW
from kluis.cli import app
from kluis.messaging import campaigns
from kluis.runtime import Kluis
from kluis.settings import Settings
from post_helpers import LETTER, population
from staff_helpers import signed_in

CAMPAIGNS = "/api/v1/campaigns"
runner = CliRunner()


def test_a_post_mailing_by_api(kluis: Kluis) -> None:
    population(kluis)
    marketing = client_for(kluis, "marketing")
    body = {
        "channel": "post",
        "topic": "offers",
        "name": "Brief",
        "subject": {"nl": "Kaas"},
        "body": {"nl": LETTER["body_nl"], "en": LETTER["body_en"]},
    }
    made = marketing.post(CAMPAIGNS, json=body)
    assert made.status_code == 201, made.text
    campaign = made.json()["id"]
    answer = marketing.post(f"{CAMPAIGNS}/{campaign}/post/csv")
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["content-type"].startswith("text/csv")
    assert f"campaign-{campaign}-csv.csv" in answer.headers["content-disposition"]
    names = [r["name"] for r in csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig")))]
    assert names == ["Fenna2 Brouwersma2", "Zoë Brouwersma6"]
    labels = marketing.post(f"{CAMPAIGNS}/{campaign}/post/labels")
    assert labels.headers["content-type"] == "application/pdf"
    assert "Kerkstraat 6" in PdfReader(io.BytesIO(labels.content)).pages[0].extract_text()
    results = marketing.get(f"{CAMPAIGNS}/{campaign}/results").json()
    assert (results["sent"], results["refused"]["no_address"]) == (2, 1)
    assert_problem(marketing.post(f"{CAMPAIGNS}/{campaign}/send"), 409)  # made already
    assert marketing.post(f"{CAMPAIGNS}/{campaign}/post/zip").status_code == 422
    sales = client_for(kluis, "sales")
    assert_problem(sales.post(f"{CAMPAIGNS}/{campaign}/post/csv"), 403)


def test_the_campaign_page_offers_the_downloads(kluis: Kluis) -> None:
    population(kluis)
    client, csrf = signed_in(kluis, "marketing", "email_marketing")
    form = client.get("/app/campaigns/new?channel=post")
    assert form.status_code == 200
    assert 'name="subject_nl"' in form.text
    assert 'id="post-hint"' in form.text
    draft = campaigns.create_campaign(kluis, MARKETING, LETTER, NOW)
    page = client.get(f"/app/campaigns/{draft.id}")
    assert 'id="post-letters"' in page.text
    assert f'action="/app/campaigns/{draft.id}/send"' not in page.text
    refused = client.post(f"/app/campaigns/{draft.id}/post/letters", data={"csrf": "wrong"})
    assert refused.status_code == 403
    started = client.post(f"/app/campaigns/{draft.id}/post/letters", data={"csrf": csrf})
    assert started.status_code == 303  # made as a job (inline here), see test_post_jobs.py
    file_page = client.get(started.headers["location"])
    assert 'data-state="ready"' in file_page.text
    file_id = started.headers["location"].rsplit("/", 1)[1]
    letters = client.post(f"/app/post-files/{file_id}/download", data={"csrf": csrf})
    assert letters.status_code == 200
    assert letters.headers["cache-control"] == "no-store"
    assert len(PdfReader(io.BytesIO(letters.content)).pages) == 2
    assert 'id="post-csv"' in client.get(f"/app/campaigns/{draft.id}").text


def test_kluis_campaigns_post_writes_the_files(
    kluis: Kluis, kluis_env: Settings, tmp_path: Path
) -> None:
    population(kluis)
    draft = campaigns.create_campaign(kluis, MARKETING, LETTER, NOW)
    paths = {kind: tmp_path / f"{kind}.out" for kind in ("csv", "labels", "letters")}
    args = ["campaigns", "post", str(draft.id), "--json"]
    for kind, path in paths.items():
        args += [f"--{kind}", str(path)]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert summary["letters"] == 2
    assert summary["refused"]["no_address"] == 1
    assert paths["labels"].read_bytes().startswith(b"%PDF")
    assert paths["csv"].stat().st_mode & 0o077 == 0
    none = runner.invoke(app, ["campaigns", "post", str(draft.id)])
    assert none.exit_code != 0
    assert "--csv" in none.output
