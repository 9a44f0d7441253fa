"""The text transport against a real local HTTP server in Twilio's API shape: the requests
Kluis makes, retries on 429, permanent refusals with the error code only, and the settings."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from kluis.errors import InvalidField
from kluis.messaging import texting
from kluis.messaging.transport import SendFailed
from kluis.setting_sources import masked
from smsprovider import ACCOUNT, TOKEN, ProviderServer


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    with ProviderServer() as server:
        yield server


def transport(url: str, channel: str = "sms") -> texting.TwilioTransport:
    return texting.TwilioTransport(
        texting.parse_provider_url(url, channel), sleep=lambda _s: None, backoff_seconds=0
    )


def test_parse_the_url() -> None:
    config = texting.parse_provider_url(
        f"twilio://{ACCOUNT}:{TOKEN}@/?from=%2B3197010000001", "sms"
    )
    assert (config.account, config.token, config.sender) == (ACCOUNT, TOKEN, "+3197010000001")
    assert (
        config.messages_url == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    )
    local = texting.parse_provider_url("twilio://a:b@127.0.0.1:8080/?from=MGabc&tls=false", "sms")
    assert local.api == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    "url",
    ["bird://a:b@/?from=x", "twilio://a@/?from=x", "twilio://a:b@/", "twilio://:b@/?from=x"],
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidField):
        texting.parse_provider_url(url, "sms")


def test_the_token_is_masked_when_shown() -> None:
    shown = masked(f"twilio://{ACCOUNT}:{TOKEN}@/?from=%2B3197010000001")
    assert TOKEN not in shown
    assert ACCOUNT in shown


def test_no_setting_is_refused_clearly() -> None:
    with pytest.raises(texting.ChannelNotConfigured, match="KLUIS_SMS_URL"):
        texting.transport_for(None, "sms")
    with pytest.raises(texting.ChannelNotConfigured, match="KLUIS_WHATSAPP_URL"):
        texting.transport_for("", "whatsapp")


def test_an_sms_is_posted_as_twilio_wants(provider: ProviderServer) -> None:
    with transport(provider.url()) as sms:
        sid = sms.send(
            texting.TextMessage("+31610000001", "Hallo Fenna", "https://kluis.example.com/cb")
        )
    assert sid.startswith("SM")
    (request,) = provider.received
    assert request.account == ACCOUNT
    assert request.form == {
        "To": "+31610000001",
        "From": "+3197010000001",
        "Body": "Hallo Fenna",
        "StatusCallback": "https://kluis.example.com/cb",
    }


def test_a_whatsapp_template_names_its_content_and_variables(provider: ProviderServer) -> None:
    message = texting.TemplateMessage(
        "+31610000001", "spring_offer", "nl", "HX0123", ("Fenna", "Lente — 50%")
    )
    with transport(provider.url("whatsapp"), "whatsapp") as whatsapp:
        whatsapp.send(message)
    form = provider.received[0].form
    assert form["To"] == "whatsapp:+31610000001"
    assert form["From"] == "whatsapp:+3197010000001"
    assert form["ContentSid"] == "HX0123"
    assert json.loads(form["ContentVariables"]) == {"1": "Fenna", "2": "Lente — 50%"}
    assert "Body" not in form


def test_a_messaging_service_is_named_as_such(provider: ProviderServer) -> None:
    with transport(provider.url(sender="MG0001")) as sms:
        sms.send(texting.TextMessage("+31610000001", "Hoi"))
    form = provider.received[0].form
    assert form["MessagingServiceSid"] == "MG0001"
    assert "From" not in form


def test_busy_is_retried(provider: ProviderServer) -> None:
    provider.busy = 2
    with transport(provider.url()) as sms:
        assert sms.send(texting.TextMessage("+31610000001", "Hoi"))
    assert len(provider.received) == 1


def test_a_refusal_is_permanent_and_quotes_no_number(provider: ProviderServer) -> None:
    provider.refuse.add("+31610000009")
    with transport(provider.url()) as sms, pytest.raises(SendFailed) as caught:
        sms.send(texting.TextMessage("+31610000009", "Hoi"))
    assert caught.value.permanent
    assert caught.value.code == 21211
    assert "31610000009" not in caught.value.detail


def test_a_wrong_token_is_refused(provider: ProviderServer) -> None:
    url = provider.url().replace(TOKEN, "wrong")
    with transport(url) as sms, pytest.raises(SendFailed) as caught:
        sms.send(texting.TextMessage("+31610000001", "Hoi"))
    assert caught.value.code == 20003


def test_no_server_is_a_temporary_failure() -> None:
    url = f"twilio://{ACCOUNT}:{TOKEN}@127.0.0.1:9/?from=%2B31970&tls=false"
    with transport(url) as sms, pytest.raises(SendFailed) as caught:
        sms.send(texting.TextMessage("+31610000001", "Hoi"))
    assert not caught.value.permanent
