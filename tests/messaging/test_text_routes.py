"""The campaign API on text channels: create an SMS or WhatsApp campaign, edit and delete a
draft, send it through the local provider server (as a job), and read its results per channel,
opted-out-afterwards included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from api_helpers import assert_problem, client_for
from conftest import NOW
from kluis.messaging import inbound
from kluis.runtime import Kluis
from smsprovider import ProviderServer
from text_helpers import phone_of, population, with_provider

CAMPAIGNS = "/api/v1/campaigns"
SMS = {
    "name": "Spring SMS",
    "channel": "sms",
    "topic": "offers",
    "body": {"nl": "Hallo {{ given_name }}!", "en": "Hello {{ given_name }}!"},
}


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    with ProviderServer() as server:
        yield server


def test_sms_campaign_by_api(kluis: Kluis, provider: ProviderServer) -> None:
    k = with_provider(kluis, provider)
    people = population(k, "sms")
    marketing = client_for(k, "marketing")
    made = marketing.post(CAMPAIGNS, json=SMS)
    assert made.status_code == 201, made.text
    campaign = made.json()
    assert campaign["channel"] == "sms"
    assert campaign["subject"] == {"nl": None, "en": None}
    changed = marketing.patch(f"{CAMPAIGNS}/{campaign['id']}", json={"body": {"nl": "Hoi!"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["body"] == {"nl": "Hoi!", "en": None}
    person = people["consenting"]
    shown = marketing.get(
        f"{CAMPAIGNS}/{campaign['id']}/preview/{person}", params={"purpose": "email_marketing"}
    )
    assert shown.status_code == 200, shown.text
    assert shown.json()["text"] == "Hoi!\nAfmelden: STOP aan +3197010000001"  # only nl now
    assert (shown.json()["encoding"], shown.json()["segments"]) == ("gsm7", 1)
    assert provider.received == []
    sent = marketing.post(f"{CAMPAIGNS}/{campaign['id']}/send")
    assert sent.status_code == 202, sent.text
    assert {r.form["To"] for r in provider.received} == {phone_of(2), phone_of(6)}
    inbound.receive(k, "sms", phone_of(6), "STOP", NOW + timedelta(minutes=5))
    results = marketing.get(f"{CAMPAIGNS}/{campaign['id']}/results")
    assert results.status_code == 200, results.text
    assert results.json() == {
        "campaign_id": campaign["id"],
        "channel": "sms",
        "topic": "offers",
        "status": "sent",
        "sent": 2,
        "delivered": 0,
        "failed": 0,
        "refused": {"no_consent": 2, "withdrawn": 1, "objected": 1},
        "opted_out_after": 1,
    }
    assert_problem(marketing.patch(f"{CAMPAIGNS}/{campaign['id']}", json={"name": "x"}), 409)
    assert_problem(marketing.delete(f"{CAMPAIGNS}/{campaign['id']}"), 409)


def test_whatsapp_draft_deleted_and_an_unknown_channel_refused(kluis: Kluis) -> None:
    marketing = client_for(kluis, "marketing")
    made = marketing.post(
        CAMPAIGNS,
        json={
            "name": "WA",
            "channel": "whatsapp",
            "topic": "offers",
            "body": {"nl": "Hallo {{1}}"},
            "whatsapp_template": {
                "name": "spring",
                "content": {"nl": "HX01"},
                "params": ["{{ given_name }}"],
            },
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["whatsapp_template"]["content"] == {"nl": "HX01"}
    assert marketing.delete(f"{CAMPAIGNS}/{made.json()['id']}").status_code == 204
    assert marketing.get(f"{CAMPAIGNS}/{made.json()['id']}").status_code == 404
    no_template = marketing.post(
        CAMPAIGNS, json={**SMS, "channel": "whatsapp", "body": {"nl": "Hoi"}}
    )
    assert_problem(no_template, 422)
    assert_problem(marketing.post(CAMPAIGNS, json={**SMS, "channel": "fax"}), 422)
    unconfigured = marketing.post(CAMPAIGNS, json=SMS).json()
    assert_problem(marketing.post(f"{CAMPAIGNS}/{unconfigured['id']}/send"), 503)
