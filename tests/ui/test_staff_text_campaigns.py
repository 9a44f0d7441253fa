"""The staff campaign pages on text channels, on SQLite and PostgreSQL: a compose form per
channel, the SMS length shown server-side, a draft changed and deleted, and the results with
what the provider reported and who opted out afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from conftest import NOW
from kluis.messaging import inbound
from kluis.runtime import Kluis
from smsprovider import ProviderServer
from staff_helpers import signed_in
from text_helpers import phone_of, population, with_provider


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    with ProviderServer() as server:
        yield server


def test_compose_an_sms_campaign_see_its_length_send_and_results(
    kluis: Kluis, provider: ProviderServer
) -> None:
    k = with_provider(kluis, provider, base_url=None)
    population(k, "sms")
    client, csrf = signed_in(k, "marketing", "email_marketing")
    form = client.get("/app/campaigns/new?channel=sms")
    assert form.status_code == 200
    assert 'name="subject_nl"' not in form.text
    assert 'value="sms"' in form.text
    assert "STOP" in form.text
    whatsapp = client.get("/app/campaigns/new?channel=whatsapp")
    assert 'name="template_name"' in whatsapp.text
    made = client.post(
        "/app/campaigns/new",
        data={
            "csrf": csrf,
            "name": "Lente",
            "channel": "sms",
            "topic": "offers",
            "body_nl": "Hallo {{ given_name }}, alle kaas halve prijs!",
            "body_en": "Hi {{ given_name }} 🧀",
        },
    )
    assert made.status_code == 303, made.text
    page = client.get(made.headers["location"])
    assert 'id="sms-length"' in page.text
    assert "GSM-7" in page.text
    assert "UCS-2" in page.text
    # the text is shown as written; the opt-out line appears once, in the preview of the SMS
    assert page.text.count("Afmelden: STOP aan +3197010000001") == 1
    campaign = made.headers["location"].rsplit("/", 1)[1]
    edit = client.get(f"/app/campaigns/{campaign}/edit")
    assert "alle kaas halve prijs" in edit.text
    changed = client.post(
        f"/app/campaigns/{campaign}/edit",
        data={
            "csrf": csrf,
            "name": "Lente 2",
            "topic": "offers",
            "body_nl": "Hoi {{ given_name }}",
        },
    )
    assert changed.status_code == 303, changed.text
    page = client.get(f"/app/campaigns/{campaign}")
    assert "Hoi {{ given_name }}" in page.text
    assert "Lente 2" in page.text
    sent = client.post(f"/app/campaigns/{campaign}/send", data={"csrf": csrf})
    assert sent.status_code == 303, sent.text
    assert {r.form["To"] for r in provider.received} == {phone_of(2), phone_of(6)}
    inbound.receive(k, "sms", phone_of(2), "STOP", NOW + timedelta(minutes=1))
    results = client.get(f"/app/campaigns/{campaign}/results")
    assert 'data-outcome="opted_out_after">1<' in results.text
    assert 'data-outcome="delivered">0<' in results.text


def test_a_draft_is_deleted_and_phone_is_not_yet(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "marketing", "email_marketing")
    made = client.post(
        "/app/campaigns/new",
        data={"csrf": csrf, "name": "x", "channel": "sms", "topic": "offers", "body_nl": "Hoi"},
    )
    assert made.status_code == 303, made.text
    campaign = made.headers["location"].rsplit("/", 1)[1]
    gone = client.post(f"/app/campaigns/{campaign}/delete", data={"csrf": csrf})
    assert gone.status_code == 303
    assert client.get(f"/app/campaigns/{campaign}").status_code == 404
    refused = client.post(
        "/app/campaigns/new",
        data={"csrf": csrf, "name": "x", "channel": "fax", "topic": "offers", "body_nl": "Hoi"},
    )
    assert refused.status_code == 422
    assert "Kies een kanaal: e-mail, sms, WhatsApp, telefoon of post." in refused.text
