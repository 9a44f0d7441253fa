"""End to end on both backends: an SMS campaign through the local provider server, the
provider's signed delivery reports posted back, and a STOP reply that withdraws for the channel
and every topic, confirmed once; forged webhooks refused with nothing of them kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from api_helpers import anonymous_client
from conftest import MARKETING, NOW, PRIVACY
from kluis.audit import service as audit
from kluis.consent import catalogue, decisions
from kluis.consent.rules import MessageKind
from kluis.messaging import campaigns, inbound, texting
from kluis.messaging.tables import MessageRow
from kluis.requests import export
from kluis.runtime import Kluis
from smsprovider import ProviderServer
from text_helpers import phone_of, population, with_provider

BASE = "https://kluis.example.com"
LATER = NOW + timedelta(hours=1)
SMS = {
    "channel": "sms",
    "topic": "offers",
    "body_nl": "Hallo {{ given_name }}, alle kaas halve prijs!",
    "body_en": "Hello {{ given_name }}, all cheese half price!",
}


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    with ProviderServer() as server:
        yield server


def clock() -> datetime:
    return NOW


def send_sms_campaign(k: Kluis, provider: ProviderServer) -> int:
    draft = campaigns.create_campaign(k, MARKETING, SMS, NOW)
    url = k.settings.sms_url
    assert url
    campaigns.send_campaign(
        k,
        MARKETING,
        draft.id,
        clock,
        texting=lambda: texting.TwilioTransport(texting.parse_provider_url(url, "sms")),
        sleep=lambda _s: None,
    )
    return draft.id


def messages(k: Kluis, campaign_id: int) -> dict[str, MessageRow]:
    with k.engine.connect() as conn:
        found = conn.execute(select(MessageRow).where(MessageRow.campaign_id == campaign_id))
        return {row.person_id: row for row in found}  # type: ignore[misc]


def test_sms_campaign_reports_and_a_stop_reply(kluis: Kluis, provider: ProviderServer) -> None:
    k = with_provider(kluis, provider)
    people = population(k, "sms")
    campaign_id = send_sms_campaign(k, provider)
    client = anonymous_client(k, LATER)
    sent = messages(k, campaign_id)

    # The provider reports one delivered and one failed, each to its own callback URL.
    for person, state, code in (
        ("consenting", "delivered", None),
        ("consenting_nl", "undelivered", "30003"),
    ):
        row = sent[people[person]]
        params = {
            "MessageSid": row.message_id or "",
            "MessageStatus": state,
            "AccountSid": provider.account,
        }
        if code:
            params["ErrorCode"] = code
        url = f"{BASE}/webhooks/twilio/sms/status/{row.id}"
        answer = provider.callback(client.post, url, params)
        assert answer.status_code == 204
    after = messages(k, campaign_id)
    assert after[people["consenting"]].delivery_status == "delivered"
    assert after[people["consenting"]].status == "sent"
    failed = after[people["consenting_nl"]]
    assert (failed.status, failed.delivery_status, failed.error_code) == (
        "failed",
        "failed",
        "30003",
    )

    # The person's access package (Art. 15) shows what the provider reported, and the erasure
    # of the other takes their messages with them (ON DELETE CASCADE).
    package = export.access_package(k, PRIVACY, people["consenting_nl"], LATER)
    (reported,) = [m for m in package["messages"] if m["campaign_id"] == campaign_id]
    assert (reported["delivery_status"], reported["error_code"]) == ("failed", "30003")

    # The English-speaking person replies STOP: withdrawn for SMS, every topic, confirmed once.
    url = f"{BASE}/webhooks/twilio/sms/incoming"
    stop = {"From": phone_of(2), "To": "+3197010000001", "Body": "  Stop ", "MessageSid": "SMin1"}
    answer = provider.callback(client.post, url, stop)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/xml")
    assert "<Message>You are unsubscribed" in answer.text
    assert "SMS" in answer.text
    for topic in catalogue.list_topics(k):
        decision = decisions.decide(
            k,
            MARKETING,
            people["consenting"],
            "sms",
            MessageKind.COMMERCIAL.value,
            topic.key,
            LATER,
        )
        assert not decision.allowed
        assert decision.reason.value == "withdrawn"
    assert (
        decisions.decide(
            k,
            MARKETING,
            people["consenting"],
            "email",
            MessageKind.COMMERCIAL.value,
            "offers",
            LATER,
        ).reason.value
        != "withdrawn"
    )
    again = provider.callback(client.post, url, {**stop, "Body": "STOP", "MessageSid": "SMin2"})
    assert "<Message>" not in again.text
    ledger = audit.list_entries(
        k.engine, person_id=people["consenting"], action="consent.recorded", limit=100
    )
    replies = [e for e in ledger if e.details.get("method") == "sms_reply"]
    assert len(replies) == len(catalogue.list_topics(k))
    received = audit.list_entries(
        k.engine, person_id=people["consenting"], action="message.reply_received"
    )
    assert [e.details["confirmed"] for e in received] == [True, False]
    assert all(phone_of(2) not in str(e.details) for e in received)

    # A Dutch AFMELDEN on WhatsApp withdraws WhatsApp, confirmed in Dutch.
    url = f"{BASE}/webhooks/twilio/whatsapp/incoming"
    afmelden = {"From": f"whatsapp:{phone_of(6)}", "Body": "afmelden", "MessageSid": "SMin3"}
    answer = provider.callback(client.post, url, afmelden)
    assert "<Message>U bent afgemeld" in answer.text
    assert "WhatsApp" in answer.text


def test_forged_webhooks_are_refused_and_change_nothing(
    kluis: Kluis, provider: ProviderServer
) -> None:
    k = with_provider(kluis, provider)
    people = population(k, "sms")
    campaign_id = send_sms_campaign(k, provider)
    client = anonymous_client(k, LATER)
    row = messages(k, campaign_id)[people["consenting"]]
    status = {"MessageSid": row.message_id or "", "MessageStatus": "failed", "ErrorCode": "1"}
    url = f"{BASE}/webhooks/twilio/sms/status/{row.id}"
    assert provider.callback(client.post, url, status, signature="forged").status_code == 403
    # signed for another URL (not the public one Kluis is reached at)
    signature = provider.signed(f"http://testserver/webhooks/twilio/sms/status/{row.id}", status)
    assert (
        provider.callback(
            client.post, url, status, signature=signature["X-Twilio-Signature"]
        ).status_code
        == 403
    )
    stop = {"From": phone_of(2), "Body": "STOP"}
    incoming = f"{BASE}/webhooks/twilio/sms/incoming"
    assert client.post(incoming, data=stop).status_code == 403
    assert messages(k, campaign_id)[people["consenting"]].status == "sent"
    assert decisions.decide(
        k, MARKETING, people["consenting"], "sms", MessageKind.COMMERCIAL.value, "offers", LATER
    ).allowed
    refused = audit.list_entries(k.engine, action="webhook.refused")
    assert [e.details for e in refused] == [
        {"channel": "sms", "kind": "status"},
        {"channel": "sms", "kind": "status"},
        {"channel": "sms", "kind": "incoming"},
    ]
    # a correctly signed report naming another message's provider id changes nothing
    other = messages(k, campaign_id)[people["consenting_nl"]]
    stale = {**status, "MessageSid": other.message_id or ""}
    assert provider.callback(client.post, url, stale).status_code == 204
    assert messages(k, campaign_id)[people["consenting"]].status == "sent"


def test_unconfigured_channel_refuses_webhooks(kluis: Kluis) -> None:
    client = anonymous_client(kluis, LATER)
    answer = client.post(f"{BASE}/webhooks/twilio/sms/incoming", data={"Body": "STOP"})
    assert answer.status_code == 403


def test_an_unknown_number_is_ignored(kluis: Kluis, provider: ProviderServer) -> None:
    k = with_provider(kluis, provider)
    assert inbound.receive(k, "sms", "+31699999999", "STOP", NOW).people == 0
    assert inbound.receive(k, "sms", "not a number", "STOP", NOW).people == 0
